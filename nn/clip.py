"""``clip_grad_norm``: scale gradients down so that their total norm is at most ``max_norm``."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

from autograd import Value

from .options import real

__all__ = ["clip_grad_norm", "clip_grad_norm_", "grad_norm"]


def _params(params: Iterable[Value] | Value) -> list[Value]:
    """A list of parameters (one Value too, as PyTorch takes one tensor)."""
    if isinstance(params, Value):
        return [params]
    if hasattr(params, "parameters") and not isinstance(params, (list, tuple)):
        raise TypeError("pass the parameters, model.parameters(), not the model itself")
    try:
        return list(params)
    except TypeError:
        raise TypeError(
            f"pass a list of parameters, model.parameters(), got {type(params).__name__}"
        ) from None


def _grads(params: list[Value]) -> list[float]:
    try:
        return [p.grad for p in params]
    except AttributeError:  # found here rather than checked for on every call
        bad = next(p for p in params if not isinstance(p, Value))
        raise TypeError(f"parameters must be Values, got {type(bad).__name__}: {bad!r}") from None


def _norm_type(norm_type: float) -> float:
    return real(norm_type, "norm_type", low=0.0, low_open=True, finite=False)


def _norm(grads: list[float], norm_type: float) -> float:
    if not grads:
        return 0.0
    if norm_type == math.inf:
        return max(map(abs, grads))
    if norm_type == 2.0:
        return math.hypot(*grads)  # no overflow from squaring gradients near 1e200
    # float() for the type checker: float ** float is typed Any (it may be complex), not here
    return float(math.fsum(abs(g) ** norm_type for g in grads) ** (1.0 / norm_type))


def _norm_of(params: list[Value], norm_type: float) -> tuple[float, bool]:
    """The norm of the gradients, and whether some were None (left out, as PyTorch leaves
    out a parameter with no gradient; the engine's backward takes None as "none yet")."""
    grads = _grads(params)
    try:
        return _norm(grads, norm_type), False
    except TypeError:  # found here rather than checked for on every call
        pass
    kept = [g for g in grads if g is not None]
    for p in params:
        g = p.grad
        if g is not None and (not isinstance(g, numbers.Real) or isinstance(g, bool)):
            label = f" ({p.label})" if p.label else ""
            raise TypeError(
                f"a parameter{label} has grad {type(g).__name__} {g!r}, not a number"
            ) from None
    return _norm(kept, norm_type), len(kept) < len(grads)


def grad_norm(params: Iterable[Value] | Value, norm_type: float = 2.0) -> float:
    """The ``norm_type``-norm of all the gradients as one vector (``math.inf``: the max).

    A gradient of ``None`` is left out, as PyTorch leaves out a parameter with none.

    >>> grad_norm([Value(0.0), Value(0.0)])
    0.0
    """
    return _norm_of(_params(params), _norm_type(norm_type))[0]


def clip_grad_norm(
    params: Iterable[Value] | Value, max_norm: float, norm_type: float = 2.0
) -> float:
    """Scale every gradient by ``min(1, max_norm / (total_norm + 1e-6))``; return the total
    norm from before clipping, as ``torch.nn.utils.clip_grad_norm_`` (which this is also
    called). A gradient of ``None`` is left out and left alone, as there.

    >>> w = [Value(0.0), Value(0.0)]
    >>> w[0].grad, w[1].grad = 3.0, 4.0
    >>> clip_grad_norm(w, 1.0), round(w[0].grad, 6), round(w[1].grad, 6)
    (5.0, 0.6, 0.8)
    """
    params = _params(params)
    norm_type = _norm_type(norm_type)
    # a nan max_norm would make every gradient nan; inf means no clipping, as in PyTorch
    max_norm = real(max_norm, "max_norm", low=0.0, finite=False)
    total, some_none = _norm_of(params, norm_type)
    coef = max_norm / (total + 1e-6)
    if not coef < 1.0 and not math.isnan(coef):  # a nan norm spreads, as in PyTorch
        coef = 1.0
    if some_none:
        params = [p for p in params if p.grad is not None]
    for p in params:
        p.grad = p.grad * coef
    return total


#: PyTorch's name (``torch.nn.utils.clip_grad_norm_``), for code written with it.
clip_grad_norm_ = clip_grad_norm
