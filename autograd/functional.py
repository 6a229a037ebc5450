"""Derivatives as functions: ``grad`` and ``hessian`` by reverse mode, ``jvp`` by forward
mode, ``jacobian`` either way, ``hvp`` forward over reverse.

Which direction is cheap depends on the shape. A reverse pass (``autograd.backward``)
gives the derivatives of one output with respect to every input; a forward pass
(``autograd.forward_mode``) those of every output along one direction of the inputs. A
full Jacobian of m outputs and n inputs takes m reverse passes or n forward ones.
``count_visits`` counts the nodes those passes visit, the measure of their cost here (a
pass does the same small amount of work at each node it visits).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, overload

from . import modes
from .backward import check_gradients, live_edges, order
from .derivatives import local_derivatives
from .forward_mode import forward_order, push_tangents
from .value import Value, _number

__all__ = [
    "Visits",
    "count_visits",
    "grad",
    "gradients",
    "hessian",
    "hvp",
    "jacobian",
    "jvp",
]

# -- counting the cost -------------------------------------------------------------------


@dataclass(eq=False)  # blocks are told apart by identity: two may count the same
class Visits:
    """Node visits of the derivative passes run in one ``count_visits`` block.

    A visit is one interior node handled by one pass (leaves and the evaluation of ``f``
    are not counted: every route needs the same one evaluation).
    """

    #: nodes visited by forward-mode passes (``jvp``, ``jacobian(mode="forward")``, ``hvp``)
    forward: int = 0
    #: nodes visited by reverse-mode passes (``grad``, ``jacobian(mode="reverse")``,
    #: ``hessian``, and the gradient that ``hvp`` records)
    reverse: int = 0
    forward_passes: int = 0
    reverse_passes: int = 0

    @property
    def total(self) -> int:
        return self.forward + self.reverse


_counting = threading.local()


@contextmanager
def count_visits() -> Iterator[Visits]:
    """Count the nodes this thread's derivative passes visit inside the block.

    Deterministic, unlike a stopwatch: the same call on the same graph counts the same.
    ``Value.backward()`` is not counted (it is not a function of this module).

    >>> x = [Value(1.0), Value(2.0)]
    >>> with count_visits() as visits:
    ...     _ = grad(x[0] * x[1] + x[0], x)
    >>> visits.reverse, visits.reverse_passes
    (2, 1)
    """
    visits = Visits()
    stack = _counting.__dict__.setdefault("open", [])
    stack.append(visits)
    try:
        yield visits
    finally:
        stack.remove(visits)


def _tally(forward: bool, nodes: int) -> None:
    for visits in getattr(_counting, "open", ()):  # every open block counts, nested or not
        if forward:
            visits.forward += nodes
            visits.forward_passes += 1
        else:
            visits.reverse += nodes
            visits.reverse_passes += 1


# -- reverse mode ------------------------------------------------------------------------


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
    nodes = order(root)
    _tally(False, len(nodes))
    for node in nodes:
        g = grads[node]
        edges = local_derivatives(node) if create_graph else live_edges(node)
        for v, d in edges:
            prev = grads.get(v)
            grads[v] = d * g if prev is None else prev + d * g  # type: ignore[operator]
    if not create_graph and modes.active.threads and modes.is_anomaly_enabled():
        check_gradients(nodes, grads)  # type: ignore[arg-type] # as backward() does
    return grads


def _as_value(g: object) -> Value:
    return g if isinstance(g, Value) else Value(g)  # type: ignore[arg-type]


def hessian(f: Callable[[list[Value]], Value], xs: Sequence[float]) -> list[list[float]]:
    """The matrix of second derivatives of ``f`` at the point ``xs``.

    The route is reverse over reverse, the cheapest here: the gradient is recorded as a
    graph once (``grad(create_graph=True)``), then one reverse pass per row takes the
    gradient of that row's entry. Forward over reverse (``hvp`` with each unit vector)
    needs as many passes, one per column, but each of them visits every node of the
    recorded gradient, where a reverse pass visits only the nodes below its own entry:
    never fewer visits (``count_visits``), and more wherever an entry of the gradient
    does not depend on the whole graph.

    >>> hessian(lambda v: v[0] * v[0] * v[1], [1.0, 2.0])
    [[4.0, 2.0], [2.0, 0.0]]
    """
    if not modes.is_grad_enabled():
        raise RuntimeError(
            "hessian: called inside no_grad, where f records no graph to differentiate"
        )
    leaves = [Value(x) for x in xs]
    out = f(list(leaves))  # a copy: f may change its list, the inputs stay these
    if not isinstance(out, Value):
        raise TypeError(f"hessian: f must return a Value, got {type(out).__name__}")
    first = grad(out, leaves, create_graph=True)
    return [[g.data for g in grad(d, leaves)] for d in first]


# -- forward mode, and Jacobians either way ----------------------------------------------


@overload
def jvp(
    f: Callable[[list[Value]], Value], xs: Sequence[float], vs: Sequence[float]
) -> tuple[float, float]: ...
@overload
def jvp(
    f: Callable[[list[Value]], Sequence[Value]], xs: Sequence[float], vs: Sequence[float]
) -> tuple[list[float], list[float]]: ...
def jvp(f: Callable[[list[Value]], Any], xs: Sequence[float], vs: Sequence[float]) -> Any:
    """``(f(xs), J v)``: the value of ``f`` at ``xs`` and its derivative along ``vs``, as
    floats, by one forward pass (forward mode: no gradient is formed).

    ``f`` takes a list of Values and returns a Value (then both are floats) or a list of
    Values (then both are lists). The derivative of a scalar ``f`` along ``vs`` is
    ``grad . vs``.

    >>> jvp(lambda v: v[0] * v[1], [2.0, 3.0], [1.0, 0.0])   # d/dx of x*y at (2, 3)
    (6.0, 3.0)
    >>> jvp(lambda v: [v[0] * v[1], v[0].sin()], [2.0, 3.0], [0.0, 1.0])
    ([6.0, 0.9092974268256817], [2.0, 0.0])
    """
    points = _floats("jvp", "xs", xs)
    direction = _floats("jvp", "vs", vs, finite=True)
    _same_length("jvp", points, direction)
    leaves, outs, single = _trace("jvp", f, points)
    # An input that does not move is left out, not seeded with 0: an infinite derivative
    # behind it (sqrt at 0) then adds nothing, where 0 * inf would add nan.
    seeds = {leaf: v for leaf, v in zip(leaves, direction) if v}
    tangents = _forward_pass(outs, seeds)
    values = [o.data for o in outs]
    derivatives = [tangents.get(o, 0.0) for o in outs]
    return (values[0], derivatives[0]) if single else (values, derivatives)


def jacobian(
    f: Callable[[list[Value]], Value | Sequence[Value]],
    xs: Sequence[float],
    mode: Literal["forward", "reverse"] = "forward",
) -> list[list[float]]:
    """The matrix of first derivatives of ``f`` at ``xs``: one row of floats per output,
    ``[d out_i / d x_j for each j]``; a scalar ``f`` gives one row.

    ``mode="forward"`` takes one forward pass per input (a column each), ``"reverse"``
    one reverse pass per output (a row each): forward is cheaper for few inputs and many
    outputs, reverse for many inputs and few outputs. Both give the same matrix, up to
    rounding (the terms of an entry are added in another order).

    >>> jacobian(lambda v: [v[0] * v[1], v[0] + v[1]], [2.0, 3.0])
    [[3.0, 2.0], [1.0, 1.0]]
    >>> jacobian(lambda v: v[0] * v[1], [2.0, 3.0], mode="reverse")
    [[3.0, 2.0]]
    """
    if mode not in ("forward", "reverse"):
        raise ValueError(f"jacobian: mode must be 'forward' or 'reverse', got {mode!r}")
    points = _floats("jacobian", "xs", xs)
    leaves, outs, _ = _trace("jacobian", f, points)
    if mode == "reverse":
        rows = []
        for out in outs:
            grads = gradients(out, 1.0, create_graph=False)
            rows.append([float(grads.get(leaf, 0.0)) for leaf in leaves])  # type: ignore[arg-type]
        return rows
    nodes = forward_order(outs)  # one order for every column
    columns = []
    for leaf in leaves:
        tangents = _push(nodes, {leaf: 1.0})
        columns.append([tangents.get(out, 0.0) for out in outs])
    return [[column[i] for column in columns] for i in range(len(outs))]


def hvp(f: Callable[[list[Value]], Value], xs: Sequence[float], vs: Sequence[float]) -> list[float]:
    """The Hessian of ``f`` at ``xs`` times ``vs``, without forming the Hessian.

    Forward over reverse: the gradient of ``f`` is recorded as a graph
    (``grad(create_graph=True)``), then one forward pass along ``vs`` through that graph
    gives the derivative of every gradient entry along ``vs``, which is ``H vs``. Two
    passes whatever the number of inputs, where ``hessian`` takes one per input.

    >>> hvp(lambda v: v[0] * v[0] * v[1], [1.0, 2.0], [1.0, 0.0])   # H = [[4, 2], [2, 0]]
    [4.0, 2.0]
    """
    points = _floats("hvp", "xs", xs)
    direction = _floats("hvp", "vs", vs, finite=True)
    _same_length("hvp", points, direction)
    leaves, outs, single = _trace("hvp", f, points)
    if not single:
        raise TypeError(
            f"hvp: f must return one Value (a Hessian is of a scalar), got a list of {len(outs)}"
        )
    first = grad(outs[0], leaves, create_graph=True)
    seeds = {leaf: v for leaf, v in zip(leaves, direction) if v}  # as in jvp: 0 moves nothing
    tangents = _forward_pass(first, seeds)
    return [tangents.get(g, 0.0) for g in first]


def _forward_pass(outputs: Sequence[Value], seeds: dict[Value, float]) -> dict[Any, float]:
    return _push(forward_order(outputs), seeds)


def _push(nodes: list[Any], seeds: dict[Value, float]) -> dict[Any, float]:
    _tally(True, len(nodes))
    return push_tangents(nodes, seeds)


# -- what the transforms share: checked input, a traced f ---------------------------------


def _floats(what: str, name: str, values: object, finite: bool = False) -> list[float]:
    """``values`` as a list of floats, or an error naming the first that is not one."""
    if isinstance(values, (str, bytes, Value, dict, set, frozenset)) or not hasattr(
        values, "__iter__"
    ):
        raise TypeError(
            f"{what}: {name} must be a list of numbers, got {type(values).__name__}: {values!r}"
        )
    out = []
    for i, v in enumerate(values):
        x = _number(v)
        if x is None:
            kind = "a Value (pass its .data)" if isinstance(v, Value) else type(v).__name__
            raise TypeError(f"{what}: {name}[{i}] must be a number, got {kind}: {v!r}")
        if finite and not math.isfinite(x):
            raise ValueError(
                f"{what}: {name}[{i}] is {x!r}: a direction must be finite "
                "(every derivative along it would be nan or inf)"
            )
        out.append(x)
    return out


def _same_length(what: str, xs: list[float], vs: list[float]) -> None:
    if len(xs) != len(vs):
        raise ValueError(
            f"{what}: xs and vs differ in length ({len(xs)} and {len(vs)}): "
            "vs gives one tangent per input"
        )


def _trace(
    what: str, f: Callable[[list[Value]], Any], points: list[float]
) -> tuple[list[Value], list[Value], bool]:
    """Run ``f`` on fresh leaves at ``points``: (leaves, outputs, whether f returned one
    Value rather than a list)."""
    if not callable(f):
        raise TypeError(f"{what}: f must be a function of a list of Values, got {f!r}")
    if not modes.is_grad_enabled():
        raise RuntimeError(
            f"{what}: called inside no_grad, where f records no graph to differentiate"
        )
    leaves = [Value(x) for x in points]
    result = f(list(leaves))  # a copy: f may change its list, the inputs stay these
    if isinstance(result, Value):
        outs, single = [result], True
    elif isinstance(result, (list, tuple)):
        outs, single = list(result), False
        for i, v in enumerate(outs):
            if not isinstance(v, Value):
                raise TypeError(
                    f"{what}: f returned a list whose item {i} is a {type(v).__name__} "
                    f"({v!r}), not a Value"
                )
    else:
        raise TypeError(
            f"{what}: f must return a Value or a list of Values, got "
            f"{type(result).__name__}: {result!r}"
        )
    if modes.active.threads and modes.is_tracing():  # compile warns: these numbers are frozen
        for out in outs:
            modes.log_read(out)
    return leaves, outs, single
