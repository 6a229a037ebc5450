"""Trace once, replay fast: a loss function recorded once and replayed as straight-line code.

A training loop builds the same graph on every step: same operations, same shape, new
numbers. ``compile(fn, params)`` calls ``fn()`` once, walks the graph it returns, and writes
one Python function that does that step's forward and backward pass over plain local
floats, with no ``Value`` objects and no graph. For ``(dot(w, [2.0, 3.0], b).tanh() - 0.5) ** 2``:

    v3 = v2 + v0 * 2.0 + v1 * 3.0           # the weighted sum, written out
    v4 = tanh(v3)                           # the table's forward formulas
    v5 = v4 - 0.5
    v6 = real_pow(v5, 2.0)
    g3 = (1.0 - v4 * v4) * ((0.0 if 2.0 == 0.0 else 2.0 * ipow(v5, 2.0 - 1.0)))
    g0 = 0.0 + 2.0 * g3                     # d loss / d w0, as backward() sums it

Every formula is the primitive table's own text (``autograd.primitives``) with its operand
names rewritten by ``autograd.rules`` (the engine's one reader of rule text), and every
gradient adds the same terms in the same order as the dynamic backward pass, so the
results are the engine's, bit for bit.

What is frozen at trace time, what is checked on every call, and how big graphs are
handled: docs/compile.md.

>>> from autograd import Value
>>> w = Value(2.0)
>>> step = compile(lambda: (w * w - 3.0).tanh(), [w])
>>> loss = step()
>>> w.grad == (1 - loss * loss) * 4.0
True
"""

from __future__ import annotations

import builtins
import itertools
import math
import operator
import re
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from . import loops, modes, reads
from .modes import TraceLog, tracing
from .node import MANY as _MANY
from .node import below
from .node import operands as _operands
from .primitives import FLOAT_FUNCTIONS, Activated, NaryPrimitive, Primitive
from .rules import formula
from .value import Value

# compile is public as autograd.compile, but a star import must not shadow the builtin
__all__ = ["CompiledStep", "TraceInfo"]


@dataclass(frozen=True)
class TraceInfo:
    """What one trace cost: graph size, generated code size, and the time of each stage."""

    nodes: int  #: interior nodes reached from the loss
    statements: int  #: lines of the generated function
    trace_seconds: float  #: running ``fn()`` once, on the engine
    codegen_seconds: float  #: walking the graph and writing the source
    compile_seconds: float  #: Python's ``compile()`` of that source


def compile(  # noqa: A001 - autograd.compile, named as jax.jit and torch.compile are
    fn: Callable[[], Value],
    params: Iterable[Value],
    *,
    inputs: Iterable[Value] = (),
    max_traces: int = 8,
) -> CompiledStep:
    """Trace ``fn`` once and return a step that replays it: ``loss = step()``.

    ``fn()`` takes no arguments and returns the loss, a ``Value`` built from ``params``
    (leaf Values). Each call of the step reads every param's ``.data``, computes the loss
    and its gradient, sets (does not add to) every param's ``.grad`` and returns the loss
    as a float: ``zero_grad(); loss = fn(); loss.backward()`` in one call, with the same
    numbers. Every other number ``fn`` used is frozen at its value during the trace, except
    the ``.data`` of ``inputs`` (leaf Values that get no gradient), read on every call.
    Comparisons between Values made in ``fn`` (``if v > 0``, ``max(a, b)``) are checked on
    every call; when one comes out differently, the step runs ``fn`` again on the engine and
    compiles the branch it takes (at most ``max_traces`` branches; beyond that, new branches
    run on the engine).

    >>> from autograd import Value
    >>> a, b = Value(1.5), Value(-0.5)
    >>> step = compile(lambda: (a * b).exp() + a, [a, b])
    >>> round(step(), 6), round(a.grad, 6), round(b.grad, 6)
    (1.972367, 0.763817, 0.70855)
    """
    return CompiledStep(fn, params, inputs=inputs, max_traces=max_traces)


