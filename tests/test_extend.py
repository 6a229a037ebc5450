"""define_primitive and check_primitive: extending the table from outside."""

import math

import pytest

from autograd import (
    PRIMITIVES,
    GradcheckError,
    Value,
    check_primitive,
    define_primitive,
    grad,
)


def test_a_defined_primitive_is_a_method_a_function_and_differentiable_twice():
    cube = define_primitive("t_cube", "x * x * x", dx="3.0 * x * x")
    x = Value(2.0)
    y = x.t_cube()
    assert y.data == 8.0 and y.op == "t_cube"
    (d1,) = grad(cube(x), [x], create_graph=True)
    (d2,) = grad(d1, [x])
    assert (d1.data, d2.data) == (12.0, 12.0)  # 3x^2 and 6x at 2
    assert cube(3.0) == 27.0  # plain numbers in, a plain number out
    assert "t_cube" in PRIMITIVES


def test_a_two_operand_primitive_with_float_functions():
    define_primitive(
        "t_hypot", "hypot(x, y)", dx="x / out", dy="y / out", functions={"hypot": math.hypot}
    )
    a, b = Value(3.0), Value(4.0)
    h = a.t_hypot(b)
    h.backward()
    assert h.data == 5.0
    assert (a.grad, b.grad) == pytest.approx((0.6, 0.8), rel=1e-15)
    assert check_primitive("t_hypot") is True


def test_erf_from_the_docs_checks_out():
    define_primitive(
        "t_erf", "erf(x)", dx="1.1283791670955126 * exp(-x * x)", functions={"erf": math.erf}
    )
    assert check_primitive("t_erf", [-1.0, 0.0, 0.5, 2.0]) is True


def test_check_primitive_catches_a_wrong_derivative():
    define_primitive("t_bad_square", "x * x", dx="3.0 * x")  # should be 2x
    with pytest.raises(GradcheckError, match="analytical"):
        check_primitive("t_bad_square")


def test_check_primitive_catches_a_derivative_that_leaves_the_graph():
    # 2x computed through float(): right as a number, but over Values it is a constant,
    # so the second derivative comes out 0 instead of 2.
    define_primitive(
        "t_sq_detached", "x * x", dx="twice(x)", functions={"twice": lambda v: 2.0 * float(v)}
    )
    assert check_primitive("t_sq_detached", second_order=False) is True
    with pytest.raises(GradcheckError):
        check_primitive("t_sq_detached")


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(name="exp", forward="x", dx="1.0"), "exists already"),
        (dict(name="1bad", forward="x", dx="1.0"), "identifier"),
        (dict(name="t_u1", forward="x + nope(x)", dx="1.0"), "unknown name 'nope'"),
        (dict(name="t_u2", forward="x * y", dx="y"), "no dy"),
        (dict(name="t_u3", forward="x.real", dx="1.0"), "names, numbers and calls"),
        (dict(name="t_u4", forward="x +", dx="1.0"), "forward"),
        (dict(name="t_u5", forward="x", dx="1.0", method="backward"), "already has"),
    ],
)
def test_bad_definitions_are_refused_up_front(kwargs, words):
    with pytest.raises(ValueError, match=words):
        define_primitive(**kwargs)


def test_a_dy_for_a_forward_without_y_is_refused():
    with pytest.raises(ValueError, match="does not use y"):
        define_primitive("t_no_y", "x * x", dx="2.0 * x", dy="1.0")


def test_a_wrong_second_derivative_is_named_as_such():
    # d/dx is right at every point as a number, but float() cuts it off the graph, so its
    # own derivative (the second one) comes out wrong.
    frozen = {"frozen": lambda v: getattr(v, "data", v)}
    define_primitive("t_cube_frozen", "x * x * x", dx="3.0 * frozen(x) * x", functions=frozen)
    with pytest.raises(GradcheckError, match="second order"):
        check_primitive("t_cube_frozen")
