"""The rules of differentiation, each shown on the engine against closed forms."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, grad
from autograd.testing import finite_floats

xs = finite_floats(-3.0, 3.0)
positive = finite_floats(0.1, 3.0)


def derivative(f, x):
    v = Value(x)
    f(v).backward()
    return v.grad


@given(xs, xs, finite_floats(-2, 2), finite_floats(-2, 2))
def test_linearity(x, y, a, b):
    u, v = Value(x), Value(y)
    (a * u.sin() + b * v.exp()).backward()
    assert u.grad == pytest.approx(a * math.cos(x), rel=1e-12, abs=1e-12)
    assert v.grad == pytest.approx(b * math.exp(y), rel=1e-12, abs=1e-12)


@given(xs)
def test_product_rule(x):
    # d/dx [sin(x) * exp(x)] = cos(x) exp(x) + sin(x) exp(x)
    expect = math.cos(x) * math.exp(x) + math.sin(x) * math.exp(x)
    assert derivative(lambda v: v.sin() * v.exp(), x) == pytest.approx(expect, rel=1e-12, abs=1e-12)


@given(xs)
def test_quotient_rule(x):
    # d/dx [sin(x) / (x^2 + 1)]
    expect = (math.cos(x) * (x * x + 1) - math.sin(x) * 2 * x) / (x * x + 1) ** 2
    got = derivative(lambda v: v.sin() / (v * v + 1), x)
    assert got == pytest.approx(expect, rel=1e-12, abs=1e-12)


# Closed-form derivatives written independently of the primitive table.
CLOSED_FORMS = {
    "exp": (math.exp, math.exp),
    "log": (math.log, lambda u: 1 / u),
    "log1p": (math.log1p, lambda u: 1 / (1 + u)),
    "sqrt": (math.sqrt, lambda u: 1 / (2 * math.sqrt(u))),
    "sin": (math.sin, math.cos),
    "cos": (math.cos, lambda u: -math.sin(u)),
    "tanh": (math.tanh, lambda u: 1 / math.cosh(u) ** 2),
    "sigmoid": (lambda u: 1 / (1 + math.exp(-u)), lambda u: math.exp(-u) / (1 + math.exp(-u)) ** 2),
    "softplus": (lambda u: math.log(1 + math.exp(u)), lambda u: 1 / (1 + math.exp(-u))),
    "relu": (lambda u: max(u, 0.0), lambda u: float(u > 0)),
    "neg": (lambda u: -u, lambda u: -1.0),
    "reciprocal": (lambda u: 1 / u, lambda u: -1 / u**2),
    "abs": (abs, lambda u: math.copysign(1.0, u)),
}


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
@given(x=finite_floats(0.2, 1.5))
def test_chain_rule_through_every_unary_primitive(name, x):
    f, df = CLOSED_FORMS[name]
    method = {"neg": "__neg__", "abs": "__abs__"}.get(name, name)
    # d/dx f(g(x)) = f'(g(x)) g'(x), with g(x) = x^2 + 0.1
    u = x * x + 0.1
    got = derivative(lambda v: getattr(v * v + 0.1, method)(), x)
    assert got == pytest.approx(df(u) * 2 * x, rel=1e-11, abs=1e-12)
    assert getattr(Value(u), method)().data == pytest.approx(f(u), rel=1e-12, abs=1e-12)


@given(positive, xs)
def test_chain_rule_through_pow_in_both_operands(a, b):
    x, y = Value(a), Value(b)
    (x**y).backward()
    assert x.grad == pytest.approx(b * a ** (b - 1), rel=1e-11)
    assert y.grad == pytest.approx(a**b * math.log(a), rel=1e-11, abs=1e-12)


@given(xs)
def test_a_plus_a_counts_twice(x):
    a = Value(x)
    (a + a).backward()
    assert a.grad == 2.0


@given(xs)
def test_reused_node_gets_the_sum_of_all_paths(x):
    a = Value(x)
    b = a * a  # used three times below
    (b + b * b + b.tanh()).backward()
    db = 1 + 2 * x * x + (1 - math.tanh(x * x) ** 2)
    assert a.grad == pytest.approx(db * 2 * x, rel=1e-12, abs=1e-12)


def test_backward_twice_adds_the_same_gradient_again():
    x = Value(3.0)
    y = x * x * x
    y.backward()
    assert x.grad == 27.0
    y.backward()
    assert x.grad == 54.0  # micrograd gives 72: it re-adds the intermediates' stale grads


def test_intermediate_grads_hold_the_last_call_only():
    x = Value(2.0)
    h = x * x
    y = h * 3.0
    y.backward()
    y.backward()
    assert h.grad == 3.0
    assert x.grad == 2 * 12.0


def test_backward_of_a_leaf_seeds_itself():
    x = Value(1.5)
    x.backward()
    assert x.grad == 1.0


@given(st.lists(xs, min_size=1, max_size=20))
def test_grad_of_a_sum_is_one_everywhere(values):
    leaves = [Value(v) for v in values]
    total = sum(leaves[1:], leaves[0])
    assert [g.data for g in grad(total, leaves)] == [1.0] * len(leaves)
