"""The table's derivative formulas over Values, for higher-order gradients.

The forward pass stores each local derivative as a float: enough for a first-order
backward pass. ``grad(..., create_graph=True)`` needs them as Values instead, so that the
gradient is itself a graph that can be differentiated again. The very same formula text
becomes functions here (``autograd.rules.value_rules``) with every name bound to its
meaning over Values: ``cos`` is the ``cos`` primitive, ``reciprocal(y)`` the
``reciprocal`` primitive, and so on.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from . import modes
from .node import MANY
from .primitives import FLOAT_FUNCTIONS, PRIMITIVES, Activated, Primitive
from .rules import value_rules
from .value import Value, apply_nary

__all__ = ["apply_function", "local_derivatives"]


def _on_values(name: str, method: str) -> Callable:
    """The primitive ``name`` as a function of Values or floats (floats give a float)."""
    float_fn = FLOAT_FUNCTIONS.get(name)

    def apply(x, *rest):
        if not isinstance(x, Value):
            if not any(isinstance(r, Value) for r in rest) and float_fn is not None:
                return float_fn(x, *rest)
            x = Value(x)
        return getattr(x, method)(*rest)

    apply.__name__ = name
    return apply


def _data(v):
    return v.data if isinstance(v, Value) else v


def _xlogy(a, b):
    # As the float rule: 0 where a is 0; -inf and nan (constants) where log b is not real.
    if _data(a) == 0.0:
        return 0.0
    if not _data(b) > 0.0:
        return a * (-math.inf if _data(b) == 0.0 else math.nan)
    return a * (b.log() if isinstance(b, Value) else math.log(b))


def _ipow(a, b):
    # 0 to a negative power is inf (the float rule), reached through reciprocal so that it
    # stays differentiable instead of raising as Python's 0.0 ** -1 does.
    if (a.data if isinstance(a, Value) else a) == 0.0 and (
        b.data if isinstance(b, Value) else b
    ) < 0:
        return (a**-b).reciprocal() if isinstance(a, Value) else math.inf
    return a**b


# The derivative helpers whose float versions live in the table module, over Values.
_VALUE_HELPERS: dict[str, object] = {
    "ipow": _ipow,
    "xlogy": _xlogy,
    "real_pow": lambda a, b: a**b,
    "iszero": lambda a: _data(a) == 0.0,
}

_compiled: dict[str, tuple[Callable, Callable | None]] = {}


def _compile(p: Primitive) -> tuple[Callable, Callable | None]:
    namespace: dict[str, object] = {**FLOAT_FUNCTIONS, **p.functions, **_VALUE_HELPERS}
    for q in PRIMITIVES.values():
        if not (q.method or q.name).startswith("__"):
            namespace[q.name] = _on_values(q.name, q.method or q.name)
    dx, dy = value_rules(p, namespace)
    assert dx is not None
    return dx, dy


def apply_function(name: str) -> Callable:
    """Primitive ``name`` as a plain function of Values or numbers."""
    p = PRIMITIVES[name]
    return _on_values(name, p.method or p.name)


def forget(name: str) -> None:
    """Drop compiled rules (a primitive was added or redefined)."""
    _compiled.clear()


def _rules(p: Primitive) -> tuple[Callable, Callable | None]:
    rules = _compiled.get(p.name)
    if rules is None:
        rules = _compiled[p.name] = _compile(p)
    return rules


def local_derivatives(node: Value) -> list[tuple[Value, object]]:
    """(operand, d node / d operand) for each Value operand, the derivatives as Values."""
    p = node._op
    if isinstance(p, Activated):
        if not node._x:  # a gate that is off: no edges, as in the first-order pass
            if modes.is_tracing():  # but compile must check, on every call, that it is off
                _rules(p.act)[0](apply_nary(p.inner, *node._y), None, node)
            return []
        # The chain rule inside the node: act'(s) times each partial of s, s recomputed as
        # a Value so that the result can be differentiated again.
        s = apply_nary(p.inner, *node._y)
        slope = _rules(p.act)[0](s, None, node)
        return [
            (v, slope * d)
            for group, ds in zip(node._y, p.inner.partials(*node._y))
            for v, d in zip(group, ds)
            if isinstance(v, Value)
        ]
    if node._dy is MANY:
        return [
            (v, d)
            for group, ds in zip(node._y, p.partials(*node._y))
            for v, d in zip(group, ds)
            if isinstance(v, Value)
        ]
    dx, dy = _rules(p)
    x, y = node._x, node._y
    out = []
    if node._dx is not None:
        out.append((x, dx(x, y, node)))
    elif p.gate and modes.is_tracing():  # off: no edge, but compile checks it stays off
        dx(x, y, node)  # (its test compares Values, which a trace records)
    if node._dy is not None and dy is not None:
        out.append((y, dy(x, y, node)))
    return out
