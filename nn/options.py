"""Checks for the options the constructors take: each refuses, when the object is made, what
its first call would otherwise choke on (or, worse, silently compute wrong).

A number option is a real number (an ``int``, a ``float``, a NumPy scalar; never a ``bool``,
whose ``True`` is no learning rate) in the range the option allows, and finite unless it
says otherwise. A switch is ``True`` or ``False`` (a string such as ``"no"`` is truthy in
Python, and would silently mean yes). A wrong type is a ``TypeError``, a value out of range a
``ValueError``; each message names the option and what was given.
"""

from __future__ import annotations

import math
import numbers

__all__ = ["ACTIVATIONS", "flag", "real"]

#: Every accepted ``activation=`` name.
ACTIVATIONS: tuple[str, ...] = ("relu", "tanh", "sigmoid", "leaky_relu", "linear")


def real(
    value: object,
    what: str,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
    finite: bool = True,
) -> float:
    """``value`` as a float, if it is a real number in the interval; else an error naming
    ``what``. ``low`` and ``high`` are included unless ``low_open`` / ``high_open``.

    >>> real(0.5, "p", low=0.0, high=1.0)
    0.5
    >>> real(True, "lr")
    Traceback (most recent call last):
    ...
    TypeError: lr must be a number, got bool True
    """
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{what} must be a number, got {type(value).__name__} {value!r}")
    x = float(value)
    below = x <= low if low_open else x < low
    above = x >= high if high_open else x > high
    if math.isnan(x) or (finite and math.isinf(x)) or below or above:
        must = _describe(low, high, low_open, high_open, finite)
        raise ValueError(f"invalid {what}: {value!r} (it must be {must})")
    return x


def _describe(low: float, high: float, low_open: bool, high_open: bool, finite: bool) -> str:
    kind = "a finite number" if finite else "a number (not nan)"
    if low == -math.inf and high == math.inf:
        return kind
    if high == math.inf:
        return f"{kind} {'>' if low_open else '>='} {low:g}"
    if low == -math.inf:
        return f"{kind} {'<' if high_open else '<='} {high:g}"
    left, right = "(" if low_open else "[", ")" if high_open else "]"
    return f"in {left}{low:g}, {high:g}{right}"


def flag(value: object, what: str) -> bool:
    """``value`` if it is ``True`` or ``False`` (NumPy's bool too); else a ``TypeError``.

    >>> flag(False, "nesterov")
    False
    """
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return bool(value)
    raise TypeError(f"{what} must be True or False, got {type(value).__name__} {value!r}")


def check_activation(name: object, what: str = "activation") -> str:
    """``name`` if it is one of ``ACTIVATIONS``; else a ``ValueError`` listing them.

    >>> check_activation("tanh")
    'tanh'
    """
    if isinstance(name, str) and name in ACTIVATIONS:
        return name
    hint = ""
    if isinstance(name, str) and name.lower() in ACTIVATIONS:
        hint = f" (names are lower case: {name.lower()!r})"
    elif callable(name):
        hint = " (give the activation's name, a string, not a function or class)"
    raise ValueError(
        f"unknown {what} {name!r}{hint}; choose one of {', '.join(map(repr, ACTIVATIONS))}"
    )


def check_name(name: object) -> str:
    """A module's ``name=`` prefix: a string.

    >>> check_name("body")
    'body'
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string (the module's dotted path), got {name!r}")
    return name
