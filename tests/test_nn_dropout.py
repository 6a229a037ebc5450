"""Dropout: inverted scaling in training, the identity in eval, no nodes for dropped units."""

import random
import statistics

import pytest

from autograd import Value
from nn import MLP, Dropout


def _graph(root):
    seen, stack, out = set(), [root], []
    while stack:
        v = stack.pop()
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
            stack.extend(v.parents)
    return out


def test_kept_units_are_scaled_by_one_over_one_minus_p_and_dropped_ones_are_zero():
    xs = [Value(float(k + 1)) for k in range(200)]
    out = Dropout(0.25, seed=0)(xs)
    kept = [(x, y) for x, y in zip(xs, out) if y != 0.0]
    dropped = [y for y in out if y == 0.0]
    assert all(y.data == x.data * (1 / 0.75) for x, y in kept)  # PyTorch's mask * 1/(1-p)
    assert all(type(y) is float for y in dropped)  # a plain number: not a node of any graph
    assert 30 <= len(dropped) <= 70  # about a quarter of 200


def test_the_mean_is_preserved_on_average():
    drop = Dropout(0.5, seed=1)
    means = [statistics.fmean(float(y) for y in drop([1.0] * 100)) for _ in range(100)]
    assert statistics.fmean(means) == pytest.approx(1.0, abs=0.03)


def test_eval_mode_and_p_zero_are_the_identity():
    xs = [Value(1.0), Value(2.0)]
    assert Dropout(0.5, seed=0).eval()(xs) is xs
    assert Dropout(0.0, seed=0)(xs) is xs


def test_p_one_drops_everything():
    assert Dropout(1.0, seed=0)([Value(1.0), Value(2.0), 3.0]) == [0.0, 0.0, 0.0]


def test_a_single_value_gives_a_single_value_or_zero():
    drop = Dropout(0.5, seed=3)
    outs = [drop(Value(2.0)) for _ in range(20)]
    assert {o if isinstance(o, float) else o.data for o in outs} == {0.0, 4.0}


def test_masks_are_reproducible_from_the_seed_and_leave_global_random_alone():
    random.seed(0)
    before = random.getstate()
    a = [float(y) for y in Dropout(0.5, seed=7)([1.0] * 50)]
    b = [float(y) for y in Dropout(0.5, seed=7)([1.0] * 50)]
    assert a == b and random.getstate() == before


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan"), float("inf")])
def test_probabilities_outside_0_to_1_are_refused(p):
    with pytest.raises(ValueError, match="dropout probability"):
        Dropout(p)


@pytest.mark.parametrize("p", [True, "0.5", None])
def test_a_probability_that_is_no_number_is_refused(p):
    with pytest.raises(TypeError, match="dropout probability must be a number"):
        Dropout(p)


# -- inside an MLP ----------------------------------------------------------------------------


def test_mlp_dropout_equals_dropout_applied_after_each_hidden_layer():
    model = MLP(3, [8, 8, 2], seed=0, dropout=Dropout(0.5, seed=11))
    x = [0.5, -1.0, 2.0]
    ours = model(x)
    drop = Dropout(0.5, seed=11)  # the same masks, drawn by hand
    h = x
    for layer in model.layers[:-1]:
        h = drop([n(h) for n in layer.neurons])
    expected = [n(h) for n in model.layers[-1].neurons]
    assert [v.data for v in ours] == [v.data for v in expected]


def test_a_dropped_neuron_adds_no_node_to_the_graph():
    model = MLP(4, [16, 16, 1], seed=0, dropout=0.5)
    out = model([1.0, -0.5, 0.25, 2.0])
    nodes = _graph(out)
    labels = [v.label for v in nodes]
    kept = {lab.rsplit("/", 1)[0] for lab in labels if lab.endswith("/dropout")}
    assert 0 < len(kept) < 32  # some hidden neurons kept, some dropped
    # every interior node belongs to a kept hidden neuron or to the output neuron ...
    owners = {lab.rsplit("/", 1)[0] for v, lab in zip(nodes, labels) if v.op}
    assert owners == kept | {"layers.2.neurons.0"}
    # ... two nodes per kept neuron (the neuron, its scaling) and one for the output
    assert sum(1 for v in nodes if v.op) == 2 * len(kept) + 1
    # and a dropped neuron's parameters are not even leaves of it
    leaves = {v.label for v in nodes if not v.op}
    dropped = [f"layers.0.neurons.{k}" for k in range(16) if f"layers.0.neurons.{k}" not in kept]
    assert dropped and not any(lab.startswith(d + ".") for d in dropped for lab in leaves)