class CompiledStep:
    """A traced loss function replayed as generated float code. Call it: ``loss = step()``.

    ``source`` is the generated code of the branch in use, ``info`` what its trace cost,
    ``traces`` how many branches were compiled so far (more than one when a comparison in
    ``fn`` changed outcome).
    """

    def __init__(
        self,
        fn: Callable[[], Value],
        params: Iterable[Value],
        *,
        inputs: Iterable[Value] = (),
        max_traces: int = 8,
    ) -> None:
        if not callable(fn):
            raise TypeError(f"compile: fn must be a function of no arguments, got {fn!r}")
        self.params = _leaves(params, "params")
        self.inputs = _leaves(inputs, "inputs")
        if not self.params:
            raise ValueError("compile: params is empty; pass the leaves to differentiate")
        both = set(self.params).intersection(self.inputs)
        if both:
            raise ValueError(
                f"compile: {_describe(both.pop(), self.params)} is in both params and inputs"
            )
        if isinstance(max_traces, bool) or not isinstance(max_traces, int) or max_traces < 1:
            raise ValueError(f"compile: max_traces must be a positive int, got {max_traces!r}")
        if not modes.is_grad_enabled():
            raise ValueError(
                "compile: called inside no_grad, where fn would record no gradient; call "
                "compile outside it (no_grad inside fn is fine: it is replayed)"
            )
        self.fn = fn
        self.max_traces = max_traces
        self.traces = 0
        self._variants: dict[tuple, _Variant | None] = {}
        self._variant: _Variant | None = None
        self._warned = False
        self._not_finite = 0  # calls in a row whose gradients came out inf or nan
        start = time.perf_counter()
        with tracing() as trace, reads.watching():
            root = _check_loss(fn(), fn)
        self._install(
            self._build(root, trace, time.perf_counter() - start), _signature(trace)
        )

    def __call__(self) -> float:
        """Forward and backward at the params' current data: set each ``.grad``, return the
        loss. Inside ``detect_anomaly`` the step runs on the engine, which names anomalies."""
        variant = self._variant
        if variant is not None and not (modes.active.threads and modes.is_anomaly_enabled()):
            try:
                loss = variant.run()
                self._not_finite = 0
                return loss
            except (ArithmeticError, ValueError, _BranchChanged):
                # A comparison came out differently, or an operation left its domain: the
                # engine decides (nan from inf operands, its own error messages).
                pass
            except _NotFinite:
                # Gradients came out inf or nan behind a gate: the engine's are the answer.
                # Data that stays non-finite would pay for both on every call, so after a
                # run of such calls the step stays on the engine.
                self._not_finite += 1
                if self._not_finite >= _MAX_NOT_FINITE:
                    self._variant = self._variants[variant.signature] = None
                    warnings.warn(
                        f"compile: gradients of {self.fn!r} came out inf or nan "
                        f"{_MAX_NOT_FINITE} calls in a row; this branch runs on the engine",
                        RuntimeWarning,
                        stacklevel=2,
                    )
        return self._dynamic_step()

    @property
    def source(self) -> str:
        """The generated code of the branch in use (empty while running on the engine)."""
        return "" if self._variant is None else self._variant.source

    @property
    def info(self) -> TraceInfo | None:
        """What the trace of the branch in use cost."""
        return None if self._variant is None else self._variant.info

    def __repr__(self) -> str:
        return f"<CompiledStep of {self.fn!r}: {len(self.params)} params, {self.traces} trace(s)>"

    def _build(self, root: Value, trace: TraceLog, seconds: float) -> _Variant | None:
        """Compile the branch just traced; None where it must run on the engine."""
        if trace.errors:
            # fn caught an error an operation raised: the compiled code would not raise and
            # would go the other way. Such calls run on the engine; a call where nothing
            # raises traces a branch of its own (see _signature), whose code, if the
            # operation raises after all, falls back to the engine as any domain error does.
            message, where = trace.errors[0]
            warnings.warn_explicit(
                f"compile: during the trace an operation raised ({message}) and fn caught "
                "it; calls where it raises again run on the engine (a call where it does "
                "not is compiled as a branch of its own)",
                RuntimeWarning,
                *_file_line(where),
            )
            return None
        variant = _build(
            root, trace.comparisons, _signature(trace), self.params, self.inputs, seconds
        )
        leaves = set(self.params).union(self.inputs)
        frozen = [
            where
            for v, where in trace.reads
            if v in variant.varying or _depends(v, leaves, variant.varying)
        ]
        if frozen:
            lines = sorted(set(frozen))
            warnings.warn_explicit(
                "compile: fn reads the number of a Value that depends on the params or "
                "inputs (float(v), v.data, v.item(), v.grad, v.edges, a math function or a "
                f"first-order autograd.grad) at {', '.join(lines)}; the "
                "compiled step uses the number it had during the trace. Compute with Value "
                "operations instead (v.detach() for a number that follows the params "
                "without passing gradient).",
                RuntimeWarning,
                *_file_line(lines[0]),
            )
        return variant

    def _install(self, variant: _Variant | None, signature: tuple = ()) -> None:
        self.traces += 1
        if variant is None:  # this branch runs on the engine
            self._variants[signature] = None
            self._variant = None
            return
        self._variants[variant.signature] = variant
        self._variant = variant

    def _dynamic_step(self) -> float:
        """Run ``fn`` on the engine, then switch to (or compile) the branch it took."""
        if not modes.is_grad_enabled():
            raise RuntimeError(
                "compile: this call needs fn's graph (a comparison changed outcome, or an "
                "operation left its domain), and no_grad is on; call the step outside no_grad"
            )
        start = time.perf_counter()
        with tracing() as trace, reads.watching():
            root = _check_loss(self.fn(), self.fn)
        trace_seconds = time.perf_counter() - start
        for p in self.params:
            p.grad = 0.0
        root.backward()  # also into other leaves' .grad, as on the engine
        signature = _signature(trace)
        if signature in self._variants:
            variant = self._variants[signature]  # None: a branch kept on the engine
        elif self.traces < self.max_traces:
            variant = self._build(root, trace, trace_seconds)
            self._install(variant, signature)
        else:
            variant = None
        self._variant = variant
        if variant is None and signature not in self._variants and not self._warned:
            self._warned = True
            warnings.warn(
                f"compile: comparisons in {self.fn!r} changed outcome {self.traces} times; "
                "new branches run on the dynamic engine (use relu, abs or leaky_relu for "
                "kinks, or raise max_traces)",
                RuntimeWarning,
                stacklevel=3,
            )
        return root.data


# -- checking what the user gave ------------------------------------------------------------


def _depends(v: Value, leaves: set[Value], varying: set[Value]) -> bool:
    """Whether ``v`` (read during the trace, maybe outside the loss's graph) is computed
    from a param or an input."""
    if v in leaves:
        return True
    if v._op is None:
        return False
    return any(u in leaves or u in varying for w in below(v) for u in _operands(w))


def _file_line(where: str) -> tuple[str, int]:
    """``"path:line"`` (as ``autograd.modes`` names a user's line) as a file and a line."""
    path, _, line = where.rpartition(":")
    return (path, int(line)) if line.isdigit() else (where, 0)


