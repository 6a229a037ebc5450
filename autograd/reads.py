"""Where, during a trace, code outside the engine reads a Value's number (``v.data``).

``autograd.compile`` replays the operations ``fn`` made; a number that ``fn`` read off a
Value and then used as a plain float is replayed as it was during the trace. ``float(v)``
and ``math.f(v)`` go through ``Value.__float__``, which tells the trace; ``v.data`` is a
slot, which Python reads without calling anything. So while a trace runs, ``data`` is
served by a property that tells the trace of each read made outside the engine, and the
slot comes back when the last trace ends. Every thread's reads of ``.data`` go through
that property meanwhile (a trace is one call of ``fn``); only the tracing thread's are
noted.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

from . import modes
from .node import Node

__all__ = ["watching"]

_SLOT: Any = Node.__dict__["data"]  # the member descriptor the class was made with
_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__))
_lock = threading.Lock()
_traces = 0


def _get(node: Node) -> float:
    value: float = _SLOT.__get__(node, Node)
    if modes.is_tracing():
        filename = sys._getframe(1).f_code.co_filename
        if not (filename.startswith("<chainrule") or filename.startswith(_ENGINE_DIR)):
            modes.log_read(node)
    return value


def _set(node: Node, value: float) -> None:
    _SLOT.__set__(node, value)


_WATCHED = property(_get, _set, doc=_SLOT.__doc__)


@contextlib.contextmanager
def watching() -> Iterator[None]:
    """Inside, reads of ``.data`` by code outside the engine are noted in this thread's
    trace (``autograd.modes.tracing``)."""
    global _traces
    with _lock:
        if _traces == 0:
            setattr(Node, "data", _WATCHED)  # noqa: B010 - a type checker would object
        _traces += 1
    try:
        yield
    finally:
        with _lock:
            _traces -= 1
            if _traces == 0:
                setattr(Node, "data", _SLOT)  # noqa: B010
