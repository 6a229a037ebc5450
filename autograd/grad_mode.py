"""``no_grad``: switch graph recording off, per thread.

The per-node hot path must not pay a thread-local lookup on every operation, so the
engine first checks one plain counter, the number of threads inside ``no_grad`` right now,
and looks at this thread's own state only when that counter is non-zero.
"""

from __future__ import annotations

import contextlib
import threading

_lock = threading.Lock()
_local = threading.local()


class _Counter:
    """How many threads are inside ``no_grad``; read on every operation."""

    __slots__ = ("threads",)

    def __init__(self) -> None:
        self.threads = 0


active = _Counter()


def is_grad_enabled() -> bool:
    """True unless this thread is inside ``no_grad``."""
    return getattr(_local, "depth", 0) == 0


class no_grad(contextlib.ContextDecorator):
    """Operations inside record no graph: their results are leaves.

    >>> from autograd import Value, no_grad
    >>> with no_grad():
    ...     y = Value(2.0) * 3
    >>> y.parents
    ()
    """

    def __enter__(self) -> no_grad:
        depth = getattr(_local, "depth", 0)
        _local.depth = depth + 1
        if depth == 0:
            with _lock:
                active.threads += 1
        return self

    def __exit__(self, *exc: object) -> None:
        _local.depth -= 1
        if _local.depth == 0:
            with _lock:
                active.threads -= 1
