"""The primitive table: every operation the engine knows, with its local derivatives.

Each row gives a primitive's forward formula and the partial derivative of its output with
respect to each operand, as Python expressions over the operand names ``x`` (and ``y``) and
the result ``out``. The same text is compiled twice:

* over floats, into the ``Value`` methods (the fast first-order path), with the names below
  bound to the float functions in ``FLOAT_FUNCTIONS``;
* over Values, for ``grad(..., create_graph=True)``, with every primitive name bound to the
  primitive itself, so a derivative is itself a differentiable expression.

Nothing else in the engine names a primitive: adding one is adding a row.

>>> PRIMITIVES["tanh"].dx
'1.0 - out * out'
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from math import exp, log, log1p, sqrt, tanh
from typing import Any

__all__ = [
    "Activated",
    "BUILT_IN",
    "FLOAT_FUNCTIONS",
    "NARY_PRIMITIVES",
    "NaryPrimitive",
    "PRIMITIVES",
    "Primitive",
]

INF = math.inf


# Float helpers the formulas may call. The derivative helpers follow IEEE rules (inf, not an
# exception) because a derivative that is infinite at a point is an answer, not an error.
def sigmoid(x: float) -> float:
    """Logistic function, written so neither branch overflows."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def softplus(x: float) -> float:
    """log(1 + e^x) without overflow for large x or loss of precision for very negative x."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def real_pow(x: float, y: float) -> float:
    """``x ** y`` as Python computes it, but never a complex number."""
    out = x**y
    if type(out) is complex:
        raise ValueError("negative number cannot be raised to a fractional power")
    return float(out)


def reciprocal(x: float) -> float:
    """1/x with IEEE semantics: +-inf at +-0 instead of ZeroDivisionError (as torch.reciprocal)."""
    return 1.0 / x if x else math.copysign(INF, x)


def ipow(x: float, y: float) -> float:
    """x ** y with IEEE semantics: inf for 0 to a negative power or an overflow, nan for a
    complex result."""
    try:
        out = x**y
    except (ZeroDivisionError, OverflowError):
        odd = x < 0 and float(y).is_integer() and int(y) % 2 == 1
        return -INF if odd else INF
    return out if type(out) is float else math.nan


def iszero(x: float) -> bool:
    """x == 0, for formulas: over Values it compares the number (Value == is identity)."""
    return x == 0.0


def xlogy(a: float, b: float) -> float:
    """a * log(b), taken as 0 where a is 0 (so d(x^y)/dy at x = 0 is 0, as in PyTorch)."""
    if a == 0.0:
        return 0.0
    return a * (math.log(b) if b > 0.0 else (-INF if b == 0.0 else math.nan))


def sin(x: float) -> float:
    """math.sin, but nan (as IEEE says) rather than ValueError at +-inf."""
    return math.sin(x) if x - x == 0.0 else math.nan


def cos(x: float) -> float:
    """math.cos, but nan (as IEEE says) rather than ValueError at +-inf."""
    return math.cos(x) if x - x == 0.0 else math.nan


#: The float meaning of every name a formula may use.
FLOAT_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "exp": exp,
    "log": log,
    "log1p": log1p,
    "tanh": tanh,
    "sin": sin,
    "cos": cos,
    "sqrt": sqrt,
    "abs": abs,
    "sigmoid": sigmoid,
    "softplus": softplus,
    "real_pow": real_pow,
    "reciprocal": reciprocal,
    "ipow": ipow,
    "xlogy": xlogy,
    "iszero": iszero,
}


@dataclass(frozen=True)
class Primitive:
    """One row of the table.

    ``forward`` computes ``out`` from the operands; ``dx`` and ``dy`` are d(out)/dx and
    d(out)/dy. ``method`` is how a user reaches it on a ``Value`` (an operator's dunder name,
    or a method name; the primitive's own name by default). ``default`` is the default of the
    second operand where the method makes it optional, ``operand`` its parameter name
    (``leaky_relu(slope=0.01)``). ``kinks``
    lists the values of ``x`` where the derivative jumps (the engine then uses PyTorch's
    choice, written in ``dx``). ``gate`` marks a derivative that switches the gradient on
    or off (relu's is 1 or 0): where it is 0 the node keeps no edge to ``x``, so nothing
    flows back, not even a nan (PyTorch masks relu's gradient the same way), and a backward
    pass skips whatever lies behind a unit that is off. ``functions`` adds float functions
    that the formulas call, for primitives defined outside this file.
    """

    name: str
    forward: str
    dx: str
    dy: str | None = None
    method: str = ""
    default: float | None = None
    kinks: tuple[float, ...] = ()
    operand: str = "other"
    functions: dict = field(default_factory=dict, compare=False, repr=False)
    gate: bool = False

    @property
    def arity(self) -> int:
        return 1 if self.dy is None else 2

    def __reduce__(self) -> tuple[Any, ...]:
        # pickled by name (a pickled graph's nodes refer to their primitive): its
        # functions may be lambdas, which pickle cannot save
        return (_primitive, (self.name,))

    @property
    def methods(self) -> tuple[str, ...]:
        """The Value methods it becomes: its method, and the reflected operator if any."""
        method = self.method or self.name
        if self.arity == 2 and method.startswith("__"):
            return (method, "__r" + method[2:])
        return (method,)


# fmt: off
_TABLE = [
    #          name          forward                     d out / dx                              d out / dy
    Primitive("add",        "x + y",                    "1.0",                                  "1.0",              "__add__"),
    Primitive("sub",        "x - y",                    "1.0",                                  "-1.0",             "__sub__"),
    Primitive("mul",        "x * y",                    "y",                                    "x",                "__mul__"),
    Primitive("div",        "x / y",                    "reciprocal(y)",                        "-out * reciprocal(y)", "__truediv__"),
    Primitive("pow",        "real_pow(x, y)",           "0.0 if iszero(y) else y * ipow(x, y - 1.0)", "0.0 if iszero(x) else xlogy(out, x)", "__pow__"),
    Primitive("neg",        "-x",                       "-1.0",                                 None,               "__neg__"),
    Primitive("abs",        "abs(x)",                   "1.0 if x > 0 else (-1.0 if x < 0 else 0.0)", None,         "__abs__", kinks=(0.0,)),
    Primitive("reciprocal", "reciprocal(x)",            "-out * out"),
    Primitive("exp",        "exp(x)",                   "out"),
    Primitive("log",        "log(x)",                   "reciprocal(x)"),
    Primitive("log1p",      "log1p(x)",                 "reciprocal(1.0 + x)"),
    Primitive("sqrt",       "sqrt(x)",                  "0.5 * reciprocal(out)"),
    Primitive("sin",        "sin(x)",                   "cos(x)"),
    Primitive("cos",        "cos(x)",                   "-sin(x)"),
    Primitive("tanh",       "tanh(x)",                  "1.0 - out * out"),
    Primitive("sigmoid",    "sigmoid(x)",               "out * (1.0 - out)"),
    Primitive("softplus",   "softplus(x)",              "sigmoid(x)"),
    Primitive("relu",       "0.0 if x <= 0 else x",     "1.0 if x > 0 else 0.0",                kinks=(0.0,), gate=True),
    Primitive("leaky_relu", "x if x > 0 else x * y",    "1.0 if x > 0 else y",                  "0.0 if x > 0 else x", default=0.01, kinks=(0.0,), operand="slope"),
    # x itself, passing no gradient back (JAX's stop_gradient): what detach() and no_grad
    # record inside a function that autograd.compile traces, so that a replay recomputes it.
    Primitive("stop_gradient", "x",                     "0.0",                                  gate=True),
]
# fmt: on

#: The rows above: the primitives whose Value methods are checked in (autograd/value.py).
BUILT_IN: tuple[Primitive, ...] = tuple(_TABLE)

#: Every primitive by name (``define_primitive`` adds more).
PRIMITIVES: dict[str, Primitive] = {p.name: p for p in _TABLE}


# -- n-ary primitives ------------------------------------------------------------------
# A neuron's weighted sum, done op by op, makes 2n nodes for n inputs; as one node with n
# local derivatives it makes one, and the backward pass visits one node instead of 2n.
# Their rules take the operands as groups (sequences) and give the partials group by group
# (so a group of constants, a first layer's inputs, costs nothing); they are written with
# plain arithmetic so they serve floats and Values.


@dataclass(frozen=True)
class NaryPrimitive:
    """A primitive over whole sequences of operands, recorded as a single node."""

    name: str
    forward: Callable[..., float]  # (*groups of floats) -> float
    #: (*groups) -> one sequence per group: d out / d each operand in it
    partials: Callable[..., Sequence[Sequence[Any]]]

    def __reduce__(self) -> tuple[Any, ...]:
        # the table's own by name (their rules are lambdas, which pickle cannot save)
        if NARY_PRIMITIVES.get(self.name) is self:
            return (_nary_primitive, (self.name,))
        return (NaryPrimitive, (self.name, self.forward, self.partials))


def _dot(xs, ys, start):
    # sum() over map() runs in C; on floats it adds in order, exactly as the loop
    # ``total = start; total = total + x*y ...`` would.
    return sum(map(operator.mul, xs, ys), start[0])


def _sum(xs, start):
    return sum(xs, start[0])


def _max_partials(xs):
    # 1 for the largest (the first of equals, as max returns it), 0 for the rest; found by
    # identity, which also works for Values (whose == is identity)
    top, seen = max(xs), False
    out = []
    for x in xs:
        hit = x is top and not seen
        seen = seen or hit
        out.append(1.0 if hit else 0.0)
    return (out,)


# fmt: off
NARY_PRIMITIVES: dict[str, NaryPrimitive] = {p.name: p for p in [
    #              name    forward  d out / d (each operand, in order)
    NaryPrimitive("sum",  _sum,    lambda xs, start: ([1.0] * len(xs), (1.0,))),
    NaryPrimitive("dot",  _dot,    lambda xs, ys, start: (ys, xs, (1.0,))),
    NaryPrimitive("max",  max,     _max_partials),  # the kink (which is largest) inside
]}
# fmt: on


def _primitive(name: str) -> Primitive:
    try:
        return PRIMITIVES[name]
    except KeyError:
        raise KeyError(
            f"a pickled graph uses primitive {name!r}: define it (define_primitive) first"
        ) from None


def _nary_primitive(name: str) -> NaryPrimitive:
    return NARY_PRIMITIVES[name]


@dataclass(frozen=True)
class Activated:
    """An n-ary primitive followed by a one-operand one, recorded as a single node.

    ``Activated(dot, relu)`` is a neuron, ``relu(w . x + b)``: one node where it would be two.
    Nothing new to differentiate: by the chain rule its local derivatives are the inner
    primitive's times the activation's derivative at the inner result.
    """

    inner: NaryPrimitive
    act: Primitive

    @property
    def name(self) -> str:
        return f"{self.act.name}({self.inner.name})"
