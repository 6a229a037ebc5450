"""``clip_grad_norm``: scale gradients down so that their total norm is at most ``max_norm``."""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd import Value


def grad_norm(params: Iterable[Value], norm_type: float = 2.0) -> float:
    """The ``norm_type``-norm of all the gradients as one vector (``math.inf``: the max).

    >>> grad_norm([Value(0.0), Value(0.0)])
    0.0
    """
    grads: list[float] = [p.grad for p in params]
    if not grads:
        return 0.0
    if norm_type == math.inf:
        return max(abs(g) for g in grads)
    if norm_type == 2.0:
        return math.hypot(*grads)  # no overflow from squaring gradients near 1e200
    # float() for the type checker: float ** float is typed Any (it may be complex), not here
    return float(math.fsum(abs(g) ** norm_type for g in grads) ** (1.0 / norm_type))


def clip_grad_norm(params: Iterable[Value], max_norm: float, norm_type: float = 2.0) -> float:
    """Scale every gradient by ``min(1, max_norm / (total_norm + 1e-6))``; return the total
    norm from before clipping, as ``torch.nn.utils.clip_grad_norm_``.

    >>> w = [Value(0.0), Value(0.0)]
    >>> w[0].grad, w[1].grad = 3.0, 4.0
    >>> clip_grad_norm(w, 1.0), round(w[0].grad, 6), round(w[1].grad, 6)
    (5.0, 0.6, 0.8)
    """
    params = list(params)
    norm_type = float(norm_type)
    if not norm_type > 0.0:
        raise ValueError(f"norm_type must be > 0, got {norm_type!r}")
    if max_norm < 0.0:
        raise ValueError(f"max_norm must be >= 0, got {max_norm!r}")
    total = grad_norm(params, norm_type)
    coef = max_norm / (total + 1e-6)
    if not coef < 1.0 and not math.isnan(coef):  # a nan norm spreads, as in PyTorch
        coef = 1.0
    for p in params:
        p.grad = p.grad * coef
    return total
