"""Graduation to PyTorch: the exported torch.nn.Sequential computes the same numbers."""

import sys

import pytest

from nn import MLP, Dropout, Layer, Module, Neuron, to_torch

_INPUTS = [[0.5, -1.0, 2.0], [0.0, 0.0, 0.0], [-3.0, 1.5, 0.25], [10.0, -10.0, 4.0]]


def _as_list(out):
    return [out.data] if not isinstance(out, list) else [v.data for v in out]


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu", "linear"])
@pytest.mark.parametrize("nouts", [[4, 4, 1], [5, 3]])
def test_exported_mlp_gives_the_same_outputs(activation, nouts):
    torch = pytest.importorskip("torch")
    model = MLP(3, nouts, activation=activation, negative_slope=0.2, init="xavier", seed=1)
    net = to_torch(model)
    assert isinstance(net, torch.nn.Sequential)
    assert all(p.dtype == torch.float64 for p in net.parameters())
    for x in _INPUTS:
        theirs = net(torch.tensor(x, dtype=torch.float64)).tolist()
        assert _as_list(model(x)) == pytest.approx(theirs, abs=1e-12, rel=1e-12)


def test_exported_gradients_match_too():
    torch = pytest.importorskip("torch")
    model = MLP(3, [4, 4, 1], activation="tanh", seed=2)
    net = model.to_torch()
    x = _INPUTS[0]
    model(x).backward()
    net(torch.tensor(x, dtype=torch.float64)).sum().backward()
    theirs = []
    for linear in (m for m in net if isinstance(m, torch.nn.Linear)):
        for row, b in zip(linear.weight.grad.tolist(), linear.bias.grad.tolist()):
            theirs += [*row, b]  # micrograd's order: each neuron's weights, then its bias
    assert [p.grad for p in model.parameters()] == pytest.approx(theirs, abs=1e-12)


def test_weights_land_in_rows_by_neuron():
    pytest.importorskip("torch")
    model = MLP(2, [3, 1], seed=0)
    linear = to_torch(model)[0]
    assert linear.weight.shape == (3, 2)
    assert linear.weight[2, 1].item() == model.layers[0].neurons[2].w[1].data
    assert linear.bias[2].item() == model.layers[0].neurons[2].b.data


def test_layer_and_neuron_export():
    torch = pytest.importorskip("torch")
    layer = Layer(3, 2, activation="sigmoid", seed=0)
    neuron = Neuron(3, activation="tanh", seed=0)
    x = _INPUTS[2]
    t = torch.tensor(x, dtype=torch.float64)
    assert _as_list(layer(x)) == pytest.approx(to_torch(layer)(t).tolist(), abs=1e-12)
    assert _as_list(neuron(x)) == pytest.approx(to_torch(neuron)(t).tolist(), abs=1e-12)


def test_dropout_and_mode_carry_over():
    torch = pytest.importorskip("torch")
    model = MLP(3, [4, 4, 1], seed=0, dropout=Dropout(0.3, seed=0))
    net = to_torch(model)
    drops = [m for m in net if isinstance(m, torch.nn.Dropout)]
    assert [d.p for d in drops] == [0.3, 0.3] and net.training
    model.eval()
    net = to_torch(model)
    assert not net.training
    assert model(_INPUTS[0]).data == pytest.approx(
        net(torch.tensor(_INPUTS[0], dtype=torch.float64)).item(), abs=1e-12
    )


def test_without_torch_the_error_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    with pytest.raises(ImportError, match="pip install torch"):
        to_torch(MLP(2, [1], seed=0))


def test_other_modules_are_refused():
    pytest.importorskip("torch")
    with pytest.raises(TypeError, match="MLP, a Layer or a Neuron"):
        to_torch(Module())
