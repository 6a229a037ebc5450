"""Forward mode: the chain rule from the inputs to the outputs, over the recorded graph.

The backward pass (``autograd.backward``) starts at one output and carries d out / d node
down to every input: one pass gives a whole gradient. Forward mode starts at the inputs
with a direction, a tangent ``dx`` for each, and carries the tangent of every node up

    d node  =  sum over operands u of  (d node / d u) * d u

to every output: one pass gives the derivative of all the outputs along that direction.
The local derivatives ``d node / d u`` are the very numbers the backward pass multiplies
by: each node stored them, from the primitive table, when it was made (``edges`` shows
them). So there is no second table, and whatever records a node (``sum``, ``dot``,
``dense``, ``define_primitive``, or a gradient recorded by ``grad(create_graph=True)``)
works in forward mode too.

The order is creation order, oldest first: an operation's operands exist before it, so
each node's operands have their tangents by the time it comes up (the tape read forwards,
where the backward pass reads it backwards).

A node that depends on no input with a tangent gets none: zero, adding nothing, never
``0 * inf``. And an edge the backward pass does not follow, forward mode does not follow
either: a relu that is off keeps no edge, so no tangent crosses it, not even an inf or
nan (``docs/edges.md``). Like the backward pass, this one never names a primitive and keeps
its bookkeeping in a dict of its own, never in the nodes.

>>> from autograd import Value
>>> x, y = Value(2.0), Value(3.0)
>>> out = x * y + x.relu()
>>> push_tangents(forward_order([out]), {x: 1.0})[out]   # d out / d x = y + 1
4.0
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from operator import attrgetter
from typing import Any

from . import modes
from .backward import live_edges
from .node import Node

__all__ = ["forward_order", "push_tangents"]

_creation = attrgetter("_seq")


def forward_order(outputs: Iterable[Node]) -> list[Any]:
    """The interior nodes the derivatives of ``outputs`` depend on, oldest first.

    Those a gradient from some output reaches (the union of the backward passes' nodes):
    one walk over the growing list, no recursion, so a deep graph is fine.
    """
    found: list[Any] = [v for v in dict.fromkeys(outputs) if v._seq]  # leaves have none
    seen = set(found)
    for node in found:
        for v, _ in live_edges(node):
            if v._seq and v not in seen:
                seen.add(v)
                found.append(v)
    found.sort(key=_creation)
    return found


def push_tangents(nodes: Sequence[Node], seeds: Mapping[Any, float]) -> dict[Any, float]:
    """The tangent of each of ``nodes`` (oldest first, from ``forward_order``) given the
    tangents ``seeds`` of some leaves; ``seeds`` included. A node that depends on no
    seeded leaf is left out: its tangent is 0.
    """
    tangents: dict[Any, float] = dict(seeds)
    get = tangents.get
    # detect_anomaly checks each tangent; otherwise the loop reads no mode at all
    watch = modes.active.threads and modes.is_anomaly_enabled()
    for node in nodes:
        total = None
        for v, d in live_edges(node):
            t = get(v)
            if t is not None:
                total = d * t if total is None else total + d * t
        if total is not None:
            tangents[node] = total
            if watch and not math.isfinite(total):
                _check_tangent(node, total, tangents)
    return tangents


def _check_tangent(node: Node, total: float, tangents: Mapping[Node, float]) -> None:
    """detect_anomaly: a nan or inf tangent made from finite ones raises, naming the node
    (as the backward pass does for a gradient)."""
    terms = [(v, d, tangents[v]) for v, d in live_edges(node) if v in tangents]
    if all(math.isfinite(t) for _, _, t in terms):
        where = modes.site(node) or "a line outside detect_anomaly"
        parts = ", ".join(
            f"local derivative {d!r} times tangent {t!r} (input value {v.data!r})"
            for v, d, t in terms
        )
        raise modes.AnomalyError(
            f"forward mode: {node.op} (made in {where}) gave {total!r} as its tangent, "
            f"from finite tangents: {parts}"
        )
