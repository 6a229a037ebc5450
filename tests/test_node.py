"""What a node shows: its edges (each parent with its local derivative), and nothing
recorded where no graph is wanted. Local derivatives are checked against central
differences of the operation alone, never against numbers the engine stored."""

import math

import pytest

import autograd
from autograd import Value, dense, dot, no_grad


def central(f, x, eps=1e-6):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


@pytest.mark.parametrize(
    "make, fs",
    [
        (lambda a, b: a * b, [lambda t: t * -1.5, lambda t: 0.7 * t]),
        (lambda a, b: a / b, [lambda t: t / -1.5, lambda t: 0.7 / t]),
        (lambda a, b: a - b, [lambda t: t + 1.5, lambda t: 0.7 - t]),
        (lambda a, b: a.leaky_relu(b), [lambda t: t if t > 0 else t * -1.5, None]),
    ],
)
def test_edges_pair_each_parent_with_its_local_derivative_in_operand_order(make, fs):
    a, b = Value(0.7), Value(-1.5)
    out = make(a, b)
    parents = [v for v, _ in out.edges]
    assert parents == [a, b] == list(out.parents)
    for (_, d), f, x in zip(out.edges, fs, (0.7, -1.5)):
        if f is not None:
            assert d == pytest.approx(central(f, x), rel=1e-6)


def test_a_constant_operand_is_not_an_edge():
    x = Value(2.0)
    assert [(v is x, d) for v, d in (3 * x).edges] == [(True, 3.0)]
    assert [(v is x, d) for v, d in (x**2).edges] == [(True, 4.0)]


def test_a_relu_that_is_off_shows_its_input_with_derivative_zero():
    x = Value(-1.0)
    out = x.relu()
    assert out.edges == ((x, 0.0),) and out.parents == (x,)
    out.backward()
    assert x.grad == 0.0


def test_a_fused_neuron_shows_every_input_weight_and_bias():
    w, b, x = [Value(1.0), Value(-2.0)], Value(0.5), [Value(3.0), Value(4.0)]
    on = dense([w], x, [b], "tanh")[0]
    s = 0.5 + 3.0 - 8.0
    slope = 1 - math.tanh(s) ** 2
    assert [v for v, _ in on.edges] == [*w, *x, b]
    assert [d for _, d in on.edges] == pytest.approx(
        [slope * 3.0, slope * 4.0, slope, -2 * slope, slope]
    )
    off = dense([w], x, [b], "relu")[0]
    assert off.data == 0.0 and off.edges == tuple((v, 0.0) for v in [*w, *x, b])


def test_a_leaf_has_no_edges():
    assert Value(1.0).edges == () and Value(1.0).parents == ()


def test_no_grad_records_nothing():
    a = Value(2.0)
    with no_grad():
        made = [a * 3, a.tanh(), -a, dot([a], [a]), dense([[a]], [a], [a], "relu")[0]]
    for v in made:
        assert v.op == "" and v.parents == () and v.edges == ()
    assert made[0].data == 6.0 and made[3].data == 4.0


def test_repr_shows_the_label():
    assert repr(Value(1.5, label="weight")) == "Value(data=1.5, grad=0.0, label='weight')"
    assert repr(Value(1.5)) == "Value(data=1.5, grad=0.0)"


def test_the_chain_rule_from_edges_gives_backwards_numbers():
    # grad(leaf) = sum over paths of the product of local derivatives: built from edges
    # alone, it equals what backward() leaves.
    x, y = Value(0.3), Value(-1.2)
    out = ((x * y).tanh() + x.exp() * y).sigmoid()

    def through(node, leaf):
        if node is leaf:
            return 1.0
        return sum(d * through(p, leaf) for p, d in node.edges)

    out.backward()
    assert through(out, x) == pytest.approx(x.grad, rel=1e-12)
    assert through(out, y) == pytest.approx(y.grad, rel=1e-12)
    assert autograd.grad(out, [x])[0].data == x.grad


def test_stop_gradient_is_the_value_and_passes_no_gradient():
    x = Value(1.5)
    s = (x * x).stop_gradient()
    y = s * x
    y.backward()
    assert s.data == 2.25 and s.op == "stop_gradient"
    assert x.grad == 2.25  # through y's x operand only, not through s
    assert [d for _, d in s.edges] == [0.0]


def test_no_grad_decorates_with_or_without_parentheses():
    x = Value(2.0)

    @no_grad
    def bare():
        return x * 3

    @no_grad()
    def called():
        return x * 3

    assert bare().parents == () and called().parents == () and (x * 3).parents == (x,)


def test_a_no_grad_generator_runs_without_grad_each_time_it_resumes():
    x = Value(2.0)

    @no_grad()
    def values():
        got = yield x * 3
        yield x * got
        return "done"

    gen = values()
    first = next(gen)
    inside = x * 1  # between resumes: the caller's mode, recording
    second = gen.send(4.0)
    assert first.parents == () and second.parents == () and inside.parents == (x,)
    with pytest.raises(StopIteration) as stop:
        next(gen)
    assert stop.value.value == "done"


def test_grad_set_to_none_counts_as_no_gradient_yet():
    x = Value(2.0)
    x.grad = None  # PyTorch's zero_grad(set_to_none=True) habit
    (x * x).backward()
    assert x.grad == 4.0
    x.grad = None
    x.backward()
    assert x.grad == 1.0


def test_pytorch_habits_work_or_name_the_fix():
    x = Value(3.0)
    y = x * x
    y.backward(retain_graph=True)  # the graph is always kept
    assert x.grad == 6.0
    y.backward(2.0)  # a seed: d out / d y
    assert x.grad == 6.0 + 12.0 and y.item() == 9.0 and x.requires_grad
    x.requires_grad = True
    with pytest.raises(TypeError, match=r"autograd.grad\(output, inputs, create_graph=True\)"):
        y.backward(create_graph=True)
    with pytest.raises(ValueError, match="detach"):
        x.requires_grad = False
    with pytest.raises(TypeError, match="gradient must be a number"):
        y.backward("1")
