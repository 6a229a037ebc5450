"""``Dropout``: inverted dropout whose dropped units cost the backward pass nothing.

While training, each unit is dropped with probability ``p`` and each kept unit is scaled by
``1 / (1 - p)`` (PyTorch's inverted dropout, so evaluation needs no rescaling). A dropped
unit is the plain number ``0.0``, not a Value: it adds no node to the graph, and the next
layer's ``dot`` treats it as a constant. In evaluation mode dropout is the identity.

The module only draws masks (``Dropout.mask``) and, called on its own, applies one. Inside
an ``MLP`` the mask is drawn *before* each hidden layer runs and handed to the layer
(``Layer.outputs(rows, mask)``), which does not compute a dropped neuron at all: its
weighted sum and activation are never made, so neither pass pays for it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import overload

from autograd import Value

from .init import make_rng
from .module import Module
from .options import check_name, real

__all__ = ["Dropout"]


class Dropout(Module):
    """Zero each unit with probability ``p`` while training; scale the rest by 1/(1-p).

    ``name`` is the module's path in its model: its scalings are labelled ``<name>/scale``.

    >>> drop = Dropout(0.5, seed=0)
    >>> [float(v) for v in drop([Value(1.0), Value(2.0), Value(3.0)])]  # the third dropped
    [2.0, 4.0, 0.0]
    >>> drop.eval()([1.0, 2.0])
    [1.0, 2.0]
    """

    def __init__(
        self, p: float = 0.5, *, seed: int | random.Random | None = None, name: str = ""
    ) -> None:
        self.p: float = real(p, "dropout probability", low=0.0, high=1.0)
        self.name = check_name(name)
        self._rng: random.Random = make_rng(seed)
        self._scale: float = 1.0 / (1.0 - self.p) if self.p < 1.0 else 0.0
        self._tag: str = f"{name}/scale"

    @property
    def active(self) -> bool:
        """Whether a call drops anything: training, with ``p > 0``."""
        return self.training and self.p > 0.0

    def mask(self, n: int) -> list[float] | None:
        """The multipliers for ``n`` units: ``0.0`` drops a unit, ``1 / (1 - p)`` keeps it.

        None when the module is not ``active`` (the identity: no mask, no draw). One draw
        per unit, in order, so a mask equals what calling the module on ``n`` units does.

        >>> Dropout(0.5, seed=0).mask(3)
        [2.0, 2.0, 0.0]
        """
        if not self.active:
            return None
        rand, p, scale = self._rng.random, self.p, self._scale
        return [0.0 if rand() < p else scale for _ in range(n)]

    @overload
    def __call__(self, x: Value) -> Value | float: ...
    @overload
    def __call__(self, x: float) -> float: ...
    @overload
    def __call__(self, x: Sequence[Value | float]) -> Sequence[Value | float]: ...
    def __call__(
        self, x: Value | float | Sequence[Value | float]
    ) -> Value | float | Sequence[Value | float]:
        """A list gives a list (dropped units are ``0.0``); one Value or number gives one.

        Not active, it returns ``x`` itself.
        """
        if isinstance(x, Sequence):
            m = self.mask(len(x))
            return x if m is None else [self._apply(v, f) for v, f in zip(x, m)]
        m = self.mask(1)
        return x if m is None else self._apply(x, m[0])

    def _apply(self, v: Value | float, factor: float) -> Value | float:
        if not factor:
            return 0.0
        out = v * factor
        if isinstance(out, Value):
            out.label = self._tag
        return out

    def extra_repr(self) -> str:
        return f"p={self.p}"
