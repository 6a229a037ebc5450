"""The backward pass: the chain rule applied to the whole graph, in the right order.

Every node ``v`` used by nodes ``u1, u2, ...`` has the gradient

    d root / d v  =  sum over consumers u of  (d root / d u) * (d u / d v)

where ``d u / d v`` is the local derivative ``u`` stored when it was made. A node's sum is
complete only once every consumer has passed its share back, so the pass first counts each
node's consumers and then hands a node on only when its count reaches zero (Kahn's
topological order; PyTorch's engine counts dependencies the same way). Both walks use an
explicit stack, never recursion, so a graph a million nodes deep is fine.

Nothing here names a primitive: nodes only carry operands and local derivatives.
"""

from __future__ import annotations

from .value import _MANY, Value


def _count_consumers(root: Value) -> dict[Value, int]:
    """For every interior node below ``root``: how many edges lead into it from above."""
    pending: dict[Value, int] = {}
    stack = [root]
    pop, push, get = stack.pop, stack.append, pending.get
    while stack:
        node = pop()
        dy = node._dy
        if dy is _MANY:
            operands = node._x
        elif dy is None:
            if node._dx is None:
                continue  # a leaf
            operands = (node._x,)
        elif node._dx is None:
            operands = (node._y,)
        else:
            operands = (node._x, node._y)
        for v in operands:
            if v._op is not None:  # leaves need no count: nothing waits on them
                n = get(v, 0)
                pending[v] = n + 1
                if n == 0:
                    push(v)
    return pending


def backward(root: Value) -> None:
    """Accumulate d root / d leaf into every leaf's ``.grad`` (seed 1.0)."""
    pending = _count_consumers(root)
    for v in pending:  # interior nodes hold this call's gradient only
        v.grad = 0.0
    if root._op is not None:
        root.grad = 0.0
    root.grad += 1.0
    ready = [root]
    pop, push = ready.pop, ready.append
    # The hot loop of the whole engine, so the two operand slots are spelled out rather
    # than gathered into a tuple per node (measured: ~25% of the backward pass).
    while ready:
        node = pop()
        g = node.grad
        dx = node._dx
        dy = node._dy
        if dy is _MANY:
            for v, d in zip(node._x, dx):
                v.grad += d * g
                if v._op is not None:
                    n = pending[v] - 1
                    pending[v] = n
                    if n == 0:
                        push(v)
            continue
        if dx is not None:
            v = node._x
            v.grad += dx * g
            if v._op is not None:
                n = pending[v] - 1
                pending[v] = n
                if n == 0:
                    push(v)
        if dy is not None:
            v = node._y
            v.grad += dy * g
            if v._op is not None:
                n = pending[v] - 1
                pending[v] = n
                if n == 0:
                    push(v)


def gradients(root: Value, seed: object, create_graph: bool) -> dict[Value, object]:
    """d root / d v for every node ``v`` below ``root``, leaving every ``.grad`` untouched.

    With ``create_graph`` the local derivatives are recomputed as Values from the table
    (``autograd.derivatives``) and the result is a differentiable graph; otherwise they are
    the floats stored by the forward pass.
    """
    from .derivatives import local_derivatives

    pending = _count_consumers(root)
    grads: dict[Value, object] = {root: seed}
    ready = [root]
    while ready:
        node = ready.pop()
        g = grads[node]
        if create_graph:
            edges = local_derivatives(node)
        else:
            edges = _float_edges(node)
        for v, d in edges:
            prev = grads.get(v)
            grads[v] = d * g if prev is None else prev + d * g
            if v._op is not None:
                pending[v] -= 1
                if pending[v] == 0:
                    ready.append(v)
    return grads


def _float_edges(node: Value) -> list[tuple[Value, float]]:
    if node._dy is _MANY:
        return list(zip(node._x, node._dx))
    return [(v, d) for v, d in ((node._x, node._dx), (node._y, node._dy)) if d is not None]
