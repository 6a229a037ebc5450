"""``Dropout``: inverted dropout whose dropped units cost the backward pass nothing.

While training, each unit is dropped with probability ``p`` and each kept unit is scaled by
``1 / (1 - p)`` (PyTorch's inverted dropout, so evaluation needs no rescaling). A dropped
unit is the plain number ``0.0``, not a Value: it adds no node to the graph, and the next
layer's ``dot`` treats it as a constant. In evaluation mode dropout is the identity.

Inside an ``MLP`` the mask is drawn *before* each hidden neuron runs, and a dropped neuron
is not computed at all (``Dropout.through``): its weighted sum and activation are never
made, so neither the forward nor the backward pass pays for it.
"""

from __future__ import annotations

import numbers
import random
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from autograd import Value

from .init import make_rng
from .module import Module

if TYPE_CHECKING:
    from .layers import Neuron


class Dropout(Module):
    """Zero each unit with probability ``p`` while training; scale the rest by 1/(1-p).

    >>> drop = Dropout(0.5, seed=0)
    >>> drop([Value(1.0), Value(2.0), Value(3.0)])
    [Value(data=2.0, grad=0.0), Value(data=4.0, grad=0.0), 0.0]
    >>> drop.eval()([1.0, 2.0])
    [1.0, 2.0]
    """

    def __init__(self, p: float = 0.5, *, seed: int | random.Random | None = None) -> None:
        if not isinstance(p, numbers.Real) or isinstance(p, bool) or not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability must be between 0 and 1, got {p!r}")
        self.p = float(p)
        self._rng = make_rng(seed)
        self._scale = 1.0 / (1.0 - self.p) if self.p < 1.0 else 0.0

    def _set_path(self, path: str) -> None:
        self._path = path
        self._label = f"{path}/scale"

    _label = "/scale"

    def __call__(self, x: Any) -> Any:
        """A list gives a list (dropped units are ``0.0``); one Value or number gives one."""
        if not self.training or self.p == 0.0:
            return x
        if isinstance(x, (list, tuple)):
            return [self._one(v) for v in x]
        return self._one(x)

    def _one(self, v: Value | float) -> Value | float:
        if self._rng.random() < self.p:
            return 0.0
        out = v * self._scale
        if isinstance(out, Value):
            out.label = self._label
        return out

    def through(
        self,
        neurons: Sequence[Neuron],
        x: Sequence[Value | float],
        forward: Callable[[Sequence[Neuron], Sequence[Value | float]], list] | None = None,
    ) -> list:
        """``self([n(x) for n in neurons])``, but a dropped neuron is never computed.

        Draws the same masks as calling the module on the neurons' outputs, so the two give
        identical results. ``forward(neurons, x)``, if given, computes the kept neurons
        together (``nn.layers.forward``). Kept units are tagged ``<neuron path>/dropout``
        (standing alone, ``<dropout path>/scale``).
        """
        if forward is None:
            forward = _one_by_one
        if not self.training or self.p == 0.0:
            return forward(neurons, x)
        rand, p, scale = self._rng.random, self.p, self._scale
        kept = [rand() >= p for _ in neurons]
        values = iter(forward([n for n, k in zip(neurons, kept) if k], x))
        out: list[Value | float] = []
        for n, k in zip(neurons, kept):
            if k:
                v = next(values) * scale
                v.label = f"{n._path}/dropout"
                out.append(v)
            else:
                out.append(0.0)
        return out

    def extra_repr(self) -> str:
        return f"p={self.p}"


def _one_by_one(neurons: Sequence[Neuron], x: Sequence[Value | float]) -> list:
    return [n(x) for n in neurons]
