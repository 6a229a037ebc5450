"""Graduation: export a network to an equivalent PyTorch ``torch.nn.Sequential`` (float64).

A prototype trained here carries on in PyTorch with the same numbers: each ``Layer`` becomes
a ``Linear`` whose weight row ``j`` holds neuron ``j``'s weights, followed by its activation
module (none for a linear layer), and an ``MLP``'s dropout becomes ``torch.nn.Dropout`` after
each hidden layer. The exported model is in the same train/eval mode. PyTorch is imported only
when ``to_torch`` is called; chainrule itself never needs it.

A one-output model gives a tensor of shape ``(1,)`` (or ``(batch, 1)``) where ours gives a
Value.
"""

from __future__ import annotations

from typing import Any

from .layers import MLP, Layer, Neuron
from .module import Module


def _torch() -> Any:
    try:
        import torch
    except ImportError as error:
        raise ImportError(
            "nn.to_torch needs PyTorch, which chainrule does not install: "
            "pip install torch (the CPU build is enough)"
        ) from error
    return torch


def _activation(torch: Any, neuron: Neuron) -> list[Any]:
    name = neuron.activation
    if name == "linear":
        return []
    if name == "relu":
        return [torch.nn.ReLU()]
    if name == "tanh":
        return [torch.nn.Tanh()]
    if name == "sigmoid":
        return [torch.nn.Sigmoid()]
    if name == "leaky_relu":
        return [torch.nn.LeakyReLU(neuron.negative_slope)]
    raise ValueError(f"no PyTorch equivalent for activation {name!r}")


def _linear(torch: Any, neurons: list[Neuron]) -> list[Any]:
    kinds = {(n.activation, n.negative_slope, len(n.w)) for n in neurons}
    if len(kinds) != 1:
        raise ValueError(
            "a layer whose neurons differ in activation or width has no Linear equivalent"
        )
    linear = torch.nn.Linear(len(neurons[0].w), len(neurons), dtype=torch.float64)
    with torch.no_grad():
        linear.weight.copy_(
            torch.tensor([[w.data for w in n.w] for n in neurons], dtype=torch.float64)
        )
        linear.bias.copy_(torch.tensor([n.b.data for n in neurons], dtype=torch.float64))
    return [linear, *_activation(torch, neurons[0])]


def to_torch(model: Module) -> Any:
    """An equivalent ``torch.nn.Sequential`` in float64, for an ``MLP``, ``Layer`` or ``Neuron``.

    ``to_torch(model)(torch.tensor(x, dtype=torch.float64))`` equals ``model(x)`` to rounding.
    """
    torch = _torch()
    if isinstance(model, MLP):
        parts: list[Any] = []
        drop = model.dropout
        for i, layer in enumerate(model.layers):
            parts += _linear(torch, layer.neurons)
            if drop is not None and drop.p > 0.0 and i < len(model.layers) - 1:
                parts.append(torch.nn.Dropout(drop.p))
    elif isinstance(model, Layer):
        parts = _linear(torch, model.neurons)
    elif isinstance(model, Neuron):
        parts = _linear(torch, [model])
    else:
        raise TypeError(f"to_torch exports an MLP, a Layer or a Neuron, got {type(model).__name__}")
    return torch.nn.Sequential(*parts).train(model.training)
