"""Initialisation schemes: PyTorch's formulas for the ranges and spreads of the weights."""

import math
import statistics

import pytest

from nn import MLP, Layer
from nn.init import calculate_gain

FAN_IN, FAN_OUT = 60, 40  # a Layer(60, 40): 2,400 weights


def _weights(layer):
    return [w.data for n in layer.neurons for w in n.w]


@pytest.mark.parametrize(
    ("init", "activation", "bound"),
    [
        # Glorot & Bengio: U(-a, a), a = sqrt(6 / (fan_in + fan_out)), gain 1
        ("xavier", "tanh", math.sqrt(6 / (FAN_IN + FAN_OUT))),
        ("glorot", "relu", math.sqrt(6 / (FAN_IN + FAN_OUT))),
        # He et al.: U(-a, a), a = gain * sqrt(3 / fan_in), gain of the activation
        ("kaiming", "relu", math.sqrt(2) * math.sqrt(3 / FAN_IN)),
        ("he", "tanh", 5 / 3 * math.sqrt(3 / FAN_IN)),
        ("kaiming", "sigmoid", math.sqrt(3 / FAN_IN)),
        ("kaiming", "leaky_relu", math.sqrt(2 / (1 + 0.01**2)) * math.sqrt(3 / FAN_IN)),
        ("uniform", "relu", 1.0),
    ],
)
def test_uniform_schemes_fill_their_interval(init, activation, bound):
    ws = _weights(Layer(FAN_IN, FAN_OUT, activation=activation, init=init, seed=0))
    assert max(abs(w) for w in ws) <= bound
    assert min(ws) < -0.98 * bound and max(ws) > 0.98 * bound
    # a uniform on [-a, a] has variance a^2 / 3
    assert statistics.pvariance(ws, mu=0.0) == pytest.approx(bound**2 / 3, rel=0.1)


@pytest.mark.parametrize(
    ("init", "activation", "std"),
    [
        ("xavier_normal", "tanh", math.sqrt(2 / (FAN_IN + FAN_OUT))),
        ("glorot_normal", "relu", math.sqrt(2 / (FAN_IN + FAN_OUT))),
        ("kaiming_normal", "relu", math.sqrt(2 / FAN_IN)),
        ("he_normal", "tanh", 5 / 3 / math.sqrt(FAN_IN)),
    ],
)
def test_normal_schemes_have_their_spread(init, activation, std):
    ws = _weights(Layer(FAN_IN, FAN_OUT, activation=activation, init=init, seed=0))
    assert statistics.fmean(ws) == pytest.approx(0.0, abs=4 * std / math.sqrt(len(ws)))
    assert statistics.pstdev(ws) == pytest.approx(std, rel=0.06)


def test_biases_start_at_zero_in_every_scheme():
    for init in ("uniform", "xavier", "kaiming", "xavier_normal", "kaiming_normal"):
        model = MLP(3, [4, 2], init=init, seed=0)
        assert all(n.b.data == 0.0 for layer in model.layers for n in layer.neurons)


def test_aliases_draw_the_same_weights():
    def state(init):
        return MLP(3, [5, 2], init=init, seed=9).state_dict()

    assert state("xavier") == state("glorot") == state("xavier_uniform")
    assert state("kaiming") == state("he") == state("kaiming_uniform")
    assert state("kaiming_normal") == state("he_normal")
    assert state("xavier") != state("kaiming")


def test_kaiming_uses_the_gain_of_each_layers_own_activation():
    model = MLP(50, [50, 50], init="kaiming", seed=0)  # relu hidden layer, linear output layer
    hidden, out = (_weights(layer) for layer in model.layers)
    assert max(map(abs, hidden)) == pytest.approx(math.sqrt(2) * math.sqrt(3 / 50), rel=0.02)
    assert max(map(abs, out)) == pytest.approx(math.sqrt(3 / 50), rel=0.02)


@pytest.mark.parametrize(
    ("activation", "gain"),
    [
        ("linear", 1.0),
        ("sigmoid", 1.0),
        ("tanh", 5 / 3),
        ("relu", math.sqrt(2)),
        ("leaky_relu", math.sqrt(2 / 1.0001)),
    ],
)
def test_gains_are_pytorchs(activation, gain):
    assert calculate_gain(activation) == pytest.approx(gain, rel=1e-15)


def test_gains_agree_with_torch():
    torch = pytest.importorskip("torch")
    for act in ("linear", "sigmoid", "tanh", "relu"):
        assert calculate_gain(act) == pytest.approx(torch.nn.init.calculate_gain(act), rel=1e-15)
    assert calculate_gain("leaky_relu", 0.2) == pytest.approx(
        torch.nn.init.calculate_gain("leaky_relu", 0.2), rel=1e-15
    )


def test_torch_draws_fit_the_same_bounds():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    w = torch.empty(FAN_OUT, FAN_IN, dtype=torch.float64)
    bound = math.sqrt(6 / (FAN_IN + FAN_OUT))
    torch.nn.init.xavier_uniform_(w)
    assert 0.98 * bound < w.abs().max().item() <= bound
    torch.nn.init.kaiming_uniform_(w, nonlinearity="relu")
    assert 0.98 * math.sqrt(6 / FAN_IN) < w.abs().max().item() <= math.sqrt(6 / FAN_IN)
