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
propagates. A node
is marked as found by negating its number, which the pass restores, even when interrupted.
Because the order depends on creation alone, never on which edges a pass happens to follow,
every pass over the same kind of graph adds each node's terms in the same order, which is
what lets ``autograd.compile`` replay it bit for bit.

Nothing here names a primitive: nodes only carry operands and local derivatives. An operand
whose local derivative is ``None`` passes nothing back: a constant, or the input of a relu
that is off (see ``gate`` in ``autograd.primitives``).
"""

from __future__ import annotations

import math
from operator import attrgetter

from . import modes
from .value import _MANY, Value

_creation = attrgetter("_seq")


def _reach(root: Value, reached: list[Value]) -> None:
    """Append ``root`` and each interior node below it to ``reached``, once each.

    A node found is marked by negating its creation number. Leaves (``_seq`` 0) are never
    listed: nothing waits on them. ``reached`` is also the walk's to-do list: the loop runs
    over it while it grows, so there is no separate stack to push and pop. The two operand
    slots are spelled out: a tuple per node cost 10% of a training step.
    """
    if root._seq <= 0:
        return  # a leaf: nothing below it
    keep = reached.append
    keep(root)  # listed before it is marked: an interrupt can leave no mark unlisted
    root._seq = -root._seq
    for node in reached:
        dy = node._dy
        if dy is _MANY:
            for v in node._x:
                s = v._seq
                if s > 0:
                    keep(v)
                    v._seq = -s
            continue
        if node._dx is not None:
            v = node._x
            s = v._seq
            if s > 0:
                keep(v)
                v._seq = -s
        if dy is not None:
            v = node._y
            s = v._seq
            if s > 0:
                keep(v)
                v._seq = -s


def _unmark(nodes: list[Value]) -> None:
    for v in nodes:
        s = v._seq
        if s < 0:
            v._seq = -s


def _order(root: Value) -> list[Value]:
    """``root`` and the interior nodes below it, newest first (nothing for a leaf)."""
    reached: list[Value] = []
    try:
        _reach(root, reached)
        reached.sort(key=_creation)  # the marks are negative: ascending is newest first
    finally:  # also on an interrupt (Ctrl-C): leave no mark behind
        _unmark(reached)
    return reached


def backward(root: Value) -> None:
    """Accumulate d root / d leaf into every leaf's ``.grad`` (seed 1.0)."""
    order: list[Value] = []
    try:
        _reach(root, order)
        order.sort(key=_creation)  # the marks are negative: ascending is newest first
        for v in order:  # interior nodes hold this call's gradient only
            v.grad = 0.0
            v._seq = -v._seq
    except BaseException:  # an interrupt (Ctrl-C): leave no mark behind
        _unmark(order)
        raise
    root.grad += 1.0
    _propagate(order)
    if modes.active.threads and modes.is_anomaly_enabled():
        _check_gradients(order)


def _propagate(order: list[Value]) -> None:
    # The hot loop of the whole engine: by the time a node comes up, every consumer has
    # added its share to node.grad, so it passes the finished sum on to its operands.
    for node in order:
        g = node.grad
        dy = node._dy
        if dy is _MANY:
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


def _check_gradients(nodes: list[Value]) -> None:
    """detect_anomaly: find a node whose finite gradient its backward made nan or inf."""
    for node in nodes:
        g = node.grad
        if not math.isfinite(g):
            continue
        for i, (v, d) in enumerate(_float_edges(node)):
            if not math.isfinite(d * g):
                where = modes.site(node) or "a line outside detect_anomaly"
                raise modes.AnomalyError(
                    f"the backward pass of {node.op} (made in {where}) gave {d * g!r} as the "
                    f"gradient of its input {i} (value {v.data!r}): local derivative {d!r}, "
                    f"incoming gradient {g!r}"
                )


def gradients(root: Value, seed: object, create_graph: bool) -> dict[Value, object]:
    """d root / d v for every node ``v`` below ``root``, leaving every ``.grad`` untouched.

    With ``create_graph`` the local derivatives are recomputed as Values from the table
    (``autograd.derivatives``) and the result is a differentiable graph; otherwise they are
    the floats stored by the forward pass.
    """
    from .derivatives import local_derivatives

    grads: dict[Value, object] = {root: seed}
    for node in _order(root):
        g = grads[node]
        edges = local_derivatives(node) if create_graph else _float_edges(node)
        for v, d in edges:
            prev = grads.get(v)
            grads[v] = d * g if prev is None else prev + d * g
    return grads


def _float_edges(node: Value) -> list[tuple[Value, float]]:
    if node._dy is _MANY:
        return list(zip(node._x, node._dx))
    return [(v, d) for v, d in ((node._x, node._dx), (node._y, node._dy)) if d is not None]
