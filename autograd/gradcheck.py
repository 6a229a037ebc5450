"""Gradient checking: the engine's gradient against central differences."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence

from . import modes
from .derivatives import apply_function
from .functional import grad
from .primitives import PRIMITIVES
from .value import Value

__all__ = [
    "GradcheckError",
    "check_primitive",
    "gradcheck",
    "gradcheck_params",
    "numerical_gradient",
]


class GradcheckError(AssertionError):
    """The analytical and numerical gradients disagree; the message shows both."""


def _check_options(what: str, eps: float, atol: float = 0.0, rtol: float = 0.0) -> None:
    """Refuse what would divide by zero or make every check pass or fail: a step ``eps``
    that is not a positive finite number, a negative or non-finite tolerance."""
    for name, v, positive in (("eps", eps, True), ("atol", atol, False), ("rtol", rtol, False)):
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
        if not ok or (v <= 0 if positive else v < 0):
            need = "a positive finite number" if positive else "a finite number >= 0"
            raise ValueError(f"{what}: {name} must be {need}, got {v!r}")


def numerical_gradient(
    f: Callable[[list[Value]], Value], xs: Sequence[float], eps: float = 1e-6
) -> list[float]:
    """Central differences (f(x + eps) - f(x - eps)) / 2 eps, one input at a time.

    ``f`` runs with recording on: it may itself take gradients (a second-order check).
    """
    _check_options("numerical_gradient", eps)
    out = []
    for i in range(len(xs)):
        up = [Value(x + eps if j == i else x) for j, x in enumerate(xs)]
        down = [Value(x - eps if j == i else x) for j, x in enumerate(xs)]
        out.append((f(up).data - f(down).data) / (2 * eps))
    return out


def gradcheck(
    f: Callable[[list[Value]], Value],
    xs: Sequence[float],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Return True if the engine's gradient of ``f`` at ``xs`` matches central differences.

    ``f`` takes a list of Values and returns one Value. Raises ``GradcheckError`` listing,
    input by input, both gradients where any differs by more than ``atol + rtol * |numerical|``.

    >>> gradcheck(lambda v: (v[0] * v[1]).tanh(), [0.3, -0.2])
    True
    """
    _check_options("gradcheck", eps, atol, rtol)
    if not modes.is_grad_enabled():
        raise RuntimeError("gradcheck: called inside no_grad, where f records no graph to check")
    xs = [float(x) for x in xs]
    leaves = [Value(x) for x in xs]
    out = f(list(leaves))  # a copy: f may change its list, the inputs stay these
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    analytical = [g.data for g in grad(out, leaves)]
    numerical = numerical_gradient(f, xs, eps)
    bad = [
        i
        for i, (a, n) in enumerate(zip(analytical, numerical))
        if not abs(a - n) <= atol + rtol * abs(n)
    ]
    if bad:
        rows = "\n".join(
            f"  input {i} (x={xs[i]!r}): analytical {analytical[i]!r}, numerical {numerical[i]!r}"
            + ("   <-- differs" if i in bad else "")
            for i in range(len(xs))
        )
        raise GradcheckError(
            f"gradcheck failed for {len(bad)} of {len(xs)} inputs "
            f"(eps={eps}, atol={atol}, rtol={rtol}):\n{rows}"
        )
    return True


