"""Gradient checking: the engine's gradient against central differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .functional import grad
from .modes import no_grad
from .value import Value


class GradcheckError(AssertionError):
    """The analytical and numerical gradients disagree; the message shows both."""


def numerical_gradient(
    f: Callable[[list[Value]], Value], xs: Sequence[float], eps: float = 1e-6
) -> list[float]:
    """Central differences (f(x + eps) - f(x - eps)) / 2 eps, one input at a time."""
    out = []
    with no_grad():
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
    xs = [float(x) for x in xs]
    leaves = [Value(x) for x in xs]
    out = f(leaves)
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
