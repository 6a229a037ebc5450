"""The last pass: a ``Program`` (and its ``Loop``, if any) written as one Python function.

Forward: one statement per equation, operands first; a constant is written as an exact
literal (``repr`` of a float round-trips; ``inf`` and ``nan`` are bound by name). Every
formula is the primitive table's own text with its operands renamed (``autograd.rules``);
an n-ary rule is written out from its run on symbols (``autograd.compile.symbolic``).

Backward: the dynamic pass's visiting order (the equations in reverse, as ``backward()``
visits nodes newest first). Each Var's gradient is written where that pass hands the node
on (all its terms are known by then): the sum of its terms ``d * g``, left to right in the
order that pass adds them into ``.grad``. Plain float arithmetic in straight-line code is
what CPython runs fastest; only long sums of products are ``sum(map(operator.mul, ds,
gs))``, over tuples made once and shared between sums (see ``Writer.total``), which runs
in C and is much less code to compile. (Tuples built per sum, tried first, made the step
three times slower.)
"""

from __future__ import annotations

import builtins
import itertools
import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..primitives import FLOAT_FUNCTIONS, Activated, NaryPrimitive, Primitive
from ..rules import Formula, formula
from . import symbolic
from .ir import Atom, Eqn, Program, Var
from .loops import Loop

__all__ = ["BranchChanged", "Code", "Formulas", "NotFinite", "Writer", "indent", "write"]


class BranchChanged(Exception):
    """A comparison that the trace recorded came out differently on this call."""


class NotFinite(Exception):
    """A gradient came out inf or nan: the engine redoes the step (see ``Writer.gate``)."""


_HELPERS = {
    "_chain": itertools.chain.from_iterable,
    "_data": operator.attrgetter("data"),
    "_map": map,
    "_BranchChanged": BranchChanged,
    "_NotFinite": NotFinite,
    "_isfinite": math.isfinite,
    "_sum": builtins.sum,
    "_mul": operator.mul,
    # builtins the code calls, under names no formula's function can take
    "_zip": zip,
    "_tuple": tuple,
}

#: Terms per statement in a gradient sum (the compiler recurses once per term).
_MAX_TERMS = 200
#: An n-ary equation with at most this many operands is written out (``b + w0 * a0 +
#: ...``); beyond, the generated code calls the table's rule.
_MAX_EXPANDED = 400
#: How deep a gradient used once may be written into the expression that uses it.
_MAX_INLINE = 16
#: From how many products on a sum is written as ``_sum(_map(_mul, xs, ys), start)``.
_MIN_MAPPED = 6
#: The letters before the number of the generated code's own variables (``v3``, ``g3``,
#: ``T7``; the array backend's ``X1``, ``GS1``, ...).
_LOCAL_PREFIXES = frozenset(
    ["v", "g", "T", "P", "s", "a", "h", "c", "X", "W", "S", "A", "G", "D", "GS"]
)


@dataclass
class Code:
    """The written step: its source and the names it needs."""

    source: str
    namespace: dict[str, object]


def write(program: Program, loop: Loop | None = None) -> Code:
    """The step function ``_step`` for ``program``, as source (with a loop over samples
    where ``loop`` is given)."""
    writer = Writer(program)
    source = writer.looped(loop) if loop is not None else writer.straight()
    return Code(source, writer.namespace)


def _is_local_name(name: str) -> bool:
    """Whether ``name`` could clash with a variable of the generated code."""
    letters = name.rstrip("0123456789")
    return name.startswith("_") or (letters in _LOCAL_PREFIXES and letters != name)


def _product(d: str, g: str) -> str:
    # times 1.0 is exact, nan included: leave it out
    return g if d == "1.0" else d if g == "1.0" else f"{d} * {g}"


@dataclass(frozen=True)
class Formulas:
    """A primitive's formulas as format functions (a constant derivative as its text)."""

    forward: Callable[..., str]
    dx: Callable[..., str] | str | None
    dy: Callable[..., str] | str | None
    #: for a gate: the test that its derivative is on, ``(x > 0.0)``, else None
    switch: Callable[..., str] | None
    #: for a gate: whether its derivative is always 0.0 (stop_gradient)
    never: bool


