"""The backward pass: the chain rule applied to the whole graph, in the right order.

Every node ``v`` used by nodes ``u1, u2, ...`` has the gradient

    d root / d v  =  sum over consumers u of  (d root / d u) * (d u / d v)

where ``d u / d v`` is the local derivative ``u`` stored when it was made. A node's sum is
complete only once every consumer has passed its share back, so the pass first counts each
node's consumers and then hands a node on only when its count reaches zero (Kahn's
topological order; PyTorch's engine counts dependencies the same way). Both walks use an
explicit stack, never recursion, so a graph a million nodes deep is fine.

The count lives on the node itself (``_pending``, 0 outside a pass) rather than in a dict:
a slot read and write cost about a third of a dict lookup and store, and this is the
engine's hottest loop. Every pass leaves the counts at 0 again, even when interrupted.

Nothing here names a primitive: nodes only carry operands and local derivatives.
"""

from __future__ import annotations

import math

from . import modes
from .value import _MANY, Value


def _count_consumers(root: Value, reached: list[Value]) -> None:
    """Set each interior node's ``_pending`` to its number of consumers below ``root``.

    Appends the interior nodes reached (``root`` excluded) to ``reached`` as it goes, so a
    caller can reset their counts even if the walk itself is interrupted (Ctrl-C).
    Leaves need no count: nothing waits on them. Like ``_propagate`` below, the loop spells
    out the two operand slots (a tuple per node cost 10% of a training step) and is written
    ``while True`` so that CPython 3.11 specialises it.
    """
    stack = [root]
    pop, push, keep = stack.pop, stack.append, reached.append
    while True:
        if not stack:
            return
        node = pop()
        dy = node._dy
        if dy is _MANY:
            for v in node._x:
                if v._op is not None:
                    n = v._pending
                    if n == 0:
                        keep(v)
                        push(v)
                    v._pending = n + 1
            continue
        if node._dx is not None:
            v = node._x
            if v._op is not None:
                n = v._pending
                if n == 0:
                    keep(v)  # before the count changes: an interrupt can leave none unlisted
                    push(v)
                v._pending = n + 1
        if dy is not None:
            v = node._y
            if v._op is not None:
                n = v._pending
                if n == 0:
                    keep(v)
                    push(v)
                v._pending = n + 1


def _reset(nodes: list[Value]) -> None:
    for v in nodes:
        v._pending = 0


def backward(root: Value) -> None:
    """Accumulate d root / d leaf into every leaf's ``.grad`` (seed 1.0)."""
    reached: list[Value] = []
    try:
        _count_consumers(root, reached)
        for v in reached:  # interior nodes hold this call's gradient only
            v.grad = 0.0
        if root._op is not None:
            root.grad = 0.0
        root.grad += 1.0
        _propagate(root)
    except BaseException:  # e.g. KeyboardInterrupt: leave no stale counts behind
        _reset(reached)
        raise
    if modes.active.threads and modes.is_anomaly_enabled():
        _check_gradients([root, *reached])


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


def _propagate(root: Value) -> None:
    ready = [root]
    pop, push = ready.pop, ready.append
    # The hot loop of the whole engine, so the two operand slots are spelled out rather
    # than gathered into a tuple per node. It is written `while True` on purpose: CPython
    # 3.11 specialises a function's attribute accesses only after its loops have jumped
    # back a few times, and a `while ready:` loop jumps back with an instruction that does
    # not count, so the whole pass ran unspecialised (measured on the micrograd demo step:
    # 810M instructions per step before, 605M after).
    while True:
        if not ready:
            return
        node = pop()
        g = node.grad
        dx = node._dx
        dy = node._dy
        if dy is _MANY:
            for v, d in zip(node._x, dx):
                v.grad += d * g
                if v._op is not None:
                    n = v._pending - 1
                    v._pending = n
                    if n == 0:
                        push(v)
            continue
        if dx is not None:
            v = node._x
            v.grad += dx * g
            if v._op is not None:
                n = v._pending - 1
                v._pending = n
                if n == 0:
                    push(v)
        if dy is not None:
            v = node._y
            v.grad += dy * g
            if v._op is not None:
                n = v._pending - 1
                v._pending = n
                if n == 0:
                    push(v)


def gradients(root: Value, seed: object, create_graph: bool) -> dict[Value, object]:
    """d root / d v for every node ``v`` below ``root``, leaving every ``.grad`` untouched.

    With ``create_graph`` the local derivatives are recomputed as Values from the table
    (``autograd.derivatives``) and the result is a differentiable graph; otherwise they are
    the floats stored by the forward pass.
    """
    from .derivatives import local_derivatives

    reached: list[Value] = []
    grads: dict[Value, object] = {root: seed}
    ready = [root]
    try:
        _count_consumers(root, reached)
        while ready:
            node = ready.pop()
            if node._op is None:  # the root itself is a leaf
                continue
            g = grads[node]
            edges = local_derivatives(node) if create_graph else _float_edges(node)
            for v, d in edges:
                prev = grads.get(v)
                grads[v] = d * g if prev is None else prev + d * g
                if v._op is not None:
                    v._pending -= 1
                    if v._pending == 0:
                        ready.append(v)
    except BaseException:  # a domain error in a derivative over Values, or an interrupt
        _reset(reached)
        raise
    return grads


def _float_edges(node: Value) -> list[tuple[Value, float]]:
    if node._dy is _MANY:
        return list(zip(node._x, node._dx))
    return [(v, d) for v, d in ((node._x, node._dx), (node._y, node._dy)) if d is not None]