def check_primitive(
    name: str,
    points: Sequence[float] | Sequence[Sequence[float]] | None = None,
    *,
    second_order: bool = True,
) -> bool:
    """Check primitive ``name``'s derivatives (and second derivatives) at a few points.

    ``points`` are values of ``x`` (or ``(x, y)`` pairs for a two-operand primitive) inside
    its domain and away from its kinks; by default a handful in (0.2, 1.7). Raises
    ``GradcheckError`` showing both numbers where the table's rule and central differences
    disagree. See ``autograd.define_primitive`` for an example.
    """
    if name not in PRIMITIVES:
        raise KeyError(f"check_primitive: no primitive named {name!r}")
    apply = apply_function(name)
    arity = PRIMITIVES[name].arity
    if points is None:
        points = [0.3, 0.7, 1.1, 1.6] if arity == 1 else [(0.3, 1.2), (0.9, 0.4), (1.5, 1.1)]
    for point in points:
        xs = [float(v) for v in point] if isinstance(point, Sequence) else [float(point)]

        def f(v: list[Value]) -> Value:
            return apply(*v)

        try:
            gradcheck(f, xs)
        except GradcheckError as error:
            raise GradcheckError(f"{name}: its first derivatives: {error}") from None
        if second_order:
            for i in range(arity):

                def first(v: list[Value], i: int = i) -> Value:
                    return grad(f(v), v, create_graph=True)[i]

                try:
                    gradcheck(first, xs, atol=1e-4, rtol=1e-3)
                except GradcheckError as error:
                    wrt = "xy"[i]
                    raise GradcheckError(
                        f"{name}: the derivatives of d {name}/d{wrt} (second order, from the "
                        f"table's d{wrt} formula over Values): {error}"
                    ) from None
    return True


def gradcheck_params(
    loss_fn: Callable[[], Value],
    params: Sequence[Value],
    *,
    directions: int | None = 8,
    seed: int = 0,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check the gradient of ``loss_fn()`` with respect to ``params`` (a model's parameters).

    ``loss_fn`` takes no arguments and builds the loss from the current ``p.data`` of each
    parameter. With ``directions=k`` (the fast mode, as PyTorch's fast gradcheck and HIPS
    autograd's check_grads) it compares, for k random unit directions u, the directional
    derivative grad . u with (loss(p + eps u) - loss(p - eps u)) / 2 eps: 2k evaluations
    instead of 2 per parameter. ``directions=None`` checks every parameter on its own.
    Parameters are restored bit for bit; ``.grad`` is not touched.

    >>> ws = [Value(0.5), Value(-1.2), Value(0.3)]
    >>> gradcheck_params(lambda: (ws[0] * ws[1] + ws[2]).tanh(), ws, directions=3)
    True
    """
    _check_options("gradcheck_params", eps, atol, rtol)
    if directions is not None and (
        isinstance(directions, bool) or not isinstance(directions, int) or directions < 1
    ):
        raise ValueError(
            f"gradcheck_params: directions must be a positive int (or None: every "
            f"parameter on its own), got {directions!r}"
        )
    params = list(params)
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"gradcheck_params: params[{i}] is not a Value: {p!r}")
    out = loss_fn()
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck_params: loss_fn must return a Value, got {type(out).__name__}")
    g = [v.data for v in grad(out, params)]
    rng = random.Random(seed)
    if directions is None:
        basis = [[1.0 if j == i else 0.0 for j in range(len(params))] for i in range(len(params))]
        names = [f"parameter {i}" for i in range(len(params))]
    else:
        basis = []
        for _ in range(directions):
            u = [rng.gauss(0.0, 1.0) for _ in params]
            norm = math.sqrt(sum(c * c for c in u))
            basis.append([c / norm for c in u])
        names = [f"direction {k}" for k in range(directions)]
    original = [p.data for p in params]
    rows, bad = [], []
    try:
        for name, u in zip(names, basis):
            values = []
            for sign in (1.0, -1.0):
                for p, x0, c in zip(params, original, u):
                    p.data = x0 + sign * eps * c
                values.append(loss_fn().data)
            numerical = (values[0] - values[1]) / (2 * eps)
            analytical = sum(gi * c for gi, c in zip(g, u))
            ok = abs(analytical - numerical) <= atol + rtol * abs(numerical)
            rows.append(
                f"  {name}: analytical {analytical!r}, numerical {numerical!r}"
                + ("" if ok else "   <-- differs")
            )
            if not ok:
                bad.append(name)
    finally:
        for p, x0 in zip(params, original):
            p.data = x0
    if bad:
        raise GradcheckError(
            f"gradcheck_params failed for {len(bad)} of {len(rows)} checks "
            f"(eps={eps}, atol={atol}, rtol={rtol}):\n" + "\n".join(rows)
        )
    return True
