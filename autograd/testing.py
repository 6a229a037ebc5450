"""Tools for property-based gradient tests: hypothesis strategies and a checking helper.

Needs ``hypothesis`` (``pip install chainrule[dev]``). Use them in your own pytest suite:

    from hypothesis import given
    from autograd.testing import expressions, assert_gradients_match

    @given(expressions(), st.data())
    def test_my_engine_change(expr, data):
        xs = data.draw(expr.inputs())
        assert_gradients_match(expr, xs)

An ``Expression`` is a random DAG of primitives over a few inputs, with shared
subexpressions. Operands that must stay inside a domain are mapped there with other
primitives (``log(sigmoid(t0) + 0.2)``) so that no example is wasted, and the whole thing
prints as a short program that hypothesis shrinks to the smallest failing one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from .functional import grad
from .primitives import PRIMITIVES
from .value import Value

__all__ = [
    "KINKED",
    "SMOOTH",
    "Expression",
    "Step",
    "assert_gradients_match",
    "central_difference",
    "expressions",
    "finite_floats",
]

try:
    from hypothesis import assume
    from hypothesis import strategies as st
except ImportError as error:  # pragma: no cover - exercised only without hypothesis
    raise ImportError(
        "autograd.testing needs hypothesis: pip install 'chainrule[dev]' (or hypothesis)"
    ) from error

# How an operand is brought into a primitive's domain (the strategy writes these into the
# expression, so what is tested is exactly what is printed).
_GUARDS: dict[tuple[str, int], str] = {
    ("log", 0): "positive",
    ("sqrt", 0): "positive",
    ("log1p", 0): "positive",
    ("reciprocal", 0): "positive",
    ("div", 1): "positive",
    ("pow", 0): "positive",
    ("pow", 1): "bounded",
}

SMOOTH = (
    "add",
    "sub",
    "mul",
    "div",
    "pow",
    "neg",
    "exp",
    "log",
    "log1p",
    "sqrt",
    "sin",
    "cos",
    "tanh",
    "sigmoid",
    "softplus",
)
KINKED = ("abs", "relu", "leaky_relu")

#: What an expression is evaluated over: Values, floats, or text (to print it).
_T = TypeVar("_T")


@dataclass(frozen=True)
class Step:
    """``t_i = name(operands)``; an operand is an int (an earlier node) or a float constant."""

    name: str
    operands: tuple[int | float, ...]


@dataclass(frozen=True)
class Expression:
    """A random straight-line program over ``n_inputs`` inputs; its value is the sum of the
    steps that no later step uses."""

    n_inputs: int
    steps: tuple[Step, ...]
    low: float = -2.0
    high: float = 2.0

    def __call__(self, xs: Sequence[Value]) -> Value:
        return self.build(xs, _apply_value)

    def build(
        self,
        xs: Sequence[_T],
        apply: Callable[[str, list[_T | float]], _T],
        bind: Callable[[int, _T], _T] | None = None,
    ) -> _T:
        """Evaluate with ``apply(name, operands)`` doing each primitive (any number type).

        ``bind(i, result)``, if given, sees each step's result and returns what later steps
        use in its place (the printed form names it ``t{i}``).
        """
        nodes = list(xs)
        for i, step in enumerate(self.steps):
            args: list[_T | float] = [nodes[o] if isinstance(o, int) else o for o in step.operands]
            for k, arg in enumerate(args):
                # Constants are drawn inside the domain already.
                guard = _GUARDS.get((step.name, k)) if isinstance(step.operands[k], int) else None
                if guard == "positive":  # sigmoid(a) + 0.2 lies in (0.2, 1.2)
                    args[k] = apply("add", [apply("sigmoid", [arg]), 0.2])
                elif guard == "bounded":  # 3 tanh(a) lies in (-3, 3)
                    args[k] = apply("mul", [apply("tanh", [arg]), 3.0])
            out = apply(step.name, args)
            nodes.append(out if bind is None else bind(i, out))
        # The value is the sum of every step no later step uses, so that the whole DAG,
        # not just the last step's ancestors, is differentiated.
        used = {o for step in self.steps for o in step.operands if isinstance(o, int)}
        sinks = [
            nodes[self.n_inputs + i]
            for i in range(len(self.steps))
            if self.n_inputs + i not in used
        ]
        total = sinks[0]
        for node in sinks[1:]:
            total = apply("add", [total, node])
        return total

    def kink_distance(self, xs: Sequence[float]) -> float:
        """How close any kinked primitive's operand comes to one of its kinks at ``xs``."""
        closest = math.inf

        def apply(name: str, args: list) -> float:
            nonlocal closest
            for kink in PRIMITIVES[name].kinks:
                closest = min(closest, abs(args[0] - kink))
            return _apply_float(name, args)

        self.build(list(xs), apply)
        return closest

    def zero_exponent(self, xs: Sequence[float]) -> bool:
        """Whether some ``pow`` meets an exponent of exactly 0 at ``xs``: there d/dx is
        masked to 0 (PyTorch's and JAX's convention), and a second derivative across it is
        not that of the formula elsewhere."""
        found = False

        def apply(name: str, args: list) -> float:
            nonlocal found
            found = found or (name == "pow" and args[1] == 0.0)
            return _apply_float(name, args)

        self.build(list(xs), apply)
        return found

    def inputs(self) -> st.SearchStrategy[list[float]]:
        """A strategy for input points of this expression."""
        return st.lists(
            finite_floats(self.low, self.high), min_size=self.n_inputs, max_size=self.n_inputs
        )

    def __repr__(self) -> str:
        infix = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}
        lines: list[str] = []

        def apply(name: str, args: list) -> str:
            a = [a if isinstance(a, str) else repr(a) for a in args]
            if name in infix:
                return f"({a[0]} {infix[name]} {a[1]})"
            return f"{name}({', '.join(a)})"

        def bind(i: int, text: str) -> str:
            lines.append(f"t{i} = {text}")
            return f"t{i}"

        out = self.build([f"x{i}" for i in range(self.n_inputs)], apply, bind)
        return f"Expression[{'; '.join(lines)}; out = {out}]"


