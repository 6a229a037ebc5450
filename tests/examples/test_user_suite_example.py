"""An example of using autograd.testing in your own pytest suite (copy and adapt).

It checks a function of your own, and a primitive you added, the way chainrule checks itself.
"""

import math

from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd.testing import assert_gradients_match, expressions, finite_floats


def my_loss(v):
    """Your code under test: any function of a list of Values returning a Value."""
    x, y = v
    return (x * y).tanh() + (x - y).softplus() / (1.0 + y * y)


@given(st.lists(finite_floats(-3, 3), min_size=2, max_size=2))
def test_my_loss_gradients(xs):
    assert_gradients_match(my_loss, xs, second_order=True)


# A primitive defined by the user, then checked on random expressions that use it.
if "ex_gelu_tanh" not in autograd.PRIMITIVES:
    autograd.define_primitive(
        "ex_gelu_tanh",
        "0.5 * x * (1.0 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))",
        dx=(
            "0.5 * (1.0 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))"
            " + 0.5 * x * (1.0 - tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)) ** 2)"
            " * 0.7978845608028654 * (1.0 + 0.134145 * x * x)"
        ),
    )


@given(expressions(primitives=("ex_gelu_tanh", "add", "mul", "sin")), st.data())
def test_my_primitive_inside_random_expressions(expr, data):
    assert_gradients_match(expr, data.draw(expr.inputs()), second_order=True)


def test_my_primitive_in_one_call():
    assert autograd.check_primitive("ex_gelu_tanh", [-2.0, -0.5, 0.3, 1.7])
    assert math.isclose(autograd.Value(1.0).ex_gelu_tanh().data, 0.8411919906082768, rel_tol=1e-12)
