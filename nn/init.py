"""Weight initialisation schemes, with PyTorch's formulas (``torch.nn.init``).

=====================  =====================================  ================================
``init=``              weights drawn from                     as in PyTorch
=====================  =====================================  ================================
``"uniform"``          U(-1, 1)                               micrograd's default
``"xavier"``           U(-a, a), a = sqrt(6 / (fan_in +       ``xavier_uniform_(w)``
(``"glorot"``)         fan_out))
``"xavier_normal"``    N(0, 2 / (fan_in + fan_out))           ``xavier_normal_(w)``
(``"glorot_normal"``)
``"kaiming"``          U(-a, a), a = gain * sqrt(3 / fan_in)  ``kaiming_uniform_(w,
(``"he"``)                                                    nonlinearity=activation)``
``"kaiming_normal"``   N(0, gain^2 / fan_in)                  ``kaiming_normal_(w,
(``"he_normal"``)                                             nonlinearity=activation)``
=====================  =====================================  ================================

``fan_in`` is the neuron's number of inputs and ``fan_out`` its layer's number of neurons,
as for a PyTorch ``Linear(fan_in, fan_out)`` weight. Xavier uses gain 1 (Glorot and Bengio's
scheme, and PyTorch's default argument); Kaiming uses the gain of the neuron's own activation
(``calculate_gain``), which is what He et al. derived it for. Biases start at 0 in every
scheme, as in micrograd.
"""

from __future__ import annotations

import math
import numbers
import random

__all__ = ["SCHEMES", "calculate_gain", "make_rng", "weights"]

_ALIASES = {
    "uniform": "uniform",
    "xavier": "xavier_uniform",
    "glorot": "xavier_uniform",
    "xavier_uniform": "xavier_uniform",
    "glorot_uniform": "xavier_uniform",
    "xavier_normal": "xavier_normal",
    "glorot_normal": "xavier_normal",
    "kaiming": "kaiming_uniform",
    "he": "kaiming_uniform",
    "kaiming_uniform": "kaiming_uniform",
    "he_uniform": "kaiming_uniform",
    "kaiming_normal": "kaiming_normal",
    "he_normal": "kaiming_normal",
}

#: Every accepted ``init=`` name.
SCHEMES: tuple[str, ...] = tuple(_ALIASES)


def calculate_gain(activation: str, negative_slope: float = 0.01) -> float:
    """The recommended gain for an activation, as ``torch.nn.init.calculate_gain``.

    >>> calculate_gain("tanh")
    1.6666666666666667
    """
    if activation in ("linear", "sigmoid"):
        return 1.0
    if activation == "tanh":
        return 5.0 / 3.0
    if activation == "relu":
        return math.sqrt(2.0)
    if activation == "leaky_relu":
        return math.sqrt(2.0 / (1.0 + negative_slope**2))
    raise ValueError(f"no gain is defined for activation {activation!r}")


def check_scheme(scheme: str) -> str:
    """The canonical name of ``scheme``, or a ValueError listing the accepted ones."""
    try:
        return _ALIASES[scheme]
    except (KeyError, TypeError):
        raise ValueError(f"unknown init {scheme!r}; choose one of {', '.join(SCHEMES)}") from None


def weights(
    scheme: str,
    fan_in: int,
    fan_out: int,
    activation: str,
    rng: random.Random,
    negative_slope: float = 0.01,
) -> list[float]:
    """``fan_in`` initial weights for one neuron, drawn from ``rng``.

    >>> w = weights("xavier", 3, 5, "tanh", random.Random(0))
    >>> len(w), max(abs(x) for x in w) <= math.sqrt(6 / 8)
    (3, True)
    """
    kind = check_scheme(scheme)
    if kind == "uniform":
        return [rng.uniform(-1.0, 1.0) for _ in range(fan_in)]
    if kind.startswith("xavier"):
        gain, fan = 1.0, (fan_in + fan_out) / 2.0
    else:
        gain, fan = calculate_gain(activation, negative_slope), float(fan_in)
    std = gain / math.sqrt(fan)
    if kind.endswith("normal"):
        return [rng.gauss(0.0, std) for _ in range(fan_in)]
    bound = math.sqrt(3.0) * std  # a uniform on [-a, a] has standard deviation a / sqrt(3)
    return [rng.uniform(-bound, bound) for _ in range(fan_in)]


def make_rng(seed: int | random.Random | None) -> random.Random:
    """A private generator: ``seed`` itself if it is one, else ``random.Random(seed)``.

    Never the global ``random`` state, so a model's weights depend on its seed alone.
    """
    if isinstance(seed, random.Random):
        return seed
    if seed is None:
        return random.Random()
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return random.Random(int(seed))
    raise TypeError(f"seed must be an int, a random.Random or None, got {seed!r}")