def _apply_value(name: str, args: list) -> Value:
    p = PRIMITIVES[name]
    method = p.method or p.name
    first = args[0] if isinstance(args[0], Value) else None
    if first is None:  # a constant first operand: use the reflected operator
        return getattr(args[1], "__r" + method[2:])(args[0])
    return getattr(first, method)(*args[1:])


def _apply_float(name: str, args: list) -> float:
    return _apply_value(name, [Value(a) if isinstance(a, float) else a for a in args]).data


def finite_floats(
    low: float = -2.0, high: float = 2.0, avoid: Sequence[float] = (), margin: float = 1e-3
) -> st.SearchStrategy[float]:
    """Finite floats in [low, high], at least ``margin`` away from every point in ``avoid``."""
    base = st.floats(low, high, allow_nan=False, allow_infinity=False)
    return base.filter(lambda x: all(abs(x - a) >= margin for a in avoid))


def expressions(
    primitives: Sequence[str] = SMOOTH + KINKED,
    max_inputs: int = 3,
    max_steps: int = 8,
    constants: bool = True,
) -> st.SearchStrategy[Expression]:
    """Random expression DAGs over ``primitives``, sharing subexpressions."""
    return _expressions(primitives, max_inputs, max_steps, constants)


@st.composite
def _expressions(
    draw: Callable,
    primitives: Sequence[str],
    max_inputs: int,
    max_steps: int,
    constants: bool,
) -> Expression:
    n_inputs = draw(st.integers(1, max_inputs))
    n_steps = draw(st.integers(1, max_steps))
    steps = []
    for i in range(n_steps):
        name = draw(st.sampled_from(list(primitives)))
        available = n_inputs + i
        # Lean towards recent nodes so expressions get deep as well as wide. (The strategy is
        # drawn from in this iteration only, so the lambda may read ``available`` late.)
        node = st.integers(0, available - 1).map(lambda k: available - 1 - k)
        operands = [draw(node)]
        if PRIMITIVES[name].arity == 2:
            if constants and draw(st.integers(0, 3)) == 0:
                c = draw(st.sampled_from([0.5, 2.0, -1.5, 3.0]))
                # An operator takes a number on either side (2 ** x); a method on the right.
                on_left = PRIMITIVES[name].method.startswith("__") and draw(st.booleans())
                if on_left and name == "pow":
                    c = abs(c)
                operands.insert(0 if on_left else 1, c)
            else:
                operands.append(draw(node))
        steps.append(Step(name, tuple(operands)))
    return Expression(n_inputs, tuple(steps))


