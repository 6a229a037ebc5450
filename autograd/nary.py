"""Sums and dot products of many Values as single nodes (the n-ary primitives)."""

from __future__ import annotations

from collections.abc import Iterable

from .primitives import NARY_PRIMITIVES
from .value import Value, apply_nary

# sum is public as autograd.sum, but a star import must not shadow the builtin
__all__ = ["dot"]

_SUM = NARY_PRIMITIVES["sum"]
_DOT = NARY_PRIMITIVES["dot"]


def sum(values: Iterable[Value | float], start: Value | float = 0.0) -> Value:  # noqa: A001
    """``start + v0 + v1 + ...`` as one node (the builtin ``sum`` makes one node per term).

    >>> sum([Value(1.0), Value(2.0), 3.0]).data
    6.0
    """
    return apply_nary(_SUM, tuple(values), (start,))


def dot(
    xs: Iterable[Value | float], ys: Iterable[Value | float], start: Value | float = 0.0
) -> Value:
    """``start + x0*y0 + x1*y1 + ...`` as one node: a neuron's weighted sum plus bias.

    >>> dot([Value(1.0), Value(2.0)], [3.0, 4.0], start=0.5).data
    11.5
    """
    xs, ys = tuple(xs), tuple(ys)
    if len(xs) != len(ys):
        raise ValueError(f"dot: sequences differ in length ({len(xs)} and {len(ys)})")
    return apply_nary(_DOT, xs, ys, (start,))
