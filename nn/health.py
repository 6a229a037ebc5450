"""Gradient health: after a backward pass, how well does the gradient reach each layer?

``gradient_health(model)`` reports, layer by layer, the norm of the layer's parameter
gradients and how many of its units are dead (every parameter gradient exactly zero: a ReLU
that no input switched on passes nothing back). It flags a layer as *vanishing* when its norm
is below ``vanish`` and *exploding* when it is above ``explode`` or not finite. Deep sigmoid
networks show the first: the norm shrinks by about 4x per layer going back.

>>> from nn import MLP
>>> model = MLP(2, [4, 1], seed=0)
>>> model([1.0, -1.0]).backward()
>>> report = gradient_health(model)
>>> [layer.name for layer in report.layers]
['layers.0', 'layers.1']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .clip import grad_norm
from .layer import Layer
from .module import Module
from .neuron import Neuron
from .options import real

__all__ = ["HealthReport", "LayerHealth", "gradient_health"]


@dataclass(frozen=True)
class LayerHealth:
    """One layer's line of the report."""

    name: str
    units: int
    grad_norm: float
    dead_units: int
    vanishing: bool
    exploding: bool

    @property
    def dead_fraction(self) -> float:
        return self.dead_units / self.units if self.units else 0.0

    @property
    def flag(self) -> str:
        return "EXPLODING" if self.exploding else ("VANISHING" if self.vanishing else "")


@dataclass(frozen=True)
class HealthReport:
    """The per-layer lines, input side first; ``str()`` is a readable table."""

    layers: list[LayerHealth]
    vanish: float
    explode: float

    @property
    def vanishing(self) -> list[str]:
        """Names of the layers whose gradient norm is below the threshold."""
        return [h.name for h in self.layers if h.vanishing]

    @property
    def exploding(self) -> list[str]:
        """Names of the layers whose gradient norm is above the threshold or not finite."""
        return [h.name for h in self.layers if h.exploding]

    @property
    def healthy(self) -> bool:
        return not (self.vanishing or self.exploding)

    def __str__(self) -> str:
        width = max([5] + [len(h.name) for h in self.layers])
        lines = [
            f"gradient health (vanishing below {self.vanish:g}, exploding above {self.explode:g})",
            f"{'layer':<{width}}  units  grad norm   dead units   flag",
        ]
        for h in self.layers:
            dead = f"{h.dead_units} ({h.dead_fraction:.0%})"
            line = f"{h.name:<{width}}  {h.units:>5}  {h.grad_norm:>9.3e}   {dead:<11}  {h.flag}"
            lines.append(line.rstrip())
        if self.layers and all(h.grad_norm == 0.0 for h in self.layers):
            lines.append("every gradient is zero: was backward() called (after zero_grad)?")
        return "\n".join(lines)


def _groups(model: Module) -> list[tuple[str, Sequence[Module]]]:
    """(layer name, units) pairs: every ``Layer``'s neurons; a lone ``Neuron`` is one unit."""
    modules = model.named_modules()
    layers: list[tuple[str, Sequence[Module]]] = [
        (name or type(m).__name__, list(m.neurons)) for name, m in modules if isinstance(m, Layer)
    ]
    if layers:
        return layers
    neurons = [m for _, m in modules if isinstance(m, Neuron)]
    if neurons:
        return [(type(model).__name__, neurons)]
    return [(type(model).__name__, [model])]


def gradient_health(model: Module, vanish: float = 1e-6, explode: float = 1e3) -> HealthReport:
    """Per layer: gradient norm, dead units, and vanishing / exploding flags. See the module."""
    vanish = real(vanish, "vanish", low=0.0)
    explode = real(explode, "explode", low=0.0, finite=False)
    if not vanish < explode:
        raise ValueError(f"need 0 <= vanish < explode, got vanish={vanish!r}, explode={explode!r}")
    lines = []
    for name, units in _groups(model):
        params = [p for u in units for p in u.parameters()]
        norm = grad_norm(params)
        # a gradient of None (the engine's "none yet") is no gradient, as 0.0 is
        dead = sum(1 for u in units if all(not p.grad for p in u.parameters()))
        exploding = not math.isfinite(norm) or norm > explode
        lines.append(
            LayerHealth(
                name=name,
                units=len(units),
                grad_norm=norm,
                dead_units=dead,
                vanishing=not exploding and norm < vanish,
                exploding=exploding,
            )
        )
    return HealthReport(layers=lines, vanish=vanish, explode=explode)
