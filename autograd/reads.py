"""Where, during a trace, code outside the engine reads a Value's number (``v.data``, or a
gradient, ``v.grad``).

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

# the member descriptors the class was made with: a number, and a gradient read off a node
_SLOTS: dict[str, Any] = {name: Node.__dict__[name] for name in ("data", "grad")}
_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__))
_lock = threading.Lock()
_traces = 0


def _watched(name: str) -> property:
    slot = _SLOTS[name]

    def get(node: Node) -> float:
        value: float = slot.__get__(node, Node)
        if modes.is_tracing():
            filename = sys._getframe(1).f_code.co_filename
            if not (filename.startswith("<chainrule") or filename.startswith(_ENGINE_DIR)):
                modes.log_read(node)
        return value

    def set(node: Node, value: float) -> None:  # noqa: A001 - a property's setter
        slot.__set__(node, value)

    return property(get, set, doc=slot.__doc__)


_WATCHED = {name: _watched(name) for name in _SLOTS}


@contextlib.contextmanager
def watching() -> Iterator[None]:
    """Inside, reads of ``.data`` by code outside the engine are noted in this thread's
    trace (``autograd.modes.tracing``)."""
    global _traces
    with _lock:
        if _traces == 0:
            for name, prop in _WATCHED.items():
                setattr(Node, name, prop)  # a type checker would object to Node.data = ...
        _traces += 1
    try:
        yield
    finally:
        with _lock:
            _traces -= 1
            if _traces == 0:
                for name, slot in _SLOTS.items():
                    setattr(Node, name, slot)