def _leaves(values: Iterable[Value], what: str) -> tuple[Value, ...]:
    if isinstance(values, Value):
        values = [values]
    try:
        out = tuple(values)
    except TypeError:
        raise TypeError(f"compile: {what} must be a list of Values, got {values!r}") from None
    seen: set = set()
    for i, v in enumerate(out):
        if not isinstance(v, Value):
            raise TypeError(f"compile: {what}[{i}] must be a Value, got {type(v).__name__}: {v!r}")
        if v._op is not None:
            raise ValueError(
                f"compile: {what}[{i}] is not a leaf (it was made by {v.op}); "
                "pass the Values you update, not results computed from them"
            )
        if v in seen:
            raise ValueError(f"compile: {what}[{i}] appears twice")
        seen.add(v)
    return out


def _describe(v: Value, params: Sequence[Value]) -> str:
    where = f"params[{params.index(v)}]" if v in params else "an input"
    return f"{where} ({v.label!r})" if v.label else where


def _check_loss(root: object, fn: Callable) -> Value:
    if not isinstance(root, Value):
        raise TypeError(
            f"compile: fn must return the loss as a Value; {fn!r} returned "
            f"{type(root).__name__}: {root!r}"
        )
    return root


# -- recording the comparisons fn makes -------------------------------------------------------
# Python control flow over Values goes through their ordering operators (``if v > 0``,
# ``max(a, b)``, ``sorted``). While a trace runs, Value logs (operator, operands, outcome) in
# the tracing thread (``autograd.modes.recording_comparisons``), and the generated code
# checks each outcome again.


def _signature(trace: TraceLog) -> tuple:
    """What identifies a branch: the outcome of every comparison, in order, and whether an
    operation raised (and fn caught it)."""
    return (*(entry[3] for entry in trace.comparisons), bool(trace.errors))


# -- the table's formulas as code templates --------------------------------------------------


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


# -- n-ary rules run on stand-ins -------------------------------------------------------------
# An n-ary primitive's forward and partials are Python functions over groups of numbers. Run
# once per shape at trace time on stand-ins that record arithmetic as code, they become code:
# dot's partials, (ys, xs, (1.0,)), become the operands themselves; a small dot's forward,
# sum(map(operator.mul, xs, ys), start[0]), becomes ``b + w0 * a0 + w1 * a1``. The latter
# is exact only where the builtin sum adds floats one by one, left to right, as that code
# does (CPython up to 3.11; 3.12 adds floats with compensation), so elsewhere, and for rules
# that do anything but arithmetic, the generated code calls the rule itself.

_SEQUENTIAL_SUM = sum([1e16, 1.0, -1e16], 0.0) == 0.0
_ADD, _MUL, _UNARY, _ATOM = 1, 2, 3, 4  # Python's precedences, lowest first


class _Expr:
    """A number of the generated code: the text of an expression and its precedence."""

    __slots__ = ("text", "prec", "gen")

    def __init__(self, text: str, prec: int, gen: _Codegen) -> None:
        self.text, self.prec, self.gen = text, prec, gen

    def _binary(self, other: object, op: str, prec: int, reflected: bool) -> _Expr:
        if not _SEQUENTIAL_SUM:  # a rule's sum() would not add as this code does
            return NotImplemented
        if not isinstance(other, _Expr):
            if type(other) not in (float, int):
                return NotImplemented
            other = _Expr(self.gen.literal(other), _ATOM, self.gen)
        a, b = (other, self) if reflected else (self, other)
        left = a.text if a.prec >= prec else f"({a.text})"
        right = b.text if b.prec > prec else f"({b.text})"  # a - (b - c)
        return _Expr(f"{left} {op} {right}", prec, self.gen)

    def __add__(self, other: object) -> _Expr:
        return self._binary(other, "+", _ADD, False)

    def __radd__(self, other: object) -> _Expr:
        return self._binary(other, "+", _ADD, True)

    def __sub__(self, other: object) -> _Expr:
        return self._binary(other, "-", _ADD, False)

    def __rsub__(self, other: object) -> _Expr:
        return self._binary(other, "-", _ADD, True)

    def __mul__(self, other: object) -> _Expr:
        return self._binary(other, "*", _MUL, False)

    def __rmul__(self, other: object) -> _Expr:
        return self._binary(other, "*", _MUL, True)

    def __truediv__(self, other: object) -> _Expr:
        return self._binary(other, "/", _MUL, False)

    def __rtruediv__(self, other: object) -> _Expr:
        return self._binary(other, "/", _MUL, True)

    def __neg__(self) -> _Expr:
        if not _SEQUENTIAL_SUM:
            raise TypeError("stand-ins do arithmetic only where sum() adds one by one")
        text = self.text if self.prec >= _UNARY else f"({self.text})"
        return _Expr(f"-{text}", _UNARY, self.gen)

    def _unknown(self, *args: object) -> bool:
        # A rule that branches on its operands cannot be written once for all calls.
        raise TypeError("a stand-in has no value")

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __bool__ = __float__ = _unknown
    __hash__ = None  # type: ignore[assignment]


def _run_on_stand_ins(gen: _Codegen, rule: Callable, sizes: tuple[int, ...]) -> Any:
    """``rule`` on groups of stand-ins ``{0}``, ``{1}``, ... (one per operand), or None."""
    flat = itertools.count()
    groups = tuple(tuple(_Expr(f"{{{next(flat)}}}", _ATOM, gen) for _ in range(n)) for n in sizes)
    try:
        return rule(*groups)
    except (TypeError, ValueError, ArithmeticError):
        return None


_SUM_OF_PRODUCTS = re.compile(r"\{(\d+)\}((?: \+ \{\d+\} \* \{\d+\})+)")
_PRODUCT = re.compile(r"\{(\d+)\} \* \{(\d+)\}")
#: From how many products on a sum is written as ``_sum(_map(_mul, xs, ys), start)``.
_MIN_MAPPED = 6