@dataclass(frozen=True)
class _Rule:
    """An n-ary rule written as code for one shape of operand groups: per result (the
    forward, or each operand's partial) the operand's index (it is that operand) or a
    format template over the operands; for the forward, its sum of products, if any."""

    codes: list[int | str]
    products: tuple[int, list[tuple[int, int]]] | None = None


class Writer:
    """Writes one ``_step`` function: ``lines`` of its body and the ``namespace`` it runs in."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.lines: list[str] = []
        self.namespace: dict[str, object] = dict(_HELPERS)
        self.names: dict[Var, str] = {}  # each Var's variable
        self.tuples: dict[tuple, str] = {}  # n-ary operand groups passed to a rule, as code
        self.formulas_of: dict[int, Formulas] = {}  # each primitive's formulas, by id
        self.functions: dict[int, dict[str, str]] = {}
        self.rule_names: dict[tuple[int, str], str] = {}  # n-ary rules called at replay
        self.rules: dict[tuple, _Rule | None] = {}  # n-ary rules by shape, as code
        self.operands: dict[Eqn, list[str]] = {}  # an n-ary equation's operands, as code
        self.inner: dict[Eqn, str] = {}  # an Activated equation's inner result, its variable
        self.slopes: dict[Eqn, str] = {}  # and its activation's derivative there
        self.gated = False  # any gate in the graph (see gate())
        self.terms: dict[Var, list] = {}  # the code of each term d * g, per Var
        self.nested: dict[Var, int] = {}  # how deep the deepest written-in gradient is
        self.sums: set[str] = set()  # variables of gradients summed across a loop
        # inside a loop over samples: the variable each outside gradient is summed in
        # (None: no gradient wanted, for an input or a loop variable)
        self.into: dict[Var, str | None] | None = None
        self.saved: list[str] | None = None  # while writing a loop: what it must keep
        self.count = itertools.count()

    # -- the whole function ------------------------------------------------------------------
    def straight(self) -> str:
        program = self.program
        self.read_leaves()
        self.forward(program.eqns)
        self.forward(program.compared)
        self.guards()
        for e in reversed(program.eqns):
            self.visit(e)
        self.write_grads()
        return self.function()

    def looped(self, loop: Loop) -> str:
        """The step with its per-sample part once, as loops over the samples: the forward
        pass keeps each sample's numbers in ``_S``, the backward pass visits the samples
        in the engine's order, summing each gradient the samples share in a variable, term
        by term, as ``backward()`` adds into ``.grad``."""
        lines, names = self.lines, self.names
        self.read_leaves()
        self.forward(loop.before)
        constants = [self.name_of(c) for c in loop.constants]
        self.table(loop)
        self.namespace["_ORDER"] = loop.order
        # forward, sample by sample
        lines.append("_S = []")
        lines.append("for _c in _C:")
        start = len(lines)
        if constants:
            lines.append(f"{', '.join(constants)}, = _c")
        self.tuples = {}
        saved = self.saved = []
        self.forward(loop.template)
        self.saved = None
        kept = ", ".join(saved)
        lines.append(f"_S.append(({kept},))")
        indent(lines, start)
        at = saved.index(names[loop.result])
        results = [self.name_of(r) for r in loop.results]
        lines.append(f"{', '.join(results)}, = [_s[{at}] for _s in _S]")
        self.tuples = {}
        self.forward(loop.after)
        # backward: what lies above the samples, then the samples, then what they share
        lines.append(f"_G = ({', '.join(self.above_samples(loop))},)")
        into = self.sums_across(loop)
        lines.append("for _k in _ORDER:")
        start = len(lines)
        lines.append(f"{kept}, = _S[_k]")
        if constants:
            lines.append(f"{', '.join(constants)}, = _C[_k]")
        self.tuples = {}
        self.into = into
        for e in reversed(loop.template):
            self.visit(e, "_G[_k]" if e.out is loop.result else None)
        self.into = None
        indent(lines, start)
        self.tuples = {}
        for w, kept_total in into.items():
            if kept_total is not None:
                self.terms[w] = [kept_total]
        for e in loop.below:
            self.visit(e)
        self.write_grads()
        return self.function()

    def above_samples(self, loop: Loop) -> list[str]:
        """Write the backward pass above the samples; the code of each sample's gradient."""
        for e in loop.above:
            self.visit(e)
        grads = []
        for r in loop.results:
            name, ts = "g" + self.names[r][1:], self.terms.pop(r, ["0.0"])
            grads.append(self.total(name, ts, self.nested.pop(r, 0), False)[0])
        return grads

    def sums_across(self, loop: Loop) -> dict[Var, str | None]:
        """The variable each gradient the samples share is summed in, started with its
        terms so far (None: no gradient wanted, for an input or a loop variable)."""
        into: dict[Var, str | None] = {c: None for c in loop.constants}
        into.update((v, None) for v in self.program.inputs)
        own = {e.out for e in loop.template}
        for e in loop.template:
            for v in e.vars():
                if v in own or v in into:
                    continue
                total = "g" + self.names[v][1:]
                into[v] = total
                self.sums.add(total)
                # from 0.0 as backward() starts (a few statements if very many terms)
                self.total(total, ["0.0", *self.terms.pop(v, ())], self.nested.pop(v, 0), False)
        return into

    def table(self, loop: Loop) -> None:
        """``_C``, the loop variables' numbers sample by sample: made once where they are
        constants; where some are inputs, zipped on every call from their columns."""
        if not any(isinstance(x, Var) for row in loop.table for x in row):
            self.namespace["_C"] = loop.table
            return
        columns = []
        for j, column in enumerate(zip(*loop.table)):
            if any(isinstance(x, Var) for x in column):
                columns.append("(" + ", ".join(map(self.value, column)) + ",)")
            else:
                self.namespace[f"_K{j}"] = column
                columns.append(f"_K{j}")
        self.lines.append(f"_C = _tuple(_zip({', '.join(columns)}))")

    def function(self) -> str:
        self.lines.append(f"return {self.value(self.program.out)}")
        body = "".join(f"    {line}\n" for line in self.lines)
        return f"def _step(_P=_P, _I=_I):\n{body}"

    def read_leaves(self) -> None:
        """The params' and inputs' numbers into local variables."""
        for group, values in (("_P", self.program.params), ("_I", self.program.inputs)):
            if values:
                targets = ", ".join(self.name_of(v) for v in values)
                self.lines.append(f"{targets}, = _map(_data, {group})")

    # -- names and literals ----------------------------------------------------------------
    def name_of(self, v: Var) -> str:
        name = self.names[v] = repr(v)
        return name

    def literal(self, f: float) -> str:
        f = float(f)
        if math.isfinite(f):
            text = repr(f)  # repr round-trips a float exactly
            return f"({text})" if text[0] == "-" else text
        name = f"_k{next(self.count)}"  # inf and nan have no literal: bind the float
        self.namespace[name] = f
        return name

    def value(self, a: Atom | None) -> str:
        """An input as code: its variable if it is a Var, else its number."""
        name = self.names.get(a)  # type: ignore[arg-type] # numbers and None are never keys
        if name is not None:
            return name
        return "None" if a is None else self.literal(a)  # type: ignore[arg-type]

    def rule_name(self, p: NaryPrimitive, which: str) -> str:
        """The name an n-ary rule (``forward`` or ``partials``) is bound to, one per rule
        object: two primitives may share a name."""
        key = (id(p), which)
        name = self.rule_names.get(key)
        if name is None:
            readable = f"{p.name}_" if p.name.isidentifier() else ""  # if a name at all
            name = self.rule_names[key] = f"_{which[0]}_{readable}{next(self.count)}"
            self.namespace[name] = getattr(p, which)
        return name

    def group(self, items: tuple) -> str:
        """A tuple of code items for calling an n-ary rule; made once, as a variable (by
        its code: 0.0 and -0.0 are two tuples)."""
        key = items
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
                bound, fn = self.bind(name, fn)
                # One name, two meanings (two primitives' functions, or a helper), or a
                # name the generated code uses for its own variables: renamed.
                if self.namespace.get(bound, fn) is not fn or _is_local_name(bound):
                    bound = f"f{next(self.count)}_{name}"
                self.namespace[bound] = fn
                names[name] = bound
        return names

    def formulas(self, p: Primitive) -> Formulas:
        """p's forward formula, d/dx, d/dy and switch, as format functions."""
        known = self.formulas_of.get(id(p))
        if known is not None:
            return known
        names = self.function_names(p)
        rules: list[Any] = []
        for text in (p.dx, p.dy):
            if text is None:
                rules.append(None)
                continue
            f = self.formula(text)
            if f.constant is not None:
                rules.append(self.literal(f.constant))
            elif f.atom:
                rules.append(f.template(names).format)
            else:  # the operand of ``* g``: in parentheses
                rules.append(f"({f.template(names)})".format)
        switch, never = None, False
        if p.gate:
            dx = formula(p.dx)
            never = dx.constant == 0.0
            # the test of ``1.0 if C else 0.0``, or the derivative itself (1.0 or 0.0)
            test = self.formula((dx.condition or dx).text)
            switch = f"({test.template(names)})".format
        done = self.formulas_of[id(p)] = Formulas(
            self.formula(p.forward).template(names).format, rules[0], rules[1], switch, never
        )
        return done

    def formula(self, text: str) -> Formula:
        """A rule's text, parsed (``autograd.compile.arrays`` rewrites it for arrays)."""
        return formula(text)

    def bind(self, name: str, fn: Callable) -> tuple[str, Callable]:
        """The name and function a formula's ``name`` is bound to in the code."""
        return name, fn

    def switched(self, g: str, test: str) -> str:
        """``g`` where ``test`` holds, else 0.0: a gate's gradient."""
        return f"{g} if {test} else 0.0"

    def add_across(self, total: str, term: str | tuple[str, str]) -> str:
        """The statement adding one sample's term to a gradient summed across samples."""
        return f"{total} = {total} + {term if isinstance(term, str) else _product(*term)}"

    def rule(self, p: NaryPrimitive, which: str, sizes: tuple[int, ...]) -> _Rule | None:
        """p's forward or partials for operand groups of these sizes, as code over the
        operands; None where the rule must be called at replay."""
        key = (id(p), which, sizes)
        if key in self.rules:
            return self.rules[key]
        found = None
        if which == "forward":
            if symbolic.SEQUENTIAL_SUM and sum(sizes) <= _MAX_EXPANDED:
                out = symbolic.run(p.forward, sizes)
                code = self.code(out, symbolic.ADD)
                if code is not None:
                    products = symbolic.sum_of_products(out)
                    if products is not None and len(products[1]) < _MIN_MAPPED:
                        products = None
                    found = _Rule([code], products)
        else:
            try:
                parts = [list(g) for g in symbolic.run(p.partials, sizes)]
            except TypeError:  # None, or not sequences
                parts = []
            if [len(g) for g in parts] == list(sizes):
                codes = [self.code(d, symbolic.MUL) for g in parts for d in g]
                if None not in codes:
                    found = _Rule(codes)  # type: ignore[arg-type]
        self.rules[key] = found
        return found

    def code(self, x: object, prec: int) -> int | str | None:
        """A rule's result as the index of the operand it is, or a format template over the
        operands (in parentheses if needed as an operand of ``prec``), or None."""
        if isinstance(x, symbolic.Sym) and x.op == "operand":
            return x.args[0]
        written = symbolic.template(x, self.literal)
        if written is None:
            return None
        text, own = written
        return text if own >= prec or type(x) in (float, int) else f"({text})"

    # -- forward ---------------------------------------------------------------------------
    def forward(self, eqns: list[Eqn]) -> None:
        lines, saved, known = self.lines, self.saved, self.formulas_of
        value = self.value
        for e in eqns:
            p = e.prim
            if e.sizes is not None:
                code = self.nary_forward(e)
            else:
                x, y = e.args
                fwd = (known.get(id(p)) or self.formulas(p)).forward  # type: ignore[arg-type]
                code = fwd(x=value(x), y=value(y), out="None")
            name = self.name_of(e.out)
            lines.append(f"{name} = {code}")
            if saved is not None:
                saved.append(name)
            if isinstance(p, Activated):  # the activation's slope, for the edges
                act = self.formulas(p.act)
                if p.act.gate:  # only tested for 0 (see gate()): written into that test
                    self.slopes[e] = act.switch(x=self.inner[e], y="None", out=name)  # type: ignore[misc]
                else:
                    dx = act.dx
                    code = dx if isinstance(dx, str) else dx(x=self.inner[e], y="None", out=name)  # type: ignore[misc]
                    slope = self.slopes[e] = f"a{name[1:]}"
                    lines.append(f"{slope} = {code}")
                    if saved is not None:
                        saved.append(slope)

    def nary_forward(self, e: Eqn) -> str:
        p = e.prim
        if isinstance(p, Activated):  # s = the inner primitive; out = the activation of s
            s = self.inner[e] = f"s{next(self.count)}"
            self.lines.append(f"{s} = {self.nary_code(e, p.inner)}")
            if self.saved is not None:
                self.saved.append(s)
            return self.formulas(p.act).forward(x=s, y="None", out="None")
        return self.nary_code(e, p)  # type: ignore[arg-type]

    def nary_code(self, e: Eqn, p: NaryPrimitive) -> str:
        operands = self.operands[e] = [self.value(a) for a in e.args]
        rule = self.rule(p, "forward", e.sizes)  # type: ignore[arg-type]
        if rule is not None:
            d = rule.codes[0]
            if type(d) is int:
                return operands[d]
            if rule.products is not None:  # start + a0 * b0 + ...: as a sum of a map
                start, pairs = rule.products
                left = self.group(tuple(operands[i] for i, _ in pairs))
                right = self.group(tuple(operands[j] for _, j in pairs))
                return f"_sum(_map(_mul, {left}, {right}), {operands[start]})"
            return d.format(*operands)  # type: ignore[union-attr]
        fname = self.rule_name(p, "forward")
        args = ", ".join(self.group(tuple(map(self.value, g))) for g in e.groups)
        return f"{fname}({args})"

    def guards(self) -> None:
        """Check again every comparison fn made on a Var."""
        for g in self.program.guards:
            test = f"{self.value(g.left)} {g.op} {self.value(g.right)}"
            self.lines.append(f"if {'not ' if g.outcome else ''}{test}: raise _BranchChanged")

    # -- backward --------------------------------------------------------------------------
    def visit(self, e: Eqn, g: str | None = None) -> None:
        """Write the gradient of ``e.out`` (``g``, if given, is its code already) and add
        its terms to its inputs'."""
        names, terms, nested = self.names, self.terms, self.nested
        out = e.out
        edges = self.edges(e)
        if g is not None:
            depth = 0
        elif out is self.program.out:
            g, depth = "1.0", 0
        elif out not in terms:  # only a stop-gradient uses it: no gradient reaches it
            return
        else:
            name = "g" + names[out][1:]
            inline = len(edges) == 1
            g, depth = self.total(name, terms.pop(out), nested.pop(out, 0), inline)
        gate = self.gate(e)
        if gate:  # a neuron with a gate: its gradient where on, else 0.0 for every edge
            h = "h" + names[out][1:]
            self.lines.append(f"{h} = {self.switched(g, gate)}")
            g, depth = h, 0
        into = self.into
        for v, d in edges:
            # a term d * g, written out in total(); a one-operand gate's d is its switch:
            # pass g on, or nothing
            t = f"({self.switched(g, d)})" if gate == "" else (d, g)
            if into is not None and v in into:  # a sum kept across a loop over samples
                total = into[v]
                if total is not None:
                    self.lines.append(self.add_across(total, t))
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
        terms, nested, names, params = self.terms, self.nested, self.names, self.program.params
        out = self.program.out
        if isinstance(out, Var) and out in params:  # the loss is a param itself
            terms[out] = ["1.0"]
        # from 0.0: exactly backward() after zero_grad(), down to the sign of a zero (a sum
        # kept across a loop over samples starts from 0.0 already); a param the loss does
        # not use is left at 0.0
        all_terms = [
            [*(() if terms.get(p, ("",))[0] in self.sums else ("0.0",)), *terms.pop(p, ())]
            for p in params
        ]
        grads = []
        for p, ts, peel in zip(params, all_terms, _shared_splits(all_terms)):
            grads.append(self.total("g" + names[p][1:], ts, nested.pop(p, 0), False, peel)[0])
        # A loop, not a helper function: CPython 3.11 specialises a function's code once its
        # loops have jumped back a few times, so this makes the step fast from its second
        # call on, not from its ninth (straight-line code only counts calls).
        self.lines.append(f"_grads = ({', '.join(grads)},)")
        if self.gated:
            self.lines.append("if not _isfinite(_sum(_grads)): raise _NotFinite")
        self.lines.append("for _param, _grad in _zip(_P, _grads):")
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
            symbolic.SEQUENTIAL_SUM
            and len(pairs) - peel >= _MIN_MAPPED
            and all(type(t) is tuple for t in pairs)
        ):
            first = " + ".join(["0.0", *(_product(*t) for t in pairs[:peel])])
            ds = self.group(tuple(d for d, _ in pairs[peel:]))
            gs = self.group(tuple(g for _, g in pairs[peel:]))
            self.lines.append(f"{name} = _sum(_map(_mul, {ds}, {gs}), {first})")
            return name, 0
        terms = [t if isinstance(t, str) else _product(*t) for t in terms]
        if len(terms) == 1 and terms[0].isidentifier():
            return terms[0], nested
        if inline and nested < _MAX_INLINE and len(terms) <= _MAX_TERMS:
            return f"({' + '.join(terms)})", nested + 1
        lines = self.lines
        lines.append(f"{name} = {' + '.join(terms[:_MAX_TERMS])}")
        for i in range(_MAX_TERMS, len(terms), _MAX_TERMS):
            lines.append(f"{name} = {name} + {' + '.join(terms[i : i + _MAX_TERMS])}")
        return name, 0

    def gate(self, e: Eqn) -> str | None:
        """None if the equation's gradient always flows; else the code of its on/off switch
        (the empty string: each edge's switch, from ``edges``, is its own).

        Where a gate is off the engine keeps no edge; this code adds 0.0 instead, or
        ``x * 0.0`` for an operand x: the same sums, down to the sign of a zero, unless x is
        inf or nan. A gradient that comes out non-finite therefore sends the step to the
        engine, which gives its own answer.
        """
        p = e.prim
        if isinstance(p, Activated):
            if not p.act.gate:
                return None
            self.gated = True
            return self.slopes[e]
        if not getattr(p, "gate", False):
            return None
        self.gated = True
        return ""

    def edges(self, e: Eqn) -> list[tuple[Var, str]]:
        """(input, code of d out / d input) for each Var input, in the engine's order; for
        a one-operand gate, the code of its switch instead."""
        if e.sizes is not None:
            return self.nary_edges(e)
        p: Primitive = e.prim  # type: ignore[assignment]
        rules = self.formulas_of.get(id(p)) or self.formulas(p)
        x, y = e.args
        fields = {"x": self.value(x), "y": self.value(y), "out": self.names[e.out]}
        if p.gate:
            if rules.never or not isinstance(x, Var):  # stop_gradient: no edge at all
                return []
            return [(x, rules.switch(**fields))]  # type: ignore[misc]
        edges = []
        for v, rule in ((x, rules.dx), (y, rules.dy)) if rules.dy is not None else ((x, rules.dx),):
            if not isinstance(v, Var):  # a constant
                continue
            # a constant derivative is its text already
            edges.append((v, rule if isinstance(rule, str) else rule(**fields)))  # type: ignore[misc]
        return edges

    def nary_edges(self, e: Eqn) -> list[tuple[Var, str]]:
        p = e.prim
        if isinstance(p, Activated):  # the inner partials times the activation's slope
            edges = self.inner_edges(e, p.inner)
            if p.act.gate:  # 1.0 or 0.0: the gradient is switched instead (see gate())
                return edges
            slope = self.slopes[e]
            return [(v, f"({slope} * {d})") for v, d in edges]
        return self.inner_edges(e, p)  # type: ignore[arg-type]

    def inner_edges(self, e: Eqn, p: NaryPrimitive) -> list[tuple[Var, str]]:
        rule = self.rule(p, "partials", e.sizes)  # type: ignore[arg-type]
        if rule is None:  # call the rule at replay, once for this equation
            name = f"P{next(self.count)}"
            fname = self.rule_name(p, "partials")
            args = ", ".join(self.group(tuple(map(self.value, g))) for g in e.groups)
            self.lines.append(f"{name} = (*_chain({fname}({args})),)")
            codes: list[int | str] = [f"{name}[{i}]" for i in range(len(e.args))]
            operands: list[str] = []
        else:
            codes = rule.codes
            operands = self.operands.pop(e, []) or [self.value(a) for a in e.args]
        edges = []
        for a, d in zip(e.args, codes):
            if isinstance(a, Var):
                edges.append((a, operands[d] if type(d) is int else d.format(*operands)))  # type: ignore[union-attr]
        return edges


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


def indent(lines: list[str], start: int) -> None:
    lines[start:] = ["    " + line for line in lines[start:]]
