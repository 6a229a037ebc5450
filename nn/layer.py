"""``Layer``: ``nout`` neurons reading the same inputs, computed together.

A layer computes its neurons (``nn.neuron.compute``: one ``dense`` call for all of them) and
applies a mask when it is given one: a list of one multiplier per neuron, where ``0.0``
means the neuron is dropped. A dropped neuron is not computed at all (its output is the
number ``0.0``, no node); a kept one's output is multiplied by its factor, in a node tagged
``<neuron name>/dropout``. ``Dropout.mask`` draws such masks, and ``MLP`` hands them down.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, overload

from autograd import Value

from .export import to_torch
from .init import make_rng
from .module import Module
from .neuron import Neuron, compute
from .options import check_name
from .shapes import Batch, Row, is_batch, positive_int

__all__ = ["Layer"]


class Layer(Module):
    """``nout`` neurons reading the same inputs; the keywords go to each ``Neuron``.

    Returns one Value when ``nout`` is 1, else a list, as micrograd's layer does; a batch
    (a list of rows) gives one of those per row. ``name`` is the layer's path in its model:
    neuron ``j`` is named ``<name>.neurons.<j>``.

    >>> Layer(3, 2, activation="tanh", seed=0)
    Layer(3 -> 2, tanh)
    >>> Layer(3, 2, seed=0, name="hidden").neurons[1].b.label
    'hidden.neurons.1.b'
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        *,
        nonlin: bool = True,
        activation: str = "relu",
        init: str = "uniform",
        seed: int | random.Random | None = None,
        negative_slope: float = 0.01,
        name: str = "",
    ) -> None:
        nout = positive_int(nout, "nout")
        name = check_name(name)
        rng = make_rng(seed)
        prefix = f"{name}." if name else ""
        self.neurons = [
            Neuron(
                nin,
                nonlin,
                activation=activation,
                init=init,
                seed=rng,
                fan_out=nout,
                negative_slope=negative_slope,
                name=f"{prefix}neurons.{j}",
            )
            for j in range(nout)
        ]
        self.name = name

    @property
    def nin(self) -> int:
        """How many inputs each row has."""
        return len(self.neurons[0].w)

    @property
    def nout(self) -> int:
        """How many outputs: one per neuron (the length of a mask)."""
        return len(self.neurons)

    @overload
    def __call__(self, x: Row) -> Value | list[Value]: ...
    @overload
    def __call__(self, x: Batch) -> list[Value | list[Value]]: ...
    def __call__(self, x: Row | Batch) -> Value | list[Value] | list[Value | list[Value]]:
        """The outputs for one input row; for a list of rows (a batch), those of each row."""
        if is_batch(x):
            return [out[0] if len(out) == 1 else out for out in compute(self.neurons, x)]
        out = compute(self.neurons, [x])[0]
        return out[0] if len(out) == 1 else out

    @overload
    def outputs(self, xs: Batch, mask: None = None) -> list[list[Value]]: ...
    @overload
    def outputs(self, xs: Batch, mask: Sequence[float]) -> list[list[Value | float]]: ...
    def outputs(
        self, xs: Batch, mask: Sequence[float] | None = None
    ) -> list[list[Value]] | list[list[Value | float]]:
        """Each row's outputs as a list, one entry per neuron, even for one neuron.

        What an ``MLP`` passes between layers. ``mask`` (see the module) applies to every row:
        a ``0.0`` entry drops that neuron, which is then never computed.
        """
        if mask is None:
            return compute(self.neurons, xs)
        neurons = self.neurons
        if len(mask) != len(neurons):
            raise ValueError(f"a mask for {len(neurons)} neurons has {len(mask)} entries")
        kept = compute([n for n, f in zip(neurons, mask) if f], xs)
        out: list[list[Value | float]] = []
        for values in kept:
            it = iter(values)
            row: list[Value | float] = []
            for n, f in zip(neurons, mask):
                if f:
                    v = next(it) * f
                    v.label = f"{n.name}/dropout"
                    row.append(v)
                else:
                    row.append(0.0)
            out.append(row)
        return out

    def to_torch(self) -> Any:
        """An equivalent ``torch.nn.Sequential`` in float64 (see ``nn.to_torch``)."""
        return to_torch(self)

    def extra_repr(self) -> str:
        return f"{self.nin} -> {self.nout}, {self.neurons[0].activation}"

    def __repr__(self) -> str:  # one line: sixteen identical neurons say nothing more
        return f"Layer({self.extra_repr()})"