def _products(template: str) -> tuple[int, list[tuple[int, int]]] | None:
    """``{s} + {a} * {b} + ...`` (many products) as ``(s, [(a, b), ...])``, else None."""
    match = _SUM_OF_PRODUCTS.fullmatch(template)
    if match is None:
        return None
    pairs = [(int(a), int(b)) for a, b in _PRODUCT.findall(match.group(2))]
    return (int(match.group(1)), pairs) if len(pairs) >= _MIN_MAPPED else None


def _shared_splits(term_lists: list[list], most: int = 4) -> list[int]:
    """For each list of (d, g) terms, how many leading terms to add one by one so that the
    remaining d's and g's are sequences other lists have too (as many sides as can be).

    A parameter's gradient is typically its own few terms (weight decay: ``p * g``) and
    then one term per sample; the per-sample ones of a layer's weights share their
    sequences of inputs or of gradients, and shared, each becomes one tuple in the code.
    """
    sides = []
    for terms in term_lists:
        pairs = terms[1:] if terms and terms[0] == "0.0" else terms
        sides.append(tuple(tuple(t[i] if type(t) is tuple else t for t in pairs) for i in (0, 1)))
    seen: dict[tuple, int] = {}
    for side in sides:
        for k in range(min(most, len(side[0])) + 1):
            for key in ((0, side[0][k:]), (1, side[1][k:])):
                seen[key] = seen.get(key, 0) + 1
    splits = []
    for ds, gs in sides:
        shared = [
            (seen[(0, ds[k:])] > 1) + (seen[(1, gs[k:])] > 1) for k in range(min(most, len(ds)) + 1)
        ]
        # the fewest terms peeled for the most sides shared
        splits.append(max(range(len(shared)), key=lambda k: (shared[k], -k)))
    return splits


_ONE_OR_ZERO = re.compile(r"\(?1\.0 if (.+) else 0\.0\)?")


def _switch(code: str) -> str:
    """A gate's derivative as the test of its being on: ``(1.0 if C else 0.0)`` is ``(C)``."""
    match = _ONE_OR_ZERO.fullmatch(code)
    return f"({match.group(1)})" if match else code


def _product(d: str, g: str) -> str:
    # times 1.0 is exact, nan included: leave it out
    return g if d == "1.0" else d if g == "1.0" else f"{d} * {g}"


def _code(gen: _Codegen, x: object, prec: int) -> int | str | None:
    """A rule's result as the index of the operand it is, or a format string over the
    operands (in parentheses if needed as an operand of ``prec``), or None."""
    if isinstance(x, _Expr):
        if x.text[0] == "{" and x.text[1:-1].isdigit():
            return int(x.text[1:-1])
        return x.text if x.prec >= prec else f"({x.text})"
    if type(x) in (float, int):
        return _escape(gen.literal(x))
    return None


# -- building the function ------------------------------------------------------------------


class _BranchChanged(Exception):
    """A comparison that the trace recorded came out differently on this call."""


class _NotFinite(Exception):
    """A gradient came out inf or nan: the engine redoes the step (see ``_Codegen.gate``)."""


#: The generated code's own variable names: a formula's function never takes one of them.
_LOCAL_NAME = re.compile(r"[vgTPsahc]\d+|_.*")

_HELPERS = {
    "_chain": itertools.chain.from_iterable,
    "_data": operator.attrgetter("data"),
    "_map": map,
    "_BranchChanged": _BranchChanged,
    "_NotFinite": _NotFinite,
    "_isfinite": math.isfinite,
    "_sum": builtins.sum,
    "_mul": operator.mul,
}

#: Calls in a row with non-finite gradients after which a branch stays on the engine.
_MAX_NOT_FINITE = 4
#: Terms per statement in a gradient sum (the compiler recurses once per term).
_MAX_TERMS = 200
#: An n-ary node with at most this many operands is written out (``b + w0 * a0 + ...``);
#: beyond, the generated code calls the table's rule.
_MAX_EXPANDED = 400
#: How deep a gradient used once may be written into the expression that uses it.
_MAX_INLINE = 16


@dataclass
class _Variant:
    """One compiled branch of ``fn``."""

    run: Callable[[], float]
    source: str
    signature: tuple
    info: TraceInfo
    unreached: list[Value]
    varying: set[Value]  #: the nodes that depend on a param or an input


def _build(
    root: Value, log: list, signature: tuple, params: tuple, inputs: tuple, trace_seconds: float
) -> _Variant:
    start = time.perf_counter()
    gen = _Codegen(root, log, params, inputs)
    loop = loops.plan(root, gen.order, gen.varying, log)
    source = None
    if loop is not None:
        looped = _LoopCodegen(root, log, params, inputs, loop, gen.order)
        try:
            source, gen = looped.source(), looped
        except _NoLoop:  # a sample's result is a constant: straight code
            pass
    if source is None:
        source = gen.source()
    codegen_seconds = time.perf_counter() - start
    start = time.perf_counter()
    code = builtins.compile(source, f"<autograd.compile: {gen.nodes} nodes>", "exec")
    namespace = {**gen.namespace, "_P": params, "_I": inputs}
    exec(code, namespace)  # noqa: S102 - the code written just above, from the table
    compile_seconds = time.perf_counter() - start
    info = TraceInfo(gen.nodes, source.count("\n"), trace_seconds, codegen_seconds, compile_seconds)
    step = cast("Callable[[], float]", namespace["_step"])
    return _Variant(step, source, signature, info, gen.unreached, gen.varying)


def _backward_order(root: Value) -> list[Value]:
    """The order in which ``autograd.backward`` visits the interior nodes below ``root``:
    newest first (by creation number). It follows every operand, also those a pass skips
    (a relu that is off at the trace may be on at a replay), and an operand skipped by a
    pass only leaves out a zero term: the terms of each gradient come in the same order."""
    return below(root)[::-1] if root._op is not None else []


