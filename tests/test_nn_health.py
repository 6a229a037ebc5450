"""Gradient health: per-layer norms, dead units, vanishing and exploding layers."""

import math

import pytest

from nn import MLP, Layer, Neuron, gradient_health


def _set(params, numbers):
    for p, x in zip(params, numbers, strict=True):
        p.data = float(x)


def test_the_norm_of_a_tiny_layer_is_computed_by_hand():
    n = Neuron(1, nonlin=False, seed=0)
    _set(n.parameters(), [3.0, 0.0])
    n([2.0]).backward()  # d/dw = x = 2, d/db = 1
    (line,) = gradient_health(n).layers
    assert line.grad_norm == pytest.approx(math.sqrt(5), abs=1e-15)
    assert (line.units, line.dead_units, line.vanishing, line.exploding) == (1, 0, False, False)


def test_one_line_per_layer_in_order():
    model = MLP(2, [4, 3, 1], seed=0)
    model([1.0, -1.0]).backward()
    report = gradient_health(model)
    assert [(h.name, h.units) for h in report.layers] == [
        ("layers.0", 4),
        ("layers.1", 3),
        ("layers.2", 1),
    ]


def test_a_relu_unit_that_never_fires_is_dead():
    model = MLP(2, [3, 1], seed=0)
    _set(model.parameters(), [1, 1, 0, 1, 1, -100, 1, 1, 0, 1, 1, 1, 0])  # unit 1: bias -100
    for x in ([1.0, 2.0], [0.5, 0.5]):
        model(x).backward()
    hidden, out = gradient_health(model).layers
    assert (hidden.dead_units, hidden.dead_fraction) == (1, pytest.approx(1 / 3))
    assert out.dead_units == 0


def test_deep_sigmoid_networks_vanish_towards_the_input():
    model = MLP(2, [8] * 12 + [1], activation="sigmoid", seed=0)
    model([0.5, -0.5]).backward()
    report = gradient_health(model, vanish=1e-5)
    norms = [h.grad_norm for h in report.layers]
    assert norms[0] < 1e-5 < norms[-1]
    assert norms[0] < norms[5] < norms[-1]  # shrinking layer after layer going back
    assert report.vanishing[0] == "layers.0" and not report.exploding and not report.healthy
    assert "VANISHING" in str(report)


def test_large_weights_explode():
    model = MLP(2, [4, 4, 1], activation="linear", seed=0)
    model([1.0, 1.0]).backward()
    assert gradient_health(model, explode=1e3).healthy
    for p in model.parameters():
        p.data *= 100.0
    model.zero_grad()
    model([1.0, 1.0]).backward()
    report = gradient_health(model, explode=1e3)
    assert report.exploding == ["layers.0", "layers.1", "layers.2"]
    assert str(report).count("EXPLODING") == 3


def test_a_non_finite_gradient_is_exploding():
    layer = Layer(2, 2, seed=0)
    layer.neurons[0].w[0].grad = math.nan
    layer.neurons[1].w[0].grad = 1.0
    (line,) = gradient_health(layer).layers
    assert line.exploding and line.flag == "EXPLODING"


def test_the_report_reads_as_a_table():
    model = MLP(2, [4, 1], seed=0)
    model([1.0, -1.0]).backward()
    text = str(gradient_health(model))
    lines = text.splitlines()
    assert (
        lines[0].startswith("gradient health") and "layer" in lines[1] and "grad norm" in lines[1]
    )
    assert lines[2].startswith("layers.0") and lines[3].startswith("layers.1")


def test_the_report_says_when_there_is_no_gradient_at_all():
    text = str(gradient_health(MLP(2, [3, 1], seed=0)))
    assert "was backward() called" in text


def test_thresholds_must_make_sense():
    with pytest.raises(ValueError):
        gradient_health(MLP(2, [1], seed=0), vanish=10.0, explode=1.0)


@pytest.mark.parametrize(
    ("kw", "error"),
    [
        (dict(vanish=math.nan), ValueError),
        (dict(explode=math.nan), ValueError),
        (dict(vanish=-1.0), ValueError),
        (dict(vanish="1e-6"), TypeError),
        (dict(explode=None), TypeError),
    ],
)
def test_thresholds_that_are_no_numbers_are_refused_naming_them(kw, error):
    with pytest.raises(error, match=next(iter(kw))):
        gradient_health(MLP(2, [1], seed=0), **kw)


def test_a_unit_whose_gradients_are_none_is_dead():
    """The engine's backward leaves a gradient of None (PyTorch's set_to_none habit) where
    the loss does not reach: such a unit got no gradient, as a unit at exactly 0.0."""
    model = MLP(2, [3, 1], seed=0)
    _set(model.parameters(), [1, 1, 0, 1, 1, -100, 1, 1, 0, 1, 1, 1, 0])  # unit 1: bias -100
    for p in model.parameters():
        p.grad = None
    model([1.0, 2.0]).backward()
    hidden, out = gradient_health(model).layers
    assert hidden.dead_units == 1 and out.dead_units == 0
    assert math.isfinite(hidden.grad_norm) and hidden.grad_norm > 0.0
