"""grad, hessian and gradcheck against closed forms."""

import math

import pytest
from hypothesis import given

from autograd import (
    GradcheckError,
    Value,
    grad,
    gradcheck,
    gradcheck_params,
    hessian,
    numerical_gradient,
)
from autograd.testing import finite_floats


def test_grad_does_not_touch_dot_grad():
    x, y = Value(2.0), Value(3.0)
    out = x * y
    gx, gy = grad(out, [x, y])
    assert (gx.data, gy.data) == (3.0, 2.0)
    assert x.grad == 0.0 and y.grad == 0.0 and out.grad == 0.0


def test_grad_of_an_unrelated_input_is_zero():
    x, z = Value(2.0), Value(5.0)
    (gz,) = grad(x * x, [z])
    assert gz.data == 0.0


@given(finite_floats(-2, 2))
def test_higher_order_derivatives_of_sin(x0):
    x = Value(x0)
    (d1,) = grad(x.sin(), [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    (d3,) = grad(d2, [x], create_graph=True)
    (d4,) = grad(d3, [x])
    expect = [math.cos(x0), -math.sin(x0), -math.cos(x0), math.sin(x0)]
    assert [d.data for d in (d1, d2, d3, d4)] == pytest.approx(expect, rel=1e-12, abs=1e-14)


@given(finite_floats(0.5, 2), finite_floats(-1, 1))
def test_hessian_matches_closed_form(a, b):
    # f = x^2 y + exp(x y)
    h = hessian(lambda v: v[0] * v[0] * v[1] + (v[0] * v[1]).exp(), [a, b])
    e = math.exp(a * b)
    expect = [[2 * b + b * b * e, 2 * a + e + a * b * e], [2 * a + e + a * b * e, a * a * e]]
    for row, erow in zip(h, expect):
        assert row == pytest.approx(erow, rel=1e-11)


def test_gradcheck_passes_on_a_correct_function():
    assert gradcheck(lambda v: (v[0] * v[1]).tanh() + v[0].exp(), [0.3, -0.2]) is True


def test_gradcheck_error_shows_both_values_input_by_input():
    from autograd.primitives import NaryPrimitive
    from autograd.value import apply_nary  # a node with a wrong local derivative on purpose

    wrong = NaryPrimitive("wrong_square", lambda xs: xs[0] ** 2, lambda xs: ([3.0 * xs[0]],))

    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda v: apply_nary(wrong, [v[0]]) + v[1], [0.5, 1.0])
    message = str(info.value)
    assert "input 0" in message and "input 1" in message
    assert "1.5" in message and "1.0000" in message  # analytical 3x vs numerical 2x at 0.5


def test_grad_rejects_non_values():
    with pytest.raises(TypeError, match="inputs"):
        grad(Value(1.0), [1.0])
    with pytest.raises(TypeError, match="output"):
        grad(1.0, [Value(1.0)])


def test_gradcheck_params_checks_a_model_in_a_few_random_directions():
    from nn import MLP
    from nn.losses import mse_loss

    model = MLP(3, [8, 8, 1], activation="tanh", seed=1)
    X = [[0.1, -0.4, 0.7], [1.0, 0.2, -0.3], [-0.5, 0.5, 0.5]]
    y = [0.3, -0.2, 0.9]
    params = model.parameters()
    before = [p.data for p in params]

    def loss():
        return mse_loss([model(x) for x in X], y)

    assert gradcheck_params(loss, params, directions=4) is True
    assert gradcheck_params(loss, params[:5], directions=None) is True
    assert [p.data for p in params] == before  # restored bit for bit
    assert all(p.grad == 0.0 for p in params)  # .grad untouched


def test_gradcheck_params_catches_a_wrong_gradient_in_the_fast_mode():
    from autograd.primitives import NaryPrimitive
    from autograd.value import apply_nary

    # sum of squares whose rule claims d/dw = 3w instead of 2w
    wrong = NaryPrimitive(
        "wrong_sq", lambda ws: sum(w * w for w in ws), lambda ws: ([3 * w for w in ws],)
    )
    ws = [Value(0.5), Value(-1.0), Value(2.0)]
    with pytest.raises(GradcheckError, match="direction"):
        gradcheck_params(lambda: apply_nary(wrong, ws), ws, directions=2)


@pytest.mark.parametrize("eps", [0.0, -1e-6, float("nan"), float("inf"), True, "1e-6"])
def test_a_step_that_is_not_a_positive_number_is_refused(eps):
    f = lambda v: v[0] * v[0]  # noqa: E731
    for check in (
        lambda: gradcheck(f, [1.0], eps=eps),
        lambda: numerical_gradient(f, [1.0], eps=eps),
    ):
        with pytest.raises(ValueError, match="eps must be a positive finite number"):
            check()


@pytest.mark.parametrize(
    "bad", [{"atol": -1.0}, {"rtol": float("nan")}, {"directions": 0}, {"directions": True}]
)
def test_tolerances_and_directions_that_would_check_nothing_are_refused(bad):
    w = [Value(1.0)]
    with pytest.raises(ValueError, match="must be"):
        gradcheck_params(lambda: w[0] * w[0], w, **bad)
