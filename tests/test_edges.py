"""Every row of docs/edges.md: forward errors, kinks, boundaries, non-finite data."""

import math

import pytest

import autograd
from autograd import Value, grad

inf, nan = math.inf, math.nan


# -- forward domain errors: Python's exception type, a message naming op and operands ----
@pytest.mark.parametrize(
    "make, exc, words",
    [
        (lambda: 1 / Value(0.0), ZeroDivisionError, "div(1.0, 0.0)"),
        (lambda: Value(1.0) / 0, ZeroDivisionError, "div(1.0, 0.0)"),
        (lambda: Value(2.0) / Value(0.0), ZeroDivisionError, "div(2.0, 0.0)"),
        (lambda: Value(-1.0).log(), ValueError, "log(-1.0)"),
        (lambda: Value(0.0).log(), ValueError, "log(0.0)"),
        (lambda: Value(-8.0) ** 0.5, ValueError, "pow(-8.0, 0.5)"),
        (lambda: Value(-8.0) ** Value(1 / 3), ValueError, "pow(-8.0,"),
        (lambda: (-8.0) ** Value(0.5), ValueError, "pow(-8.0, 0.5)"),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, "pow(0.0, -1.0)"),
        (lambda: Value(1000.0).exp(), OverflowError, "exp(1000.0)"),
        (lambda: Value(10.0) ** 400, OverflowError, "pow(10.0, 400.0)"),
        (lambda: Value(-1.0).sqrt(), ValueError, "sqrt(-1.0)"),
        (lambda: Value(-1.0).log1p(), ValueError, "log1p(-1.0)"),
    ],
)
def test_forward_domain_errors_name_the_operation_and_operands(make, exc, words):
    with pytest.raises(exc, match=None) as info:
        make()
    assert words in str(info.value)


def test_no_operation_returns_a_complex_number():
    with pytest.raises(ValueError):
        Value(-2.0) ** 1.5
    assert isinstance((Value(-2.0) ** 3).data, float)
    assert (Value(-2.0) ** 3).data == -8.0


# -- derivatives at kinks and boundaries (PyTorch's conventions) -----------------------
def d(f, x):
    v = Value(x)
    f(v).backward()
    return v.grad


def test_relu_derivative_at_zero_is_zero():
    assert d(lambda v: v.relu(), 0.0) == 0.0
    assert d(lambda v: v.relu(), -0.0) == 0.0


def test_abs_derivative_at_zero_is_zero():
    assert d(abs, 0.0) == 0.0
    assert d(abs, 2.0) == 1.0 and d(abs, -2.0) == -1.0


def test_relu_is_a_gate_nothing_flows_back_where_it_is_off():
    # PyTorch masks relu's gradient: an inf or nan upstream gradient gives 0, not nan.
    for upstream in (math.inf, -math.inf, math.nan):
        x = Value(-1.0)
        (x.relu() * upstream).backward()
        assert x.grad == 0.0
        x = Value(2.0)
        (x.relu() * upstream).backward()
        assert x.grad == upstream or (math.isnan(x.grad) and math.isnan(upstream))


def test_a_dense_neuron_is_a_dot_then_its_activation():
    w, b, x = [Value(0.5), Value(-1.5)], Value(0.25), [Value(2.0), Value(0.5)]
    (out,) = autograd.dense([w], x, [b], "tanh")
    s = 0.25 + 0.5 * 2.0 + -1.5 * 0.5
    assert out.op == "tanh(dot)" and out.data == math.tanh(s)
    out.backward()
    slope = 1 - math.tanh(s) ** 2
    assert [v.grad for v in w] == pytest.approx([slope * 2.0, slope * 0.5], rel=1e-15)
    assert [v.grad for v in x] == pytest.approx([slope * 0.5, slope * -1.5], rel=1e-15)
    assert b.grad == pytest.approx(slope, rel=1e-15)
    with autograd.detect_anomaly(), pytest.raises(autograd.AnomalyError, match="dot"):
        autograd.dense([[Value(1e308)]], [10.0], [Value(0.0)], "tanh")  # s = inf, tanh 1.0


def test_leaky_relu_derivative_at_zero_is_the_slope():
    assert d(lambda v: v.leaky_relu(0.1), 0.0) == 0.1


def test_sqrt_derivative_at_zero_is_inf_not_an_exception():
    assert d(lambda v: v.sqrt(), 0.0) == inf


