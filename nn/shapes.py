"""What networks are called on (one row of inputs, or a batch of rows) and the size checks.

Shared by ``Neuron``, ``Layer`` and ``MLP``, so that each of them depends on this module
rather than on the one below it for these helpers.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence, Sized
from typing import TYPE_CHECKING, cast

from autograd import Value

__all__ = ["Batch", "Row", "is_batch"]

if TYPE_CHECKING:  # annotations only: typing_extensions is no run-time dependency
    from typing_extensions import TypeIs

#: One input row: Values or plain numbers (a dropped unit is the number 0.0).
Row = Sequence[Value | float]
#: A batch: a list of rows.
Batch = Sequence[Row]


def is_batch(x: object) -> TypeIs[Batch]:
    """A list of input rows (``[[x0, x1], [x0, x1], ...]``) rather than one row.

    Typed ``TypeIs``, so that a type checker knows which of ``Row | Batch`` it was given.
    """
    if isinstance(x, (list, tuple)):  # the common case first: no ABC check
        return bool(x) and _is_row(x[0])
    if isinstance(x, Sized) and len(x) > 0:  # a numpy array, say
        return _is_row(cast(Sequence[object], x)[0])
    return False


def _is_row(x: object) -> bool:
    return hasattr(x, "__len__") and not isinstance(x, (str, bytes))  # numpy rows too


def positive_int(n: object, what: str) -> int:
    """``n`` as an int, or a ValueError naming ``what`` (bools are refused)."""
    if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return int(n)
