"""The backward pass: the chain rule applied to the whole graph, in the right order.

Every node ``v`` used by nodes ``u1, u2, ...`` has the gradient

    d root / d v  =  sum over consumers u of  (d root / d u) * (d u / d v)

where ``d u / d v`` is the local derivative ``u`` stored when it was made. A node may pass
its gradient on only once it is complete, that is after every consumer has added its share.
The order nodes were created in gives exactly that: an operation's operands exist before it
does, so every consumer of ``v`` was created after ``v``. Each node carries its creation
number (``_seq``), and the pass visits the nodes below the root newest first: the Wengert
list, or tape, of reverse-mode differentiation, read backwards. (PyTorch's engine orders
its work by a sequence number too, among nodes that are ready.)

The pass first walks the graph to find the nodes below the root (a loop over a growing
list, never recursion, so a graph a million nodes deep is fine), then sorts them and
propagates. Its bookkeeping (what it has found, in which order) lives in its own local
set and list, never in the user's nodes, so passes in several threads cannot disturb each
other's. Because the order depends on creation alone, never on which edges a pass happens
to follow, every pass over the same kind of graph adds each node's terms in the same order,
which is what lets ``autograd.compile`` replay it bit for bit.

Nothing here names a primitive: nodes only carry operands and local derivatives (the
layout is in ``autograd.node``). An operand whose local derivative is ``None`` passes
nothing back: a constant, or the input of a relu that is off.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from operator import attrgetter
from typing import Any

from . import modes
from .node import MANY, Node

__all__ = ["backward", "check_gradients", "live_edges", "order", "walk"]

_creation = attrgetter("_seq")

# backward() adds into the nodes' .grad: two passes over shared nodes at once would mix
# their sums, so passes take turns (the walk and the sort, which only read, run outside).
# This gives exactly what the calls give one after another, as PyTorch promises.
_accumulating = threading.Lock()


def order(root: Node) -> list[Any]:
    """``root`` and the interior nodes below it that a gradient reaches, newest first
    (nothing for a leaf)."""
    return walk(root)[0]


def walk(root: Node) -> tuple[list[Any], list[Any]]:
    """The interior nodes a gradient from ``root`` reaches (``root`` first), newest first,
    and the leaves it reaches.

    The walk runs over the list it grows, so there is no separate stack; the two operand
    slots are spelled out, as a tuple per node cost 10% of a training step.
    """
    if not root._seq:
        return [], []
    found: list[Any] = [root]
    leaves: list[Any] = []
    seen = {root}
    keep, leaf, mark = found.append, leaves.append, seen.add
    for node in found:
        dy = node._dy
        if dy is MANY:
            for v in node._x:
                if v not in seen:
                    mark(v)
                    if v._seq:
                        keep(v)
                    else:
                        leaf(v)
            continue
        if node._dx is not None:
            v = node._x
            if v not in seen:
                mark(v)
                if v._seq:
                    keep(v)
                else:
                    leaf(v)
        if dy is not None:
            v = node._y
            if v not in seen:
                mark(v)
                if v._seq:
                    keep(v)
                else:
                    leaf(v)
    found.sort(key=_creation, reverse=True)
    return found, leaves


def backward(root: Node, seed: float = 1.0) -> None:
    """Add d root / d leaf into every leaf's ``.grad``, d root / d root being ``seed``.

    Each leaf's gradient is summed over this pass first and then added to what ``.grad``
    held, as PyTorch does, so a second call adds exactly the same amount again.
    """
    nodes, leaves = walk(root)
    with _accumulating:
        held = [v.grad for v in leaves]
        for v in leaves:
            v.grad = 0.0
        for v in nodes:  # interior nodes hold this call's gradient only
            v.grad = 0.0
        if root.grad is None:  # a leaf set to None, PyTorch's habit: no gradient yet
            root.grad = 0.0
        root.grad += seed
        _propagate(nodes)
        for v, g in zip(leaves, held):
            v.grad = v.grad if g is None else g + v.grad
        if modes.active.threads and modes.is_anomaly_enabled():
            check_gradients(nodes)


def _propagate(nodes: list[Any]) -> None:
    # The hot loop of the whole engine: by the time a node comes up, every consumer has
    # added its share to node.grad, so it passes the finished sum on to its operands.
    for node in nodes:
        g = node.grad
        dy = node._dy
        if dy is MANY:
            for v, d in zip(node._x, node._dx):
                v.grad += d * g
            continue
        dx = node._dx
        if dx is not None:
            v = node._x
            v.grad += dx * g
        if dy is not None:
            v = node._y
            v.grad += dy * g


def live_edges(node: Node) -> list[tuple[Any, float]]:
    """(operand, local derivative) for each edge a backward pass follows from ``node``."""
    if node._dy is MANY:
        return list(zip(node._x, node._dx))
    return [(v, d) for v, d in ((node._x, node._dx), (node._y, node._dy)) if d is not None]


def check_gradients(nodes: list[Any], grads: Mapping[Any, float] | None = None) -> None:
    """detect_anomaly: find a node whose finite gradient its backward made nan or inf (the
    gradients in ``.grad``, or in ``grads``: ``autograd.grad``'s own sums)."""
    for node in nodes:
        g = node.grad if grads is None else grads.get(node, 0.0)
        if not math.isfinite(g):
            continue
        for i, (v, d) in enumerate(live_edges(node)):
            if not math.isfinite(d * g):
                where = modes.site(node) or "a line outside detect_anomaly"
                raise modes.AnomalyError(
                    f"the backward pass of {node.op} (made in {where}) gave {d * g!r} as the "
                    f"gradient of its input {i} (value {v.data!r}): local derivative {d!r}, "
                    f"incoming gradient {g!r}"
                )