def _nodes_below(values: Iterable[object], done: set) -> list[Value]:
    """Interior nodes below ``values`` and not in ``done``, operands first."""
    out: list[Value] = []
    seen = set(done)
    for top in values:
        if not isinstance(top, Value) or top._op is None or top in seen:
            continue
        seen.add(top)
        stack = [(top, iter(_operands(top)))]
        while stack:
            node, rest = stack[-1]
            for v in rest:
                if v._op is not None and v not in seen:
                    seen.add(v)
                    stack.append((v, iter(_operands(v))))
                    break
            else:
                stack.pop()
                out.append(node)
    return out


class _Codegen:
    """Writes the step for one traced graph.

    Forward: one statement per node that depends on a param or an input, operands first;
    every other node is a constant, written as a literal.

    Backward: the dynamic pass's visiting order, simulated on the graph. Each node's
    gradient is written where that pass hands the node on (all its terms are known by
    then): the sum of its terms ``d * g``, left to right in the order that pass adds them
    into ``.grad``. Plain float arithmetic in straight-line code is what CPython runs
    fastest; only long sums of products are ``sum(map(operator.mul, ds, gs))``, over tuples
    made once and shared between sums (see ``total``), which runs in C and is much less
    code to compile. (Tuples built per sum, tried first, made the step three times slower.)
    """

    def __init__(
        self, root: Value, log: list, params: tuple, inputs: tuple, order: list | None = None
    ) -> None:
        self.root, self.log, self.params, self.inputs = root, log, params, inputs
        self.order = _backward_order(root) if order is None else order
        self.nodes = len(self.order)
        self.varying: set[Value] = set(params).union(inputs)
        self.lines: list[str] = []
        self.namespace: dict[str, object] = dict(_HELPERS)
        self.names: dict[Value, str] = {}  # the variable of each varying Value
        self.tuples: dict[tuple, str] = {}  # n-ary operand groups passed to a rule, as code
        self.templates: dict[int, tuple] = {}  # each primitive's formulas, by id
        self.functions: dict[int, dict[str, str]] = {}
        self.rules: dict[tuple, list | None] = {}  # n-ary rules by shape, as code
        self.operands: dict[Value, list[str]] = {}  # an n-ary node's operands, as code
        self.inner: dict[Value, str] = {}  # an Activated node's inner result, its variable
        self.slopes: dict[Value, str] = {}  # and its activation's derivative there
        self.gated = False  # any gate in the graph (see gate())
        self.terms: dict[Value, list] = {}  # the code of each term d * g, per Value
        self.nested: dict[Value, int] = {}  # how deep the deepest written-in gradient is
        self.sums: set[str] = set()  # variables of gradients summed across a loop
        # inside a loop over samples: the variable each outside gradient is summed in
        # (None: no gradient wanted, for an input or a loop's constant)
        self.into: dict[object, str | None] | None = None
        self.count = itertools.count()
        self.unreached: list[Value] = []

    def source(self) -> str:
        self.read_leaves()
        forward = self.order[::-1]
        self.forward(forward)
        self.guards(set(forward))
        self.backward()
        self.lines.append(f"return {self.value(self.root)}")
        body = "".join(f"    {line}\n" for line in self.lines)
        return f"def _step(_P=_P, _I=_I):\n{body}"

    def read_leaves(self) -> None:
        """The params' and inputs' numbers into local variables."""
        for group, values in (("_P", self.params), ("_I", self.inputs)):
            if values:
                targets = ", ".join(self.name_of(v) for v in values)
                self.lines.append(f"{targets}, = _map(_data, {group})")

    # -- names and literals ----------------------------------------------------------
    def name_of(self, v: Value) -> str:
        name = self.names[v] = f"v{next(self.count)}"
        return name

    def literal(self, f: Any) -> str:
        f = float(f)
        if math.isfinite(f):
            text = repr(f)  # repr round-trips a float exactly
            return f"({text})" if text[0] == "-" else text
        name = f"_k{next(self.count)}"  # inf and nan have no literal: bind the float
        self.namespace[name] = f
        return name

    def value(self, v: object) -> str:
        """An operand as code: its variable if it varies, else its number."""
        if v is None:  # the y of a one-operand primitive
            return "None"
        if isinstance(v, Value):
            name = self.names.get(v)
            return name if name is not None else self.literal(v.data)
        return self.literal(v)

    def group(self, items: tuple, key: Any = None) -> str:
        """A tuple of code items for calling an n-ary rule; made once, as a variable."""
        key = items if key is None else key
        text = self.tuples.get(key)
        if text is None:
            text = "(" + ", ".join(items) + ",)"
            if len(items) > 1:
                name = f"T{next(self.count)}"
                self.lines.append(f"{name} = {text}")
                text = name
            self.tuples[key] = text
        return text

    def function_names(self, p: Primitive) -> dict[str, str]:
        """The names p's formulas call, bound in the namespace to p's float functions."""
        names = self.functions.get(id(p))
        if names is None:
            names = self.functions[id(p)] = {}
            for name, fn in {**FLOAT_FUNCTIONS, **p.functions}.items():
                bound = name
                # One name, two meanings (two primitives' functions, or a helper), or a
                # name the generated code uses for its own variables: renamed.
                if self.namespace.get(bound, fn) is not fn or _LOCAL_NAME.fullmatch(bound):
                    bound = f"f{next(self.count)}_{name}"
                self.namespace[bound] = fn
                names[name] = bound
        return names

    def rule(self, p: NaryPrimitive, which: str, sizes: tuple[int, ...]) -> list | None:
        """p's forward or partials for operand groups of these sizes, as code over the
        operands: one entry for the forward, one per operand for the partials, each an int
        (that operand itself) or a format string over the operands; None where the rule
        must be called at replay."""
        key = (id(p), which, sizes)
        if key in self.rules:
            return self.rules[key]
        code = None
        if which == "forward":
            if _SEQUENTIAL_SUM and sum(sizes) <= _MAX_EXPANDED:
                code = [_code(self, _run_on_stand_ins(self, p.forward, sizes), _ADD)]
        else:
            try:
                parts = [list(g) for g in _run_on_stand_ins(self, p.partials, sizes)]
                if [len(g) for g in parts] == list(sizes):
                    code = [_code(self, d, _MUL) for g in parts for d in g]
            except TypeError:  # not sequences
                pass
        if code is not None and None in code:
            code = None
        self.rules[key] = code
        return code

    # -- forward --------------------------------------------------------------------------
    def forward(self, nodes: list[Value]) -> None:
        varying, lines, names, templates = self.varying, self.lines, self.names, self.templates
        get, value = names.get, self.value
        for node in nodes:
            if node._dy is _MANY:
                if not any(map(varying.__contains__, _operands(node))):
                    continue  # a constant, as all its operands are
                code = self.nary_forward(node)
            else:
                x, y = node._x, node._y
                if not (x in varying or y in varying):  # numbers never are in the set
                    continue
                p = node._op
                fwd = (templates.get(id(p)) or self.formulas(p))[0]
                code = fwd(x=get(x) or value(x), y=get(y) or value(y), out="None")
            varying.add(node)
            name = names[node] = f"v{next(self.count)}"
            lines.append(f"{name} = {code}")
            if isinstance(node._op, Activated):  # the activation's slope, for the edges
                act = node._op.act
                dx = (templates.get(id(act)) or self.formulas(act))[1]
                code = dx if type(dx) is str else dx(x=self.inner[node], y="None", out=name)
                if act.gate:  # only tested for 0 (see gate()): written into that test
                    self.slopes[node] = _switch(code)
                else:
                    slope = self.slopes[node] = f"a{name[1:]}"
                    lines.append(f"{slope} = {code}")

    def nary_forward(self, node: Value) -> str:
        p, groups = node._op, node._y
        if isinstance(p, Activated):  # s = the inner primitive; out = the activation of s
            s = self.inner[node] = f"s{next(self.count)}"
            self.lines.append(f"{s} = {self.nary_code(node, p.inner, groups)}")
            fwd = (self.templates.get(id(p.act)) or self.formulas(p.act))[0]
            return fwd(x=s, y="None", out="None")
        return self.nary_code(node, p, groups)

    def nary_code(self, node: Value, p: NaryPrimitive, groups: tuple) -> str:
        get, value = self.names.get, self.value
        operands = self.operands[node] = [get(v) or value(v) for g in groups for v in g]
        code = self.rule(p, "forward", tuple(map(len, groups)))
        if code is not None:
            d = code[0]
            if type(d) is int:
                return operands[d]
            products = _products(d)
            if products is not None:  # start + a0 * b0 + a1 * b1 + ...: as a sum of a map
                start, pairs = products
                left = self.group(tuple(operands[i] for i, _ in pairs))
                right = self.group(tuple(operands[j] for _, j in pairs))
                return f"_sum(_map(_mul, {left}, {right}), {operands[start]})"
            return d.format(*operands)
        fname = f"_f_{p.name}"
        self.namespace.setdefault(fname, p.forward)
        args = ", ".join(self.group(tuple(map(value, g)), key=g) for g in groups)
        return f"{fname}({args})"

    def guards(self, done: set) -> None:
        """Check again every comparison fn made on a varying Value. A Value compared but not
        used by the loss is computed first."""
        self.forward(_nodes_below((v for entry in self.log for v in entry[1:3]), done))
        for name, a, b, result in self.log:
            if a in self.varying or (isinstance(b, Value) and b in self.varying):
                test = f"{self.value(a)} {name} {self.value(b)}"
                self.lines.append(f"if {'not ' if result else ''}{test}: raise _BranchChanged")

    # -- backward -------------------------------------------------------------------------
    def backward(self) -> None:
        for node in self.order:
            self.visit(node)
        self.write_grads()

    def visit(self, node: Value, g: str | None = None) -> None:
        """Write the gradient of ``node`` (``g``, if given, is its code already) and add its
        terms to its operands'."""
        if node not in self.varying:
            return
        names, terms, nested = self.names, self.terms, self.nested
        edges = self.edges(node)
        if g is not None:
            depth = 0
        elif node is self.root:
            g, depth = "1.0", 0
        elif node not in terms:  # only a stop-gradient uses it: no gradient reaches it
            return
        else:
            name = "g" + names[node][1:]
            inline = len(edges) == 1
            g, depth = self.total(name, terms.pop(node), nested.pop(node, 0), inline)
        gate = self.gate(node)
        if gate:  # a neuron with a gate: its gradient where on, else 0.0 for every edge
            h = "h" + names[node][1:]
            self.lines.append(f"{h} = {g} if {gate} else 0.0")
            g, depth = h, 0
        into = self.into
        for v, d in edges:
            # a term d * g, written out in total(); a one-operand gate's d is 1.0 (pass
            # g on) or 0.0 (nothing)
            t = f"({g} if {_switch(d)} else 0.0)" if gate == "" else (d, g)
            if into is not None and v in into:  # a sum kept across a loop over samples
                total = into[v]
                if total is not None:
                    term = t if type(t) is str else _product(*t)
                    self.lines.append(f"{total} = {total} + {term}")
                continue
            ts = terms.get(v)
            if ts is None:
                terms[v] = [t]
            else:
                ts.append(t)
            if depth and nested.get(v, 0) < depth:
                nested[v] = depth

    def write_grads(self) -> None:
        """Each param's gradient, written into its ``.grad``."""
        terms, nested, names, root = self.terms, self.nested, self.names, self.root
        if root._op is None:  # the loss is a param itself
            terms[root] = ["1.0"]
        out = []
        for p in self.params:
            if p not in terms:  # the loss does not depend on it
                self.unreached.append(p)
        # from 0.0: exactly backward() after zero_grad(), down to the sign of a zero (a sum
        # kept across a loop over samples starts from 0.0 already)
        all_terms = [
            [*(() if terms.get(p, ("",))[0] in self.sums else ("0.0",)), *terms.pop(p, ())]
            for p in self.params
        ]
        for p, ts, peel in zip(self.params, all_terms, _shared_splits(all_terms)):
            out.append(self.total("g" + names[p][1:], ts, nested.pop(p, 0), False, peel)[0])
        # A loop, not a helper function: CPython 3.11 specialises a function's code once its
        # loops have jumped back a few times, so this makes the step fast from its second
        # call on, not from its ninth (straight-line code only counts calls).
        self.lines.append(f"_grads = ({', '.join(out)},)")
        if self.gated:
            self.lines.append("if not _isfinite(_sum(_grads)): raise _NotFinite")
        self.lines.append("for _param, _grad in zip(_P, _grads):")
        self.lines.append("    _param.grad = _grad")

    def total(
        self, name: str, terms: list, nested: int, inline: bool, peel: int = 0
    ) -> tuple[str, int]:
        """A gradient, the sum of its terms left to right: its code and nesting depth.

        Terms are code, or (d, g) pairs for the products d * g. One that is another gradient
        as it is (times 1.0) is that gradient's code; one used once only (a relu's, say) is
        written into that use, in parentheses. Many products are summed as
        ``_sum(_map(_mul, ds, gs), 0.0)`` over tuples that other sums share (a layer's
        weights, a sample's gradients): the same additions in the same order, in a
        fraction of the code to compile; the first ``peel`` of them are added before, one by
        one, so that the rest can share their tuples with other sums (see _shared_splits).
        Any other gradient gets a statement (a few, if it has very many terms).
        """
        start = "0.0" if terms[0] == "0.0" else None
        pairs = terms[1:] if start else terms
        if (
            _SEQUENTIAL_SUM
            and len(pairs) - peel >= _MIN_MAPPED
            and all(type(t) is tuple for t in pairs)
        ):
            first = " + ".join(["0.0", *(_product(*t) for t in pairs[:peel])])
            ds = self.group(tuple(d for d, _ in pairs[peel:]))
            gs = self.group(tuple(g for _, g in pairs[peel:]))
            self.lines.append(f"{name} = _sum(_map(_mul, {ds}, {gs}), {first})")
            return name, 0
        terms = [t if type(t) is str else _product(*t) for t in terms]
        if len(terms) == 1 and terms[0].isidentifier():
            return terms[0], nested
        if inline and nested < _MAX_INLINE and len(terms) <= _MAX_TERMS:
            return f"({' + '.join(terms)})", nested + 1
        lines = self.lines
        lines.append(f"{name} = {' + '.join(terms[:_MAX_TERMS])}")
        for i in range(_MAX_TERMS, len(terms), _MAX_TERMS):
            lines.append(f"{name} = {name} + {' + '.join(terms[i : i + _MAX_TERMS])}")
        return name, 0

    def gate(self, node: Value) -> str | None:
        """None if the node's gradient always flows; else the code of its on/off switch
        (the empty string: each edge's derivative, 1.0 or 0.0, is the switch).

        Where a gate is off the engine keeps no edge; this code adds 0.0 instead, or
        ``x * 0.0`` for an operand x: the same sums, down to the sign of a zero, unless x is
        inf or nan. A gradient that comes out non-finite therefore sends the step to the
        engine, which gives its own answer.
        """
        p = node._op
        if isinstance(p, Activated):
            p = p.act
            if not p.gate:
                return None
            self.gated = True
            return self.slopes[node]
        if not getattr(p, "gate", False):
            return None
        self.gated = True
        return ""

    def edges(self, node: Value) -> list[tuple[Value, str]]:
        """(operand, code of d node / d operand) for each varying operand, in the engine's
        order."""
        if node._dy is _MANY:
            return self.nary_edges(node)
        p = node._op
        _, dx, dy = self.templates.get(id(p)) or self.formulas(p)
        get, value = self.names.get, self.value
        x, y = node._x, node._y
        edges = []
        varying = self.varying
        for v, rule in ((x, dx), (y, dy)) if node._dy is not None else ((x, dx),):
            if v not in varying:  # a constant (numbers never are in the set)
                continue
            if type(rule) is str:  # a constant
                if p.gate and rule == "0.0":  # a gate that is always off (stop_gradient)
                    continue
                edges.append((v, rule))
            else:
                edges.append(
                    (v, rule(x=get(x) or value(x), y=get(y) or value(y), out=self.names[node]))
                )
        return edges

    def formulas(self, p: Primitive) -> tuple:
        """p's forward formula and d/dx, d/dy, as format functions (a constant as its text)."""
        known = self.templates.get(id(p))
        if known is not None:
            return known
        names = self.function_names(p)
        rules: list[Any] = []
        for which in ("forward", "dx", "dy"):
            text = getattr(p, which)
            if text is None:
                rules.append(None)
                continue
            f = formula(text)
            template = f.template(names)
            if which != "forward" and f.constant is not None:
                rules.append(self.literal(f.constant))
            elif which == "forward" or f.atom:
                rules.append(template.format)
            else:  # the operand of ``* g``: in parentheses
                rules.append(f"({template})".format)
        done = self.templates[id(p)] = tuple(rules)
        return done

    def nary_edges(self, node: Value) -> list[tuple[Value, str]]:
        p, groups = node._op, node._y
        if isinstance(p, Activated):  # the inner partials times the activation's slope
            edges = self.inner_edges(node, p.inner, groups)
            if p.act.gate:  # 1.0 or 0.0: the gradient is switched instead (see gate())
                return edges
            slope = self.slopes[node]
            return [(v, f"({slope} * {d})") for v, d in edges]
        return self.inner_edges(node, p, groups)

    def inner_edges(self, node: Value, p: NaryPrimitive, groups: tuple) -> list[tuple[Value, str]]:
        flat = [v for g in groups for v in g]
        code = self.rule(p, "partials", tuple(map(len, groups)))
        if code is None:  # call the rule at replay, once for this node
            name = f"P{next(self.count)}"
            self.namespace.setdefault(f"_p_{p.name}", p.partials)
            args = ", ".join(self.group(tuple(map(self.value, g)), key=g) for g in groups)
            self.lines.append(f"{name} = (*_chain(_p_{p.name}({args})),)")
            code = [f"{name}[{i}]" for i in range(len(flat))]
            operands: list[str] = []
        else:
            operands = self.operands.pop(node, []) or [self.value(v) for v in flat]
        varying = self.varying
        edges = []
        for v, d in zip(flat, code):
            if v in varying:  # a varying operand is a Value; numbers never are in the set
                edges.append((v, operands[d] if type(d) is int else d.format(*operands)))
        # The engine keeps its Value operands, in order, in _x (none at all for a gate that
        # is off at the trace): check that is what we read.
        if node._x and [v for v in flat if isinstance(v, Value)] != list(node._x):
            raise AssertionError(f"compile: a {p.name} node is not as expected")
        return edges


