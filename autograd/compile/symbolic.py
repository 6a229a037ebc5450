"""An n-ary rule run once on symbols, to write it as code.

An n-ary primitive's forward and partials are Python functions over groups of numbers
(``autograd.primitives``). Run at trace time on ``Sym`` operands, which record arithmetic
instead of doing it, a rule gives its result as an expression tree: dot's partials,
``(ys, xs, (1.0,))``, are the operands themselves; a small dot's forward,
``sum(map(operator.mul, xs, ys), start[0])``, is ``b + w0 * a0 + w1 * a1``, a sum of
products (``sum_of_products``) that the code writer may emit as one ``sum(map(...))``.

That code is exact only where the builtin ``sum`` adds floats one by one, left to right, as
the written-out code does (CPython up to 3.11; 3.12 adds floats with compensation), so
elsewhere (``SEQUENTIAL_SUM`` false), and for a rule that does anything but arithmetic
(compares, calls a function), the generated code calls the rule itself.

>>> import operator
>>> xs, ys, start = operands((2, 2, 1))
>>> forward = sum(map(operator.mul, xs, ys), start[0])
>>> template(forward, repr)
('{4} + {0} * {2} + {1} * {3}', 1)
>>> sum_of_products(forward)
(4, [(0, 2), (1, 3)])
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

__all__ = ["SEQUENTIAL_SUM", "Sym", "operands", "run", "sum_of_products", "template"]

#: Whether the builtin sum adds floats one at a time, left to right (False on 3.12+).
SEQUENTIAL_SUM = sum([1e16, 1.0, -1e16], 0.0) == 0.0

#: Python's precedences, lowest first: what needs parentheses inside what.
ADD, MUL, UNARY, ATOM = 1, 2, 3, 4
_PRECEDENCE = {"+": ADD, "-": ADD, "*": MUL, "/": MUL, "neg": UNARY}


class Sym:
    """A number inside a rule: operand ``k`` (``op == "operand"``, ``args == (k,)``), a
    constant (``"const"``), or arithmetic on others (``"+"``, ``"-"``, ``"*"``, ``"/"``,
    ``"neg"``). It has no value: comparing it or taking its float raises ``TypeError``."""

    __slots__ = ("op", "args")

    def __init__(self, op: str, args: tuple) -> None:
        self.op, self.args = op, args

    def _binary(self, other: object, op: str, reflected: bool) -> Sym:
        if not SEQUENTIAL_SUM:  # a rule's sum() would not add as the written code does
            return NotImplemented
        if isinstance(other, (float, int)) and not isinstance(other, bool):
            other = Sym("const", (float(other),))
        elif not isinstance(other, Sym):
            return NotImplemented
        return Sym(op, (other, self) if reflected else (self, other))

    def __add__(self, other: object) -> Sym:
        return self._binary(other, "+", False)

    def __radd__(self, other: object) -> Sym:
        return self._binary(other, "+", True)

    def __sub__(self, other: object) -> Sym:
        return self._binary(other, "-", False)

    def __rsub__(self, other: object) -> Sym:
        return self._binary(other, "-", True)

    def __mul__(self, other: object) -> Sym:
        return self._binary(other, "*", False)

    def __rmul__(self, other: object) -> Sym:
        return self._binary(other, "*", True)

    def __truediv__(self, other: object) -> Sym:
        return self._binary(other, "/", False)

    def __rtruediv__(self, other: object) -> Sym:
        return self._binary(other, "/", True)

    def __neg__(self) -> Sym:
        if not SEQUENTIAL_SUM:
            raise TypeError("symbols do arithmetic only where sum() adds one by one")
        return Sym("neg", (self,))

    def _unknown(self, *args: object) -> bool:
        # A rule that branches on its operands cannot be written once for all calls.
        raise TypeError("a symbol has no value")

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __bool__ = __float__ = _unknown
    __hash__ = None  # type: ignore[assignment]


def operands(sizes: tuple[int, ...]) -> tuple[tuple[Sym, ...], ...]:
    """Groups of operand symbols of these sizes, numbered 0, 1, ... across the groups."""
    flat = itertools.count()
    return tuple(tuple(Sym("operand", (next(flat),)) for _ in range(n)) for n in sizes)


def run(rule: Callable, sizes: tuple[int, ...]) -> Any:
    """``rule`` on operand symbols, or None where it does more than arithmetic."""
    try:
        return rule(*operands(sizes))
    except (TypeError, ValueError, ArithmeticError):
        return None


def template(x: object, literal: Callable[[float], str]) -> tuple[str, int] | None:
    """``x`` (a Sym or a number) as a ``str.format`` template over the operands (``{k}``)
    and its precedence; constants written by ``literal``. None for anything else."""
    if type(x) in (float, int):
        return literal(float(x)).replace("{", "{{").replace("}", "}}"), ATOM  # type: ignore[arg-type]
    if not isinstance(x, Sym):
        return None
    op, args = x.op, x.args
    if op == "operand":
        return f"{{{args[0]}}}", ATOM
    if op == "const":
        return template(args[0], literal)
    parts = [template(a, literal) for a in args]
    if None in parts:
        return None
    prec = _PRECEDENCE[op]
    if op == "neg":
        ((text, inner),) = parts  # type: ignore[misc]
        return "-" + (text if inner >= UNARY else f"({text})"), UNARY
    (left, lp), (right, rp) = parts  # type: ignore[misc]
    left = left if lp >= prec else f"({left})"
    right = right if rp > prec else f"({right})"  # a - (b - c)
    return f"{left} {op} {right}", prec


def sum_of_products(x: object) -> tuple[int, list[tuple[int, int]]] | None:
    """``s + a0 * b0 + a1 * b1 + ...`` over operands as ``(s, [(a0, b0), ...])``, else None."""
    pairs: list[tuple[int, int]] = []
    while isinstance(x, Sym) and x.op == "+":
        left, right = x.args
        if not (isinstance(right, Sym) and right.op == "*"):
            return None
        a, b = right.args
        if not (_operand(a) and _operand(b)):
            return None
        pairs.append((a.args[0], b.args[0]))
        x = left
    if not (pairs and isinstance(x, Sym) and x.op == "operand"):
        return None
    return x.args[0], pairs[::-1]


def _operand(x: object) -> bool:
    return isinstance(x, Sym) and x.op == "operand"
