"""Per-thread modes that change what the forward pass records: ``no_grad``,
``detect_anomaly``, and the comparison log that ``autograd.compile`` keeps while tracing.

The per-node hot path must not pay a thread-local lookup on every operation, so every
operation first checks one plain counter, the number of threads inside either mode right
now, and calls ``observe`` on its new node only when that counter is non-zero.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

_lock = threading.Lock()
_local = threading.local()
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
# The library's own files, skipped when naming the user's line: this package and chainrule's
# nn, installed beside it (a layer's node was made by your call of the model, not by nn).
_LIBRARY_DIRS = (_PACKAGE_DIR, os.path.join(os.path.dirname(_PACKAGE_DIR), "nn"))


class _Counter:
    """How many threads are inside ``no_grad`` or ``detect_anomaly``; read on every operation."""

    __slots__ = ("threads",)

    def __init__(self) -> None:
        self.threads = 0


active = _Counter()


def _state() -> dict:
    state = getattr(_local, "state", None)
    if state is None:
        state = _local.state = {"no_grad": 0, "anomaly": 0, "trace": 0, "sites": {}, "log": None}
    return state


_MODES = ("no_grad", "anomaly", "trace")


def _enter(mode: str) -> None:
    state = _state()
    was_plain = not any(state[m] for m in _MODES)
    state[mode] += 1
    if was_plain:
        with _lock:
            active.threads += 1


def _exit(mode: str) -> None:
    state = _state()
    state[mode] -= 1
    if mode == "anomaly" and state["anomaly"] == 0:
        state["sites"].clear()
    if not any(state[m] for m in _MODES):
        with _lock:
            active.threads -= 1


def is_grad_enabled() -> bool:
    """True unless this thread is inside ``no_grad``."""
    return _state()["no_grad"] == 0


def is_anomaly_enabled() -> bool:
    """True while this thread is inside ``detect_anomaly``."""
    return _state()["anomaly"] > 0


class no_grad(contextlib.ContextDecorator):
    """Operations inside record no graph: their results are leaves.

    >>> from autograd import Value, no_grad
    >>> with no_grad():
    ...     y = Value(2.0) * 3
    >>> y.parents
    ()
    """

    def __enter__(self) -> no_grad:
        _enter("no_grad")
        return self

    def __exit__(self, *exc: object) -> None:
        _exit("no_grad")


class AnomalyError(ArithmeticError):
    """A value or a gradient became nan or inf; the message says where."""


class detect_anomaly(contextlib.ContextDecorator):
    """Inside, every new node remembers the file and line of user code that made it, and
    the first ``nan`` or ``inf`` that an operation or a backward pass produces from finite
    numbers raises ``AnomalyError`` naming the operation, its inputs and that line.

    Only nodes made inside the block pay for this; outside it the engine runs as usual.

    >>> from autograd import Value, detect_anomaly
    >>> with detect_anomaly():  # doctest: +ELLIPSIS
    ...     y = Value(1e308) * 10.0
    Traceback (most recent call last):
    autograd.modes.AnomalyError: mul(1e+308, 10.0) gave inf, in ...
    """

    def __enter__(self) -> detect_anomaly:
        _enter("anomaly")
        return self

    def __exit__(self, *exc: object) -> None:
        _exit("anomaly")


@dataclass
class TraceLog:
    """What a traced function did in this thread beyond building its graph (see
    ``autograd.compile``): each way it looked at numbers or left the graph."""

    #: (operator, left, right, outcome) for each comparison of a Value
    comparisons: list[tuple[str, Any, Any, bool]] = field(default_factory=list)
    #: (message, user's line) for each error an operation raised (and fn caught)
    errors: list[tuple[str, str]] = field(default_factory=list)
    #: (Value, user's line) for each number read off a Value: float(v), v.data, math.f(v)
    reads: list[tuple[Any, str]] = field(default_factory=list)


@contextlib.contextmanager
def tracing() -> Iterator[TraceLog]:
    """Record a ``TraceLog`` of what this thread does inside the block."""
    state = _state()
    outer, log = state["log"], TraceLog()
    state["log"] = log
    _enter("trace")
    try:
        yield log
    finally:
        _exit("trace")
        state["log"] = outer


def is_tracing() -> bool:
    """True while this thread runs a function that ``autograd.compile`` traces."""
    return _state()["log"] is not None


def log_comparison(op: str, a: object, b: object, result: bool) -> None:
    log = _state()["log"]
    if log is not None:
        log.comparisons.append((op, a, b, result))


def log_error(message: str) -> None:
    """An operation is raising: the trace notes it (``fn`` may catch it)."""
    log = _state()["log"]
    if log is not None:
        log.errors.append((message, _user_site()))


def log_read(value: object) -> None:
    """User code read a Value's number during a trace."""
    log = _state()["log"]
    if log is not None:
        log.reads.append((value, _user_site()))


def records_graph() -> bool:
    """Whether operations make nodes: outside ``no_grad``, or while tracing (where what
    ``no_grad`` computes is recorded behind a stop-gradient, so a replay recomputes it)."""
    state = _state()
    return state["no_grad"] == 0 or state["log"] is not None


def stops_gradient() -> bool:
    """Inside ``no_grad`` while tracing: new nodes go behind a stop-gradient."""
    state = _state()
    return state["no_grad"] > 0 and state["log"] is not None


def _user_site() -> str:
    """File and line of the innermost frame outside this package."""
    frame: FrameType | None = sys._getframe(2)
    while frame is not None and _in_engine(frame.f_code.co_filename):
        frame = frame.f_back
    if frame is None:  # pragma: no cover - only when called from inside the package
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def _in_engine(filename: str) -> bool:
    # The package's files, and code it made at run time (autograd.rules.run_source).
    return filename.startswith("<chainrule") or os.path.dirname(filename) in _LIBRARY_DIRS


def site(node: object) -> str | None:
    """Where ``node`` was created, if it was made inside ``detect_anomaly`` (this thread)."""
    return _state()["sites"].get(node)


def _finite(v: object) -> bool:
    return not isinstance(v, float) or math.isfinite(v)


def check(name: str, out: float, operands: Sequence[float]) -> None:
    """detect_anomaly: raise if ``out`` is nan or inf while every operand is finite."""
    if _state()["anomaly"] and not math.isfinite(out) and all(map(_finite, operands)):
        args = ", ".join(repr(v) for v in operands)
        raise AnomalyError(f"{name}({args}) gave {out!r}, in {_user_site()}")


def observe(node: object, name: str, operands: Sequence[float]) -> None:
    """Called by the engine on each new node while some thread is in a mode: inside
    ``detect_anomaly`` the node remembers the user's line, and a nan or inf made from
    finite numbers raises."""
    state = _state()
    if state["anomaly"]:
        where = _user_site()
        state["sites"][node] = where
        data = getattr(node, "data", 0.0)
        if not math.isfinite(data) and all(map(_finite, operands)):
            args = ", ".join(repr(v) for v in operands)
            raise AnomalyError(f"{name}({args}) gave {data!r}, in {where}")
