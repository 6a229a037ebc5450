"""The n-ary primitives: a sum or dot product of many Values as one node."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Value, grad
from autograd.testing import assert_gradients_match, finite_floats


@given(st.lists(finite_floats(-2, 2), min_size=2, max_size=12))
def test_dot_gradients_match_central_differences(values):
    n = len(values) // 2

    def f(v):
        return autograd.dot(v[:n], v[n : 2 * n], start=v[-1]).tanh()

    assert_gradients_match(f, values, second_order=True)


def test_dot_is_one_node_and_equals_the_op_by_op_sum():
    ws = [Value(0.5), Value(-1.5), Value(2.0)]
    xs = [1.0, Value(2.0), -0.5]
    b = Value(0.25)
    fused = autograd.dot(ws, xs, b)
    op_by_op = sum((w * x for w, x in zip(ws, xs)), b)
    assert fused.data == op_by_op.data
    assert fused.op == "dot" and len(fused.parents) == 5  # 3 weights, 1 Value input, bias
    g_fused = [g.data for g in grad(fused, ws + [xs[1], b])]
    g_ops = [g.data for g in grad(op_by_op, ws + [xs[1], b])]
    assert g_fused == g_ops


def test_sum_takes_values_and_numbers():
    a = Value(1.0)
    s = autograd.sum([a, 2.0, a])
    s.backward()
    assert s.data == 4.0 and a.grad == 2.0


def test_dot_rejects_mismatched_lengths_and_non_numbers():
    with pytest.raises(ValueError, match="length"):
        autograd.dot([Value(1.0)], [1.0, 2.0])
    with pytest.raises(TypeError, match="dot"):
        autograd.dot([Value(1.0)], ["a"])


@given(st.lists(st.floats(-5, 5), min_size=1, max_size=6))
def test_max_is_the_builtin_max_with_its_gradient_on_the_first_largest(xs):
    vs = [Value(x) for x in xs]
    m = autograd.max(vs)
    m.backward()
    assert m.data == max(xs) and m.parents == tuple(vs)
    first = xs.index(max(xs))  # the builtin's choice among equals
    assert [v.grad for v in vs] == [1.0 if i == first else 0.0 for i in range(len(xs))]


def test_max_takes_numbers_too_and_refuses_nothing_to_choose_from():
    a = Value(-1.0)
    m = autograd.max([a, 0.5, -3.0])
    m.backward()
    assert (m.data, a.grad) == (0.5, 0.0)
    with pytest.raises(ValueError, match="max: values is empty"):
        autograd.max([])
    assert "max" not in autograd.__all__  # a star import leaves the builtin alone
