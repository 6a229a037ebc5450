"""Loss functions, built from engine primitives, matching PyTorch's values and gradients.

Sums are single ``autograd.sum`` / ``autograd.dot`` nodes: a batch's loss costs one node per
sample per step, plus one, instead of a chain of additions.

``mse_loss``, ``hinge_loss`` and ``binary_cross_entropy_with_logits`` take one prediction or
a list of them (one scalar score per sample) and average over the list by default (PyTorch's
``reduction="mean"``; ``"sum"`` adds). ``cross_entropy`` takes one sample's logits.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence

import autograd
from autograd import Value

__all__ = [
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge_loss",
    "l2_penalty",
    "log_sum_exp",
    "mse_loss",
]

Scalar = Value | float
Scalars = Scalar | Sequence[Scalar]
#: What a model gives for a batch: one output per sample, each a Value or (the type an
#: ``MLP`` call has, whatever its size) a list of one Value.
Outputs = Scalar | Sequence[Scalar | Sequence[Scalar]]


def _as_list(x: Outputs, what: str) -> list[Scalar]:
    if isinstance(x, (Value, float, int)):
        return [x]
    if isinstance(x, numbers.Real):  # a numpy scalar, say
        return [float(x)]
    out = [_one(v, what, i) for i, v in enumerate(x)]
    if not out:
        raise ValueError(f"{what} is empty")
    return out


def _one(v: Scalar | Sequence[Scalar], what: str, i: int) -> Scalar:
    if isinstance(v, (Value, float, int)) or not isinstance(v, Sequence):
        return v
    if len(v) != 1:
        raise TypeError(
            f"{what}[{i}] is a list of {len(v)} outputs; this loss takes one per sample "
            "(a model with one output, or the one output you mean)"
        )
    return v[0]


def _pairs(
    pred: Outputs, target: Scalars, names: tuple[str, str] = ("pred", "target")
) -> tuple[list[Scalar], list[Scalar]]:
    ps, ts = _as_list(pred, names[0]), _as_list(target, names[1])
    if len(ps) != len(ts):
        raise ValueError(f"{names[0]} has {len(ps)} elements but {names[1]} has {len(ts)}")
    return ps, ts


def _reduce(total: Value, n: int, reduction: str) -> Value:
    if reduction == "mean":
        return total / n
    if reduction == "sum":
        return total
    raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")


def mse_loss(pred: Outputs, target: Scalars, reduction: str = "mean") -> Value:
    """Mean squared error, as ``torch.nn.functional.mse_loss``.

    >>> mse_loss([Value(1.0), Value(3.0)], [0.0, 1.0]).data
    2.5
    """
    ps, ts = _pairs(pred, target)
    diffs = [p - t for p, t in zip(ps, ts)]
    return _reduce(autograd.dot(diffs, diffs), len(diffs), reduction)


def hinge_loss(scores: Outputs, labels: Scalars, reduction: str = "mean") -> Value:
    """micrograd's SVM max-margin loss: the mean of ``relu(1 - label * score)``, labels +-1.

    >>> hinge_loss([Value(0.5), Value(-2.0)], [1, -1]).data
    0.25
    """
    ss, ys = _pairs(scores, labels, ("scores", "labels"))
    for i, y in enumerate(ys):
        # a 0/1 label would give a constant loss, silently (a Value label is an input that
        # changes from call to call, as in a compiled step: not read here)
        if not isinstance(y, Value) and float(y) not in (-1.0, 1.0):
            raise ValueError(
                f"hinge_loss: labels must be -1 or +1, got labels[{i}] = {y!r} (for 0/1 "
                "labels pass [2 * t - 1 for t in labels])"
            )
    margins = [(1.0 - y * s).relu() for s, y in zip(_values(ss), ys)]  # a float score too
    return _reduce(autograd.sum(margins), len(ss), reduction)


def binary_cross_entropy_with_logits(
    logits: Outputs, targets: Scalars, reduction: str = "mean"
) -> Value:
    """``-(y log sigmoid(x) + (1 - y) log(1 - sigmoid(x)))``, stable at any logit.

    Written as ``softplus(x) - x * y``, which is the same quantity without the two
    logarithms of numbers that round to 0 or 1; the engine's softplus never overflows.

    >>> round(binary_cross_entropy_with_logits(Value(0.0), 1.0).data, 6)
    0.693147
    """
    xs, ys = _pairs(logits, targets, ("logits", "targets"))
    total = autograd.sum(
        [x.softplus() if isinstance(x, Value) else Value(x).softplus() for x in xs]
    )
    return _reduce(total - autograd.dot(xs, ys), len(xs), reduction)


def log_sum_exp(values: Scalars) -> Value:
    """``log(sum(exp(v)))``, shifted by the largest value so no exp overflows.

    The shift passes no gradient (``stop_gradient``): log-sum-exp and its gradient (the
    softmax) do not depend on it. It is ``autograd.max``, one node that chooses the largest
    inside itself, kept in the graph and never read off as a float: ``autograd.compile``
    replays it exactly, and needs no check of which logit is largest (the builtin ``max``
    compares Values in Python, and a compiled step would trace again whenever another
    logit came out largest).
    """
    vs = _values(_as_list(values, "values"))
    # Shift by the largest finite value; an inf or nan logit then gives what IEEE says.
    finite = [v for v in vs if -math.inf < v < math.inf]
    m = autograd.max(finite).stop_gradient() if finite else 0.0
    terms = [(v - m).exp() for v in vs]
    return autograd.sum(terms).log() + m


def cross_entropy(logits: Scalars, target_index: int) -> Value:
    """``-log softmax(logits)[target_index]`` for one sample, as PyTorch's ``cross_entropy``.

    Finite, with a finite gradient, even at logits of +-1000.

    >>> round(cross_entropy([Value(1000.0), Value(-1000.0)], 1).data, 6)
    2000.0
    """
    vs = _values(_as_list(logits, "logits"))
    if (
        not isinstance(target_index, numbers.Integral)
        or isinstance(target_index, bool)
        or not 0 <= target_index < len(vs)
    ):
        raise ValueError(f"target_index must be an int in [0, {len(vs)}), got {target_index!r}")
    return log_sum_exp(vs) - vs[int(target_index)]


def l2_penalty(params: Iterable[Value], alpha: float = 1.0) -> Value:
    """``alpha * sum(p * p)``, the weight-decay term of a loss, as one ``dot`` node.

    >>> l2_penalty([Value(1.0), Value(-2.0)], alpha=1e-4).data
    0.0005
    """
    ps = list(params)
    return alpha * autograd.dot(ps, ps)


def _values(xs: Iterable[Scalar]) -> list[Value]:
    return [x if isinstance(x, Value) else Value(x) for x in xs]
