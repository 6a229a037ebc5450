"""Graduation: export a network to an equivalent PyTorch ``torch.nn.Sequential`` (float64).

A prototype trained here carries on in PyTorch with the same numbers: each layer becomes
a ``Linear`` whose weight row ``j`` holds neuron ``j``'s weights, followed by its activation
module (none for a linear layer), and an MLP's dropout becomes ``torch.nn.Dropout`` after
each hidden layer. The exported model is in the same train/eval mode. PyTorch is imported only
when ``to_torch`` is called; chainrule itself never needs it.

A one-output model gives a tensor of shape ``(1,)`` (or ``(batch, 1)``) where ours gives a
Value.

This module imports nothing from ``nn``: it reads a model by its shape, micrograd's public
attributes (an MLP's ``layers``, a layer's ``neurons``, a neuron's ``w`` and ``b``; see the
protocols below). So the modules it exports can offer a ``to_torch()`` method that calls it,
with no import cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from autograd import Value

__all__ = ["to_torch"]


class NeuronLike(Protocol):
    """What export reads of a neuron (``nn.Neuron`` is one)."""

    @property
    def w(self) -> Sequence[Value]: ...
    @property
    def b(self) -> Value: ...
    @property
    def activation(self) -> str: ...
    @property
    def negative_slope(self) -> float: ...


class LayerLike(Protocol):
    """What export reads of a layer (``nn.Layer`` is one)."""

    @property
    def neurons(self) -> Sequence[NeuronLike]: ...


class DropoutLike(Protocol):
    """What export reads of a dropout module (``nn.Dropout`` is one)."""

    @property
    def p(self) -> float: ...


class MLPLike(Protocol):
    """What export reads of an MLP (``nn.MLP`` is one)."""

    @property
    def layers(self) -> Sequence[LayerLike]: ...
    @property
    def dropout(self) -> DropoutLike | None: ...


def _torch() -> Any:
    try:
        import torch
    except ImportError as error:
        raise ImportError(
            "nn.to_torch needs PyTorch, which chainrule does not install: "
            "pip install torch (the CPU build is enough)"
        ) from error
    return torch


def _activation(torch: Any, neuron: NeuronLike) -> list[Any]:
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


def _linear(torch: Any, neurons: Sequence[NeuronLike]) -> list[Any]:
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


def to_torch(model: MLPLike | LayerLike | NeuronLike) -> Any:
    """An equivalent ``torch.nn.Sequential`` in float64, for an ``MLP``, ``Layer`` or ``Neuron``.

    ``to_torch(model)(torch.tensor(x, dtype=torch.float64))`` equals ``model(x)`` to rounding.
    Which of the three ``model`` is, is told by its attributes: ``layers``, ``neurons``, or
    ``w`` and ``b``.
    """
    torch = _torch()
    if hasattr(model, "layers"):
        layers = model.layers
        drop = getattr(model, "dropout", None)
        parts: list[Any] = []
        for i, layer in enumerate(layers):
            parts += _linear(torch, layer.neurons)
            if drop is not None and drop.p > 0.0 and i < len(layers) - 1:
                parts.append(torch.nn.Dropout(drop.p))
    elif hasattr(model, "neurons"):
        parts = _linear(torch, model.neurons)
    elif hasattr(model, "w") and hasattr(model, "b"):
        parts = _linear(torch, [model])
    else:
        raise TypeError(f"to_torch exports an MLP, a Layer or a Neuron, got {type(model).__name__}")
    return torch.nn.Sequential(*parts).train(getattr(model, "training", True))