class _NoLoop(Exception):
    """The samples' part cannot be written as a loop after all."""


class _LoopCodegen(_Codegen):
    """Writes the step with its per-sample part once, as loops over the samples
    (``autograd.loops``): the forward pass keeps each sample's numbers in ``_S``, the
    backward pass visits the samples in the engine's order, summing each gradient the
    samples share in a variable, term by term, as ``backward()`` adds into ``.grad``."""

    def __init__(
        self, root: Value, log: list, params: tuple, inputs: tuple, plan: loops.Plan, order: list
    ) -> None:
        super().__init__(root, log, params, inputs, order)
        self.plan = plan

    def source(self) -> str:
        plan, lines, names, varying = self.plan, self.lines, self.names, self.varying
        self.read_leaves()
        self.forward(plan.before)
        sample, result = plan.samples[0], plan.results[0]
        with plan.template() as stand_ins:
            constants = [f"c{j}" for j in range(len(stand_ins))]
            for c, name in zip(stand_ins, constants):
                names[c] = name
                varying.add(c)
            self.namespace["_C"] = plan.constants
            self.namespace["_ORDER"] = plan.loop_order
            # forward, sample by sample
            lines.append("_S = []")
            lines.append("for _c in _C:")
            start = len(lines)
            if constants:
                lines.append(f"{', '.join(constants)}, = _c")
            self.tuples = {}
            # a sample's constant nodes are not computed: their traced numbers are in _C
            fixed = {c for c in stand_ins if c._op is not None}
            self.forward([u for u in sample if u not in fixed])
            saved = [
                line.split(" = ", 1)[0]
                for line in lines[start:]
                if _SAVED.fullmatch(line.split(" = ", 1)[0])
            ]
            kept = ", ".join(saved)
            lines.append(f"_S.append(({kept},))")
            _indent(lines, start)
            inner = names.get(result)
            if inner not in saved:
                raise _NoLoop
            at = saved.index(inner)
            for r in plan.results:
                names[r] = f"v{next(self.count)}"
                varying.add(r)
            lines.append(f"{', '.join(names[r] for r in plan.results)}, = [_s[{at}] for _s in _S]")
            self.tuples = {}
            self.forward(plan.after)
            # backward: what lies above the samples, then the samples, then what they share
            for node in plan.above:
                self.visit(node)
            results = []
            for r in plan.results:
                name, ts = "g" + names[r][1:], self.terms.pop(r, ["0.0"])
                g, _ = self.total(name, ts, self.nested.pop(r, 0), False)
                results.append(g)
            lines.append(f"_G = ({', '.join(results)},)")
            into: dict[object, str | None] = {c: None for c in stand_ins}
            into.update((v, None) for v in self.inputs)
            own = set(sample)
            for node in sample:
                for v in _operands(node):
                    if v in own or v in into or v not in varying:
                        continue
                    total = "g" + names[v][1:]
                    into[v] = total
                    self.sums.add(total)
                    # its terms so far, from 0.0 as backward() starts (a few statements
                    # if there are very many)
                    self.total(total, ["0.0", *self.terms.pop(v, ())], self.nested.pop(v, 0), False)
            lines.append("for _k in _ORDER:")
            start = len(lines)
            lines.append(f"{kept}, = _S[_k]")
            if constants:
                lines.append(f"{', '.join(constants)}, = _C[_k]")
            self.tuples = {}
            outer, names[result] = names[result], inner
            self.into = into
            for node in reversed(sample):
                if node not in fixed:
                    self.visit(node, "_G[_k]" if node is result else None)
            self.into = None
            names[result] = outer
            _indent(lines, start)
            self.tuples = {}
            for w, kept_total in into.items():
                if kept_total is not None:
                    self.terms[cast(Value, w)] = [kept_total]
            for node in plan.below:
                self.visit(node)
            self.write_grads()
        lines.append(f"return {self.value(self.root)}")
        body = "".join(f"    {line}\n" for line in lines)
        return f"def _step(_P=_P, _I=_I):\n{body}"


#: The values a loop's forward pass keeps for its backward pass: nodes, sums, slopes.
_SAVED = re.compile(r"[vsa]\d+")


def _indent(lines: list[str], start: int) -> None:
    lines[start:] = ["    " + line for line in lines[start:]]
