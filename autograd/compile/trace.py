"""The first stage: run ``fn`` once on the engine and record how it left the graph.

While ``fn`` runs, ``autograd.modes.tracing`` logs in this thread every comparison of a
Value (``if v > 0``, ``max(a, b)``), every error an operation raised (``fn`` may catch
it), and every number read off a Value (``float(v)``, ``v.data``, ``math.f(v)``: served
through ``autograd.reads`` while the trace runs). ``detach()`` and ``no_grad`` inside
``fn`` record a ``stop_gradient`` node instead of a bare number, so they are part of the
graph. What the log says decides what the compiled step does: comparisons become guards,
a caught error keeps that branch on the engine, and a number read off a Value that
follows the params is frozen, which ``warn_frozen_reads`` says, naming the user's line.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .. import reads
from ..modes import TraceLog, tracing
from ..node import below, next_number, operands
from ..value import Value

__all__ = [
    "Trace",
    "run",
    "warn_backward_inside",
    "warn_built_before",
    "warn_caught_error",
    "warn_frozen_reads",
]


@dataclass
class Trace:
    """One run of ``fn``: the loss it returned, what it did beyond the graph, how long."""

    root: Value
    log: TraceLog
    seconds: float
    first: int  #: the creation number the trace started at: older nodes were made before fn

    @property
    def signature(self) -> tuple:
        """What identifies a branch: the outcome of every comparison, in order, and whether
        an operation raised (and fn caught it)."""
        return (*(entry[3] for entry in self.log.comparisons), bool(self.log.errors))


def run(fn: Callable[[], Value]) -> Trace:
    """Call ``fn()`` once on the engine, recording its ``TraceLog``."""
    start = time.perf_counter()
    first = next_number()
    with tracing() as log, reads.watching():
        root = fn()
    if not isinstance(root, Value):
        raise TypeError(
            f"compile: fn must return the loss as a Value; {fn!r} returned "
            f"{type(root).__name__}: {root!r}"
        )
    return Trace(root, log, time.perf_counter() - start, first)


def warn_caught_error(trace: Trace) -> None:
    """Say that ``fn`` caught an error an operation raised, naming the line."""
    message, where = trace.log.errors[0]
    warnings.warn_explicit(
        f"compile: during the trace an operation raised ({message}) and fn caught it; "
        "calls where it raises again run on the engine (a call where it does not is "
        "compiled as a branch of its own)",
        RuntimeWarning,
        *_file_line(where),
    )


def warn_backward_inside(trace: Trace) -> None:
    """Say that ``fn`` called ``backward()`` itself, naming the line: the engine's step adds
    that pass too, a replay would not, so this branch runs on the engine."""
    warnings.warn_explicit(
        "compile: fn calls backward() itself; a step is zero_grad(), fn(), backward(), so "
        "its gradients include that pass too, which compiled code would not repeat: this "
        "step runs on the engine. Return the loss from fn and let the step differentiate it.",
        RuntimeWarning,
        *_file_line(trace.log.backward_calls[0]),
    )


def warn_built_before(trace: Trace, nodes: list[Value]) -> None:
    """Say that the loss uses nodes computed from the params before ``fn`` was called: the
    engine keeps their numbers as they were, a replay would recompute them, so this branch
    runs on the engine."""
    names = ", ".join(sorted({repr(v.label) if v.label else v.op for v in nodes})[:5])
    warnings.warn(
        f"compile: the loss uses {len(nodes)} value(s) computed from the params before fn "
        f"was called ({names}); the engine keeps their numbers as they were then, so this "
        "step runs on the engine. Compute them inside fn to compile them.",
        RuntimeWarning,
        stacklevel=4,
    )


def warn_frozen_reads(trace: Trace, leaves: set[Value], varying: Iterable[Value]) -> None:
    """Warn, naming the user's lines, where ``fn`` read the number of a Value that follows
    the params or inputs (``varying``: the Values that do, among those the step computes)."""
    moving = set(varying)
    frozen = [where for v, where in trace.log.reads if v in moving or _depends(v, leaves, moving)]
    if not frozen:
        return
    lines = sorted(set(frozen))
    warnings.warn_explicit(
        "compile: fn reads the number of a Value that depends on the params or inputs "
        "(float(v), v.data, v.item(), v.grad, v.edges, a math function or a first-order "
        f"autograd.grad) at {', '.join(lines)}; the compiled step uses the number it had "
        "during the trace. Compute with Value operations instead (v.detach() for a number "
        "that follows the params without passing gradient).",
        RuntimeWarning,
        *_file_line(lines[0]),
    )


def _depends(v: Value, leaves: set[Value], varying: set[Value]) -> bool:
    """Whether ``v`` (read during the trace, maybe outside the loss's graph) is computed
    from a param or an input."""
    if v in leaves:
        return True
    if v._op is None:
        return False
    return any(u in leaves or u in varying for w in below(v) for u in operands(w))


def _file_line(where: str) -> tuple[str, int]:
    """``"path:line"`` (as ``autograd.modes`` names a user's line) as a file and a line."""
    path, _, line = where.rpartition(":")
    return (path, int(line)) if line.isdigit() else (where, 0)
