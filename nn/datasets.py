"""Small seeded toy data sets for demos and tests, in plain Python lists (no NumPy needed).

>>> X, y = make_moons(100, noise=0.1, seed=0)
>>> len(X), X[0].__len__(), sorted(set(y))
(100, 2, [0, 1])
"""

from __future__ import annotations

import math
import random

from .init import make_rng
from .options import real

__all__ = ["make_moons", "make_spirals"]


def _points(n: int) -> list[float]:
    """``n`` angles evenly spaced from 0 to pi, both ends included (as numpy.linspace)."""
    if n == 1:
        return [0.0]
    return [math.pi * i / (n - 1) for i in range(n)]


def make_moons(
    n: int = 100, noise: float = 0.1, seed: int | random.Random | None = None
) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles, shuffled: ``X`` (n points ``[x, y]``) and labels 0/1.

    The geometry of scikit-learn's ``make_moons``: the upper moon (label 0) is the half
    circle of radius 1 around (0, 0); the lower one (label 1) is it turned over and moved to
    (1, 0.5). Gaussian noise of standard deviation ``noise`` is added to every coordinate.
    For micrograd's SVM loss use labels ``2 * y - 1`` (+-1).
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 2:
        raise ValueError(f"n must be an int >= 2, got {n!r}")
    noise = real(noise, "noise", low=0.0)
    rng = make_rng(seed)
    n_upper = n // 2
    data = [([math.cos(t), math.sin(t)], 0) for t in _points(n_upper)]
    data += [([1.0 - math.cos(t), 0.5 - math.sin(t)], 1) for t in _points(n - n_upper)]
    rng.shuffle(data)
    X = [[x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)] for (x, y), _ in data]
    return X, [label for _, label in data]


def make_spirals(
    n_per_class: int = 100,
    classes: int = 3,
    noise: float = 0.2,
    seed: int | random.Random | None = None,
) -> tuple[list[list[float]], list[int]]:
    """``classes`` interleaved spiral arms of ``n_per_class`` points each, labels 0..classes-1.

    Arm ``k`` runs from the centre out to radius 1 while its angle turns through 4 radians
    starting at ``4k``, with Gaussian noise of standard deviation ``noise`` on the angle (the
    CS231n spiral). Not linearly separable: a test for multi-class ``cross_entropy``.
    """
    if not isinstance(n_per_class, int) or isinstance(n_per_class, bool) or n_per_class < 2:
        raise ValueError(f"n_per_class must be an int >= 2, got {n_per_class!r}")
    if not isinstance(classes, int) or isinstance(classes, bool) or classes < 2:
        raise ValueError(f"classes must be an int >= 2, got {classes!r}")
    noise = real(noise, "noise", low=0.0)
    rng = make_rng(seed)
    data = []
    for k in range(classes):
        for i in range(n_per_class):
            r = i / (n_per_class - 1)
            t = 4.0 * k + 4.0 * i / (n_per_class - 1) + rng.gauss(0.0, noise)
            data.append(([r * math.sin(t), r * math.cos(t)], k))
    rng.shuffle(data)
    return [x for x, _ in data], [k for _, k in data]