def test_pow_derivatives_at_zero_base():
    assert d(lambda v: v**0.5, 0.0) == inf  # x^0.5 at 0
    assert d(lambda v: v**2, 0.0) == 0.0
    assert d(lambda v: v**0, 0.0) == 0.0  # x^0 is constant 1; 0 * 0^-1 would be nan
    y = Value(2.0)
    (Value(0.0) ** y).backward()
    assert y.grad == 0.0  # d(0^y)/dy taken as 0 for y >= 0, as PyTorch does


def test_pow_exponent_gradient_of_a_negative_base_is_nan():
    y = Value(2.0)
    (Value(-3.0) ** y).backward()
    assert math.isnan(y.grad)


def test_sigmoid_and_cross_entropy_friends_are_finite_at_large_inputs():
    for x in (-1000.0, 1000.0):
        assert math.isfinite(Value(x).sigmoid().data)
        assert math.isfinite(d(lambda v: v.sigmoid(), x))
        assert math.isfinite(Value(x).softplus().data)
    assert Value(1000.0).softplus().data == 1000.0


# -- non-finite data given by the user propagates as IEEE floats do ---------------------
@pytest.mark.parametrize(
    "make, expect",
    [
        (lambda: Value(inf) * 0, nan),
        (lambda: Value(inf) + Value(-inf), nan),
        (lambda: Value(nan).exp(), nan),
        (lambda: Value(inf).exp(), inf),
        (lambda: Value(-inf).exp(), 0.0),
        (lambda: Value(inf).tanh(), 1.0),
        (lambda: Value(-inf).sigmoid(), 0.0),
        (lambda: Value(inf).sin(), nan),
        (lambda: Value(inf).cos(), nan),
        (lambda: Value(-inf).log(), nan),
        (lambda: Value(-inf).sqrt(), nan),
        (lambda: Value(nan).relu(), nan),
        (lambda: Value(inf).relu(), inf),
        (lambda: abs(Value(-inf)), inf),
    ],
)
def test_non_finite_data_propagates(make, expect):
    out = make().data
    assert (math.isnan(out) and math.isnan(expect)) or out == expect


def test_gradients_through_non_finite_values_are_ieee():
    x = Value(inf)
    (x * 2.0).backward()
    assert x.grad == 2.0
    n = Value(nan)
    (n * n).backward()
    assert math.isnan(n.grad)


def test_higher_order_derivatives_at_a_singular_point_are_infinite_too():
    x = Value(0.0)
    (dx,) = grad(x.sqrt(), [x], create_graph=True)
    assert dx.data == inf
    (d2x,) = grad(dx, [x])
    assert d2x.data == -inf  # -x^(-3/2) / 4
    (dp,) = grad(x**0.5, [x], create_graph=True)
    assert dp.data == inf


def test_reciprocal_is_ieee_at_zero():
    assert Value(0.0).reciprocal().data == inf
    assert Value(-0.0).reciprocal().data == -inf


def test_pow_exponent_gradient_at_zero_base_and_zero_exponent_is_zero():
    a, b = Value(0.0), Value(0.0)
    (a**b).backward()
    assert (a.grad, b.grad) == (0.0, 0.0)  # PyTorch's choice at 0^0
    c = Value(0.0)
    (0.0**c).backward()
    assert c.grad == 0.0


def test_pow_at_exponent_zero_is_masked_as_in_pytorch_and_jax():
    # d/dx x**y is 0 at y = 0 for every x (subnormal and nan too: never 0 * inf), so its
    # derivative in y is 0 there, where 1/x is the limit: the convention of PyTorch's and
    # JAX's pow, pinned here. The property tests keep off exponents that are exactly 0.
    for x0 in (2.0, 5e-324, -3.0, nan, inf):
        x = Value(x0)
        (x**0).backward()
        assert x.grad == 0.0
    assert autograd.hessian(lambda v: v[0] ** v[1], [2.0, 0.0])[0][1] == 0.0
    assert autograd.hessian(lambda v: v[0] ** v[1], [2.0, 1e-9])[0][1] == pytest.approx(0.5)


def test_create_graph_gives_the_first_order_numbers_at_a_negative_base():
    x, y = Value(-2.0), Value(2.0)
    gx, gy = grad(x**y, [x, y], create_graph=True)
    assert gx.data == -4.0 and math.isnan(gy.data)  # d/dy = x^y log x: not real
    x.grad = y.grad = 0.0
    (x**y).backward()
    assert x.grad == -4.0 and math.isnan(y.grad)


def test_a_derivative_that_overflows_is_infinite_not_an_error():
    v = Value(1e-200)
    w = v**-1
    w.backward()
    assert w.data == 1e200 and v.grad == -inf