def test_backward_through_dropout_scales_kept_gradients_and_skips_dropped_units():
    model = MLP(2, [6, 1], seed=2, dropout=Dropout(0.5, seed=0))  # draws keep 3 of 6
    for n in model.layers[0].neurons:
        n.b.data = 1.0  # every hidden relu on, so only dropout decides
    out = model([0.0, 0.0])
    out.backward()
    hidden, head = model.layers[0].neurons, model.layers[1].neurons[0]
    for k, n in enumerate(hidden):
        if head.w[k].grad == 0.0:  # dropped: its output was the constant 0
            assert n.b.grad == 0.0
        else:  # kept: d out / d b_k = w_k * 2 (the 1 / (1 - 0.5) scale)
            assert head.w[k].grad == 2.0 and n.b.grad == head.w[k].data * 2.0
    assert {head.w[k].grad for k in range(6)} == {0.0, 2.0}


def test_mlp_in_eval_mode_ignores_dropout():
    a = MLP(3, [8, 1], seed=0, dropout=0.9)
    b = MLP(3, [8, 1], seed=0)
    a.eval()
    assert a([1.0, 2.0, 3.0]).data == b([1.0, 2.0, 3.0]).data


def test_dropout_does_not_change_the_weights_a_seed_draws():
    assert MLP(3, [8, 1], seed=5, dropout=0.3).state_dict() == MLP(3, [8, 1], seed=5).state_dict()


def test_a_dropout_module_labels_its_scalings_with_its_path():
    from nn import Module

    class Net(Module):
        def __init__(self):
            self.drop = Dropout(0.5, seed=0, name="drop")  # named where it is made
            self.w = Value(1.0, label="w")

        def forward(self, xs):
            return self.drop([self.w * x for x in xs])

    net = Net()
    kept = [v for v in net([1.0, 2.0, 3.0]) if isinstance(v, Value)]
    assert kept and all(v.label == "drop/scale" for v in kept)


# -- masks: what Dropout hands a layer --------------------------------------------------------


def test_a_mask_holds_the_draws_of_a_call():
    mask = Dropout(0.3, seed=5).mask(50)
    called = Dropout(0.3, seed=5)([1.0] * 50)
    assert mask == [float(v) for v in called]
    assert set(mask) == {0.0, 1 / 0.7}


def test_no_mask_when_dropout_is_off():
    assert Dropout(0.0, seed=0).mask(3) is None
    assert Dropout(0.5, seed=0).eval().mask(3) is None


def test_a_layer_applies_a_mask_and_never_computes_a_dropped_neuron():
    from nn import Layer

    layer = Layer(2, 4, seed=0, name="h")
    x = [0.5, -1.0]
    full = layer.outputs([x])[0]
    (row,) = layer.outputs([x], [2.0, 0.0, 2.0, 0.0])
    assert row[1] == 0.0 and row[3] == 0.0 and type(row[1]) is float
    assert [row[0].data, row[2].data] == [full[0].data * 2.0, full[2].data * 2.0]
    assert [row[0].label, row[2].label] == ["h.neurons.0/dropout", "h.neurons.2/dropout"]
    ops = {v.label for r in (row[0], row[2]) for v in _graph(r) if v.op}
    assert ops == {f"h.neurons.{k}/{role}" for k in (0, 2) for role in ("relu", "dropout")}
    with pytest.raises(ValueError, match="4 neurons has 3 entries"):
        layer.outputs([x], [1.0, 1.0, 1.0])


def test_a_batch_with_dropout_draws_the_masks_row_by_row():
    X = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75], [0.0, 1.0, 0.0]]
    a = MLP(3, [8, 8, 1], seed=0, dropout=Dropout(0.5, seed=3))
    b = MLP(3, [8, 8, 1], seed=0, dropout=Dropout(0.5, seed=3))
    assert [v.data for v in a(X)] == [b(x).data for x in X]
