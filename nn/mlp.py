"""``MLP``: micrograd's multi-layer perceptron, a list of ``Layer``s called in turn.

The signatures, defaults and parameter order are micrograd's, so micrograd code runs with
only its import changed and weights copy across one to one. The MLP calls its layers and
nothing below them: a layer computes its neurons, and dropout reaches a layer as a mask.
"""

from __future__ import annotations

import numbers
import random
from collections.abc import Iterable
from typing import Any, overload

from autograd import Value

from .dropout import Dropout
from .export import to_torch
from .init import make_rng
from .layer import Layer
from .module import Module
from .options import check_activation, check_name, real
from .shapes import Batch, Row, is_batch, positive_int

__all__ = ["MLP"]


class MLP(Module):
    """A multi-layer perceptron: hidden layers use ``activation``, the last ``final_activation``.

    ``MLP(nin, nouts)`` is micrograd's (ReLU hidden layers, linear output, uniform(-1, 1)
    weights). ``dropout`` (a probability, or a ``Dropout`` to choose its seed) applies
    inverted dropout to every hidden layer's outputs while training; a dropped neuron is
    never computed, so it adds nothing to the graph. ``seed`` makes the weights (and the
    dropout masks) reproducible without touching the global ``random`` state; with the
    default init, ``seed=s`` draws the weights micrograd draws after ``random.seed(s)``.
    ``name`` is the model's path when it is part of a bigger one (``"body"``): it starts
    every label, ``body.layers.0.neurons.3.w.1``.

    >>> model = MLP(2, [16, 16, 1], seed=0)
    >>> len(model.parameters())
    337
    >>> model([0.5, -1.0]).op
    'dot'
    """

    def __init__(
        self,
        nin: int,
        nouts: Iterable[int],
        *,
        activation: str = "relu",
        final_activation: str = "linear",
        init: str = "uniform",
        seed: int | random.Random | None = None,
        dropout: float | Dropout | None = 0.0,
        negative_slope: float = 0.01,
        name: str = "",
    ) -> None:
        if isinstance(nouts, numbers.Number):
            raise TypeError(f"nouts is a list of layer widths, e.g. [16, 16, 1]; got {nouts!r}")
        sizes = [positive_int(nin, "nin")] + [positive_int(n, "each layer width") for n in nouts]
        if len(sizes) < 2:
            raise ValueError("an MLP needs at least one layer: nouts is empty")
        # Checked whatever the layer count: a one-layer MLP reads only final_activation,
        # and a misspelt activation must not pass unnoticed until a layer is added.
        check_activation(activation)
        check_activation(final_activation, "final_activation")
        real(negative_slope, "negative_slope")
        name = check_name(name)
        if dropout is not None and not isinstance(dropout, Dropout):
            dropout = real(dropout, "dropout probability", low=0.0, high=1.0)
        rng = make_rng(seed)
        prefix = f"{name}." if name else ""
        last = len(sizes) - 2
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                activation=final_activation if i == last else activation,
                init=init,
                seed=rng,
                negative_slope=negative_slope,
                name=f"{prefix}layers.{i}",
            )
            for i in range(last + 1)
        ]
        if isinstance(dropout, Dropout):
            drop: Dropout | None = dropout
        else:  # drawn after the weights, so dropout never changes a seed's weights
            drop = Dropout(dropout, seed=rng, name=f"{prefix}dropout") if dropout else None
        self.dropout = drop
        self.name = name

    @overload
    def __call__(self, x: Row) -> Value | list[Value]: ...
    @overload
    def __call__(self, x: Batch) -> list[Value | list[Value]]: ...
    def __call__(self, x: Row | Batch) -> Value | list[Value] | list[Value | list[Value]]:
        """The output for one input row; for a list of rows (a batch), a list of outputs.

        The output is a Value when the last layer has one neuron, else a list of Values.
        A batch builds the same graph as calling the model row by row, faster: each layer
        reads its weights' numbers once for the whole batch.

        Typing: the overloads tell a row (``Sequence[Value | float]``) from a batch, and
        type a row's output ``Value | list[Value]`` and a batch's ``list[Value | list[Value]]``.
        Which of the two a row gives depends on the last layer's width, known only at run
        time, so a one-output model's caller narrows once, ``assert isinstance(out, Value)``.
        (A generic ``MLP[Value]`` would lengthen every annotation of a model for what that
        one check gives.)
        """
        drop = self.dropout
        if drop is not None and not drop.active:
            drop = None
        rows: Batch
        if is_batch(x):
            if drop is not None:  # masks are drawn row by row, in order
                return [self(row) for row in x]
            batch, rows = True, x
        else:
            batch, rows = False, [x]
        # Layers always pass lists between them (micrograd passes a bare Value out of a
        # one-neuron hidden layer, and the next layer then fails to iterate over it).
        layers = self.layers
        for layer in layers[:-1]:
            rows = layer.outputs(rows, None if drop is None else drop.mask(layer.nout))
        outs = layers[-1].outputs(rows)
        if batch:
            return [out[0] if len(out) == 1 else out for out in outs]
        out = outs[0]
        return out[0] if len(out) == 1 else out

    def to_torch(self) -> Any:
        """An equivalent ``torch.nn.Sequential`` in float64 (see ``nn.to_torch``)."""
        return to_torch(self)

    def extra_repr(self) -> str:
        return f"{self.layers[0].nin} -> {[layer.nout for layer in self.layers]}"
