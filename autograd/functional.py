"""Gradients as functions: ``grad`` and ``hessian``, for derivatives of any order."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from . import modes
from .backward import live_edges, order
from .derivatives import local_derivatives
from .value import Value

__all__ = ["grad", "gradients", "hessian"]


def grad(
    output: Value, inputs: Sequence[Value], *, create_graph: bool = False
) -> tuple[Value, ...]:
    """d output / d input for each of ``inputs``, without touching any ``.grad``.

    An input that ``output`` does not depend on gets ``Value(0.0)``. With
    ``create_graph=True`` the results are graphs themselves, so they can be differentiated
    again:

    >>> x = Value(3.0)
    >>> dx, = grad(x ** 3, [x], create_graph=True)
    >>> d2x, = grad(dx, [x])
    >>> dx.data, d2x.data
    (27.0, 18.0)
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__}")
    inputs = list(inputs) if not isinstance(inputs, Value) else [inputs]
    for i, v in enumerate(inputs):
        if not isinstance(v, Value):
            raise TypeError(f"grad: inputs[{i}] must be a Value, got {type(v).__name__}: {v!r}")
    if create_graph:
        grads = gradients(output, Value(1.0), create_graph=True)
        return tuple(_as_value(grads.get(v, 0.0)) for v in inputs)
    if modes.active.threads and modes.is_tracing():  # compile warns: these numbers are frozen
        modes.log_read(output)
    grads = gradients(output, 1.0, create_graph=False)
    return tuple(Value(grads.get(v, 0.0)) for v in inputs)  # type: ignore[arg-type]


def gradients(root: Value, seed: object, create_graph: bool) -> dict[Value, object]:
    """d root / d v for every node ``v`` below ``root``, in a dict of this call's own.

    The backward pass's order, with the sums kept here instead of in ``.grad``. With
    ``create_graph`` the local derivatives are recomputed as Values from the table
    (``autograd.derivatives``) and the result is a differentiable graph; otherwise they are
    the floats stored by the forward pass.
    """
    grads: dict[Value, object] = {root: seed}
    for node in order(root):
        g = grads[node]
        edges = local_derivatives(node) if create_graph else live_edges(node)
        for v, d in edges:
            prev = grads.get(v)
            grads[v] = d * g if prev is None else prev + d * g  # type: ignore[operator]
    return grads


def _as_value(g: object) -> Value:
    return g if isinstance(g, Value) else Value(g)  # type: ignore[arg-type]


def hessian(f: Callable[[list[Value]], Value], xs: Sequence[float]) -> list[list[float]]:
    """The matrix of second derivatives of ``f`` at the point ``xs``.

    >>> hessian(lambda v: v[0] * v[0] * v[1], [1.0, 2.0])
    [[4.0, 2.0], [2.0, 0.0]]
    """
    leaves = [Value(x) for x in xs]
    out = f(leaves)
    if not isinstance(out, Value):
        raise TypeError(f"hessian: f must return a Value, got {type(out).__name__}")
    first = grad(out, leaves, create_graph=True)
    return [[g.data for g in grad(d, leaves)] for d in first]
