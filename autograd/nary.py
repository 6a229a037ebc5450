"""Sums, dot products and maxima of many Values as single nodes (the n-ary primitives)."""

from __future__ import annotations

from collections.abc import Iterable

from .primitives import NARY_PRIMITIVES
from .value import Value, apply_nary

# sum and max are public as autograd.sum and autograd.max, but a star import must not
# shadow the builtins
__all__ = ["dot"]

_SUM = NARY_PRIMITIVES["sum"]
_DOT = NARY_PRIMITIVES["dot"]
_MAX = NARY_PRIMITIVES["max"]


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


def max(values: Iterable[Value | float]) -> Value:  # noqa: A001
    """The largest of ``values`` as one node; its gradient goes to that one (the first of
    equals). Unlike the builtin ``max`` over Values, which compares them in Python, the
    choice is made inside the node: ``autograd.compile`` recomputes it on every call
    instead of checking comparisons.

    >>> a, b = Value(1.0), Value(3.0)
    >>> m = max([a, b, 2.0])
    >>> m.backward()
    >>> m.data, a.grad, b.grad
    (3.0, 0.0, 1.0)
    """
    values = tuple(values)
    if not values:
        raise ValueError("max: values is empty")
    return apply_nary(_MAX, values)
