"""Per-thread modes that change what the forward pass records: ``no_grad``,
``detect_anomaly``, and the comparison log that ``autograd.compile`` keeps while tracing.

The per-node hot path must not pay a thread-local lookup on every operation, so every
operation first checks one plain counter, the number of threads inside either mode right
now, and calls ``observe`` on its new node only when that counter is non-zero.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, TypeVar, cast, overload

__all__ = [
    "AnomalyError",
    "TraceLog",
    "detect_anomaly",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "tracing",
]

_F = TypeVar("_F", bound=Callable[..., Any])
_M = TypeVar("_M", bound="_Mode")

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


class _Mode:
    """A mode as a context manager and as a decorator, with or without parentheses
    (``@no_grad`` and ``@no_grad()``, as PyTorch takes both). A decorated generator runs in
    the mode each time it resumes, not only while it is created."""

    _name = ""

    @overload
    def __new__(cls: type[_M], func: None = None) -> _M: ...
    @overload
    def __new__(cls, func: _F) -> _F: ...  # type: ignore[misc]
    def __new__(cls, func: Callable[..., Any] | None = None) -> Any:
        self = super().__new__(cls)
        if func is None:
            return self
        if not callable(func):
            raise TypeError(f"{cls.__name__} takes no arguments; got {func!r}")
        return self(func)  # @no_grad without parentheses

    def __enter__(self) -> Any:
        _enter(self._name)
        return self

    def __exit__(self, *exc: object) -> None:
        _exit(self._name)

    def __call__(self, func: _F) -> _F:
        mode = type(self)
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def generator(*args: Any, **kwargs: Any) -> Any:
                gen = func(*args, **kwargs)
                action: Callable[[Any], Any] = gen.send
                arg: Any = None
                while True:
                    try:
                        with mode():
                            request = action(arg)
                    except StopIteration as stop:
                        return stop.value
                    try:
                        arg = yield request
                        action = gen.send
                    except GeneratorExit:
                        with mode():
                            gen.close()
                        raise
                    except BaseException as error:  # thrown in: passed on, in the mode
                        action, arg = gen.throw, error

            return cast(_F, generator)

        @functools.wraps(func)
        def inside(*args: Any, **kwargs: Any) -> Any:
            with mode():
                return func(*args, **kwargs)

        return cast(_F, inside)


class no_grad(_Mode):
    """Operations inside record no graph: their results are leaves. A context manager, and
    a decorator with or without parentheses (a generator runs without grad as it resumes).

    >>> from autograd import Value, no_grad
    >>> with no_grad():
    ...     y = Value(2.0) * 3
    >>> y.parents
    ()
    """

    _name = "no_grad"


class AnomalyError(ArithmeticError):
    """A value or a gradient became nan or inf; the message says where."""


class detect_anomaly(_Mode):
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

    _name = "anomaly"


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
    #: every node made in this thread during the trace (also those the loss does not use)
    made: list[Any] = field(default_factory=list)
    #: the user's line of each backward() called during the trace
    backward_calls: list[str] = field(default_factory=list)


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


def log_backward() -> None:
    """``backward()`` was called during a trace (a compiled step would not replay it)."""
    log = _state()["log"]
    if log is not None:
        log.backward_calls.append(_user_site())


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
    log = state["log"]
    if log is not None:
        log.made.append(node)
    if state["anomaly"]:
        where = _user_site()
        state["sites"][node] = where
        data = getattr(node, "data", 0.0)
        if not math.isfinite(data) and all(map(_finite, operands)):
            args = ", ".join(repr(v) for v in operands)
            raise AnomalyError(f"{name}({args}) gave {data!r}, in {where}")