def central_difference(
    f: Callable[[list[float]], float], xs: Sequence[float], h: float = 1e-3
) -> list[float]:
    """Fourth-order central differences of ``f`` at ``xs``: error O(h^4), not O(h^2)."""
    out = []
    for i in range(len(xs)):

        def at(d: float, i: int = i) -> float:
            return f([x + d if j == i else x for j, x in enumerate(xs)])

        out.append((8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h))
    return out


def assert_gradients_match(
    f: Callable[[list[Value]], Value],
    xs: Sequence[float],
    *,
    second_order: bool = False,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    max_value: float = 1e4,
) -> None:
    """Assert that the engine's gradient (and Hessian) of ``f`` at ``xs`` match central differences.

    Examples whose values grow beyond ``max_value``, or that sit within the difference
    stencil of a kink, are rejected with ``hypothesis.assume`` (differences cannot judge them).
    """
    xs = [float(x) for x in xs]
    if isinstance(f, Expression):
        assume(f.kink_distance(xs) > 1e-2)

    def value(point: list[float]) -> float:
        try:
            return f([Value(x) for x in point]).data
        except (ArithmeticError, ValueError):
            return math.nan

    def gradient(point: list[float], create_graph: bool = False) -> tuple[list[Value], list[Value]]:
        leaves = [Value(x) for x in point]
        out = f(list(leaves))  # a copy: f may change its list, the inputs stay these
        return list(grad(out, leaves, create_graph=create_graph)), leaves

    y = value(xs)
    assume(math.isfinite(y) and abs(y) < max_value)
    engine = [g.data for g in gradient(xs)[0]]
    numeric = central_difference(value, xs)
    assume(all(math.isfinite(n) and abs(n) < max_value for n in numeric))
    scale = max([1.0, abs(y)] + [abs(n) for n in numeric])
    _compare("gradient", engine, numeric, rtol, atol * scale, xs)
    if second_order:
        if isinstance(f, Expression):
            assume(not f.zero_exponent(xs))
        firsts, leaves = gradient(xs, create_graph=True)
        engine2 = [[g.data for g in grad(d, leaves)] for d in firsts]
        for i in range(len(xs)):

            def partial(point: list[float], i: int = i) -> float:
                return gradient(point)[0][i].data

            numeric2 = central_difference(partial, xs)
            _compare(
                f"row {i} of the Hessian", engine2[i], numeric2, rtol * 100, atol * 100 * scale, xs
            )


def _compare(what: str, engine: list, numeric: list, rtol: float, atol: float, xs: list) -> None:
    bad = [
        i for i, (e, n) in enumerate(zip(engine, numeric)) if not abs(e - n) <= atol + rtol * abs(n)
    ]
    if bad:
        rows = "\n".join(
            f"  d/dx{i}: engine {e!r}, central differences {n!r}"
            + ("   <-- differs" if i in bad else "")
            for i, (e, n) in enumerate(zip(engine, numeric))
        )
        raise AssertionError(f"{what} at xs={xs!r} does not match central differences:\n{rows}")
