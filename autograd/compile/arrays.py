"""The array backend: a loop over samples run as numpy operations along the sample axis.

``compile(fn, params, backend="numpy")``. Where the plain backend writes a loss summed over
samples as a Python loop (``autograd.compile.loops``), this one writes the loop's
equations once over whole arrays, one entry per sample: a loop variable ``c0`` is a row of
the samples' numbers, an equation's output is an array, a formula of the table is
rewritten for arrays (``a if c else b`` becomes ``where(c, a, b)``), and the gradient a
shared Var (a param) gets from the samples is the sum of their terms. The neurons of one
layer (``dot`` or ``relu(dot)`` equations over the same inputs, with params as weights
and bias) are one matrix each:

    S = B[:, None] + W[:, 0:1] * X[0] + W[:, 1:2] * X[1] + ...   A = where(S <= 0.0, 0.0, S)
    GS = where(S > 0.0, G, 0.0)   dW = GS @ X.T   dB = GS.sum(1)   dX = W.T @ GS

The forward pass is the engine's bit for bit: a neuron's sum is added in the engine's
order, each array ``+ - * /`` and ``sqrt`` is the float one (IEEE), every other function
is the engine's own float function called per sample, and a primitive from
``define_primitive`` runs as its float formulas per sample. So a relu's test at 0 comes
out as on the engine; and what raises in Python raises here (numpy's ``errstate`` for
``x / 0`` and the like), so the call runs on the engine, which raises its own error.
The backward pass adds in another order (matrix products, the sum over samples), so
gradients may differ from the engine's in the last places of their largest terms (the
tests bound it: 1e-12 relative to the largest gradient). Everything outside the loop
(what comes before, the sum over samples, what comes after) is the plain backend's code.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..primitives import BUILT_IN, FLOAT_FUNCTIONS, NARY_PRIMITIVES, Activated, Primitive
from ..rules import Formula, float_rules, formula
from . import symbolic
from .codegen import Code, Formulas, Writer, indent
from .ir import Eqn, Program, Var
from .loops import Loop

try:
    import numpy as np
except ImportError:  # an optional extra: chainrule[fast]
    np = None  # type: ignore[assignment]

__all__ = ["AVAILABLE", "write"]

#: Whether numpy can be imported (``pip install 'chainrule[fast]'``).
AVAILABLE = np is not None


def write(program: Program, loop: Loop) -> Code | None:
    """The step with ``loop`` as array code; None where a formula cannot be written for
    arrays (the plain backend's loop is used then)."""
    if not symbolic.SEQUENTIAL_SUM:  # the engine's sums would not be the arrays' sums
        return None
    writer = _ArrayWriter(program, loop)
    try:
        source = writer.looped(loop)
    except _NotForArrays:
        return None
    return Code(source, writer.namespace)


class _NotForArrays(Exception):
    """What array code cannot do as the floats do: a formula with ``and``, ``or``, ``not``,
    ``a < b < c`` or ``**``, or an n-ary rule that must be called on numbers."""


# -- the table's formulas, for arrays -------------------------------------------------------


#: The float helpers numpy computes with the same answer, bit for bit and IEEE case by case
#: (each is correctly rounded, or exact): the others are the float functions themselves,
#: called per sample (see ``_per_sample``).
_EXACT_IN_NUMPY: dict[str, Callable[[], Callable[..., Any]]] = {
    "abs": lambda: np.abs,
    "sqrt": lambda: np.sqrt,  # IEEE: correctly rounded, in numpy as in math
    "iszero": lambda: lambda x: np.equal(x, 0.0),
    # 1/x; at +-0 the helper gives +-inf, here errstate raises and the engine answers
    "reciprocal": lambda: lambda x: np.divide(1.0, x),
}


def _per_sample(fn: Callable[..., float]) -> Callable[..., Any]:
    """``fn`` applied entry by entry: the float function itself, so the same number and the
    same error (a domain error raises, and the call runs on the engine) as the engine's.
    numpy's own exp, log or tanh may differ from ``math``'s in the last place, which a
    derivative such as tanh's ``1 - out * out`` can make large, and a relu's test flip."""
    ufuncs: dict[int, Any] = {}  # by the number of arguments of a call (a builtin may vary)

    def apply(*args: Any) -> Any:
        ufunc = ufuncs.get(len(args))
        if ufunc is None:
            ufunc = ufuncs[len(args)] = np.frompyfunc(fn, len(args), 1)
        out = ufunc(*args)
        return out.astype(float) if isinstance(out, np.ndarray) else float(out)

    return apply


class _Vectorise(ast.NodeTransformer):
    """``a if c else b`` as ``_where(c, a, b)``: both sides are computed, one is kept."""

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        self.generic_visit(node)
        where = ast.Name("_where", ast.Load())
        return ast.Call(where, [node.test, node.body, node.orelse], [])

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        raise _NotForArrays(ast.unparse(node))

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        if isinstance(node.op, ast.Not):
            raise _NotForArrays(ast.unparse(node))
        return self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        if isinstance(node.op, ast.Pow):  # numpy's power is not Python's, bit for bit
            raise _NotForArrays(ast.unparse(node))
        return self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        if len(node.ops) > 1:
            raise _NotForArrays(ast.unparse(node))
        return self.generic_visit(node)


_vectorised: dict[str, str] = {}


def _for_arrays(text: str) -> str:
    out = _vectorised.get(text)
    if out is None:
        tree = _Vectorise().visit(ast.parse(text, mode="eval"))
        out = _vectorised[text] = ast.unparse(ast.fix_missing_locations(tree))
    return out


# -- layers: neurons over the same inputs, as one matrix product ----------------------------


@dataclass
class _Layer:
    """Consecutive equations of the loop, ``act(dot(weights, xs, (bias,)))`` each, over the
    same xs, with params as weights and biases."""

    members: list[Eqn]
    act: Primitive | None  #: the activation (None: a plain dot)
    weights: list[list[int]]  #: each weight's index in the params, by neuron and input
    biases: list[int]
    xs: tuple[Var, ...]


def _layers(program: Program, loop: Loop) -> dict[Eqn, _Layer]:
    """The layers among the loop's equations, by each member."""
    dot = NARY_PRIMITIVES["dot"]
    index = {p: i for i, p in enumerate(program.params)}
    per_sample = set(loop.constants)
    for e in loop.template:
        if any(v in per_sample for v in e.vars()):
            per_sample.add(e.out)
    position = {e: k for k, e in enumerate(loop.template)}
    consumers: dict[Var, list[int]] = {}
    for k, e in enumerate(loop.template):
        for v in e.vars():
            consumers.setdefault(v, []).append(k)

    def neuron(e: Eqn) -> tuple | None:
        p = e.prim
        act = p.act if isinstance(p, Activated) else None
        if (p.inner if isinstance(p, Activated) else p) is not dot or e.sizes is None:
            return None
        n, m, one = e.sizes
        if n != m or one != 1:
            return None
        ws, xs, (b,) = e.groups
        if not all(v in index for v in ws):  # dot(xs, ws, b) computes the same products
            ws, xs = xs, ws
        weights = [index.get(v) for v in ws if isinstance(v, Var)]
        bias = index.get(b) if isinstance(b, Var) else None
        inputs = tuple(v for v in xs if isinstance(v, Var) and v in per_sample)
        if None in weights or len(weights) != n or bias is None or len(inputs) != n:
            return None
        return act, weights, bias, inputs

    found: dict[Eqn, _Layer] = {}
    current: _Layer | None = None
    for e in loop.template:
        shape = neuron(e)
        if shape is None:
            current = None
            continue
        act, ws, b, xs = shape
        if current is not None and current.act is act and current.xs == xs:
            current.members.append(e)
            current.weights.append(ws)
            current.biases.append(b)
        else:
            current = _Layer([e], act, [ws], [b], xs)
        found[e] = current
    layers = {id(layer): layer for layer in found.values()}.values()
    keep: dict[Eqn, _Layer] = {}
    for layer in layers:
        used = [i for row in layer.weights for i in row] + layer.biases
        last = position[layer.members[-1]]
        # each param once (a += on an index array adds once per index), and every use of
        # a neuron after the whole layer (its gradient is complete when the layer's is due)
        if len(set(used)) == len(used) and all(
            k > last for e in layer.members for k in consumers.get(e.out, ())
        ):
            keep.update((e, layer) for e in layer.members)
    return keep


# -- the writer -----------------------------------------------------------------------------


class _ArrayWriter(Writer):
    def __init__(self, program: Program, loop: Loop) -> None:
        super().__init__(program)
        self.array = False
        self.layers = _layers(program, loop)
        self.matrix: dict[int, tuple[int, str]] = {}  # each layer's number and output matrix
        self.matrix_grads: dict[int, str] = {}  # a layer's gradient, as a matrix
        self.floats = (self.formulas_of, self.functions)
        self.arrays: tuple[dict, dict] = ({}, {})
        self.namespace.update(
            _where=np.where,
            _errstate=np.errstate,
            _stack=np.stack,
            _asarray=np.asarray,
            _zeros=np.zeros,
            _fromiter=np.fromiter,
            _float=float,
            _red=_reduce,
            _rows=_rows,
        )

    # -- formulas and helpers in array mode -------------------------------------------------
    def arrays_on(self, on: bool) -> None:
        self.array = on
        self.formulas_of, self.functions = self.arrays if on else self.floats

    def formula(self, text: str) -> Formula:
        return formula(_for_arrays(text)) if self.array else formula(text)

    def formulas(self, p: Primitive) -> Any:
        """A primitive from ``define_primitive``, over arrays: its formulas as the engine's
        own float functions (``autograd.rules.float_rules``), called per sample. Its
        formulas may do anything (``**``, a guarded ``log``) that ``where`` would not do
        as floats do: ``where`` computes both sides."""
        known = self.formulas_of.get(id(p))
        if known is not None or not self.array or p in BUILT_IN:
            return known or super().formulas(p)
        rules = float_rules(p)
        names = []
        for which, fn in zip(("forward", "dx", "dy"), rules):
            name = f"np_{p.name}_{which}"
            self.namespace[name] = _per_sample(fn)
            names.append(name)
        constants = [
            None
            if text is None or formula(text).constant is None
            else self.literal(formula(text).constant)  # type: ignore[arg-type]
            for text in (p.dx, p.dy)
        ]

        def call(name: str, *fields: str) -> Callable[..., str]:
            return lambda x, y, out: (
                f"{name}({', '.join({'x': x, 'y': y, 'out': out}[f] for f in fields)})"
            )

        dx = constants[0] or call(names[1], "x", "y", "out")
        dy = None if p.dy is None else constants[1] or call(names[2], "x", "y", "out")
        done = self.formulas_of[id(p)] = Formulas(call(names[0], "x", "y"), dx, dy, None, False)
        return done

    def bind(self, name: str, fn: Callable) -> tuple[str, Callable]:
        if not self.array:
            return name, fn
        exact = _EXACT_IN_NUMPY.get(name)
        if exact is not None and fn is FLOAT_FUNCTIONS.get(name):
            return f"np_{name}", exact()
        return f"np_{name}", _per_sample(fn)

    def rule_name(self, p: Any, which: str) -> str:
        if self.array:  # a rule called at replay takes numbers, not rows of them
            raise _NotForArrays(f"{p.name}'s {which} is called as it is")
        return super().rule_name(p, which)

    def switched(self, g: str, test: str) -> str:
        return f"_where({test}, {g}, 0.0)" if self.array else super().switched(g, test)

    def add_across(self, total: str, term: str | tuple[str, str]) -> str:
        if not self.array:
            return super().add_across(total, term)
        d, g = ("1.0", term) if isinstance(term, str) else term
        return f"{total} = {total} + _red({d}, {g}, _N)"

    # -- the step ---------------------------------------------------------------------------
    def looped(self, loop: Loop) -> str:
        lines, names = self.lines, self.names
        self.read_leaves()
        # from here on inside ``with _errstate(...)``: an array operation that would raise
        # in Python (x / 0, sqrt(-1)) or overflow raises FloatingPointError, and the call
        # runs on the engine, which raises its own error or gives its own inf
        body = len(lines)
        self.forward(loop.before)
        n = len(loop.table)
        self.namespace["_N"] = n
        # each loop variable's row of numbers: made once for constants, on every call for
        # inputs (compile(inputs=...): read on every call)
        columns = list(zip(*loop.table)) or [() for _ in loop.constants]
        for c, column in zip(loop.constants, columns):
            if any(isinstance(x, Var) for x in column):
                row = ", ".join(map(self.value, column))
                lines.append(f"{self.name_of(c)} = _asarray(({row},))")
            else:
                self.namespace[f"_CA{c.id}"] = np.array(column, dtype=float)
                lines.append(f"{self.name_of(c)} = _CA{c.id}")
        if self.layers:
            lines.append(f"_PD = _fromiter(_map(_data, _P), _float, {len(self.program.params)})")
        # forward, all samples at once
        self.arrays_on(True)
        self.tuples = {}
        done: set[int] = set()
        for e in loop.template:
            layer = self.layers.get(e)
            if layer is None:
                self.forward([e])
            elif id(layer) not in done:
                done.add(id(layer))
                self.layer_forward(layer)
        results = [self.name_of(r) for r in loop.results]
        lines.append(f"{', '.join(results)}, = _rows({names[loop.result]}, _N)")
        self.arrays_on(False)
        self.tuples = {}
        self.forward(loop.after)
        # backward: above the samples (plain), the samples (arrays), what they share (plain)
        lines.append(f"_G = _asarray(({', '.join(self.above_samples(loop))},))")
        into = self.sums_across(loop)
        if self.layers:
            lines.append(f"_GP = _zeros({len(self.program.params)})")
        self.arrays_on(True)
        self.tuples = {}
        self.into = into
        self.terms.setdefault(loop.result, []).append("_G")  # the samples' own gradients
        done.clear()
        for e in reversed(loop.template):
            layer = self.layers.get(e)
            if layer is None:
                self.visit(e)
            elif id(layer) not in done:
                done.add(id(layer))
                self.layer_backward(layer)
        self.into = None
        self.arrays_on(False)
        self.tuples = {}
        if self.layers:  # the layers' sums over samples, param by param
            lines.append("_gp = _GP.tolist()")
            used: set[int] = set()
            for layer in self.layers.values():
                used.update(layer.biases, *layer.weights)
            for i in sorted(used):
                summed = into[self.program.params[i]]
                lines.append(f"{summed} = {summed} + _gp[{i}]")
        for w, kept_total in into.items():
            if kept_total is not None:
                self.terms[w] = [kept_total]
        for e in loop.below:
            self.visit(e)
        self.gated = True  # arrays give inf or nan where the engine may raise: always check
        loss = self.value(self.program.out)
        self.lines.append(f"if not _isfinite({loss}): raise _NotFinite")  # before any .grad
        self.write_grads()
        self.lines.append(f"return {loss}")
        indent(lines, body)
        lines.insert(body, 'with _errstate(all="raise", under="ignore"):')
        text = "".join(f"    {line}\n" for line in lines)
        return f"def _step(_P=_P, _I=_I):\n{text}"

    # -- a layer as matrix products ---------------------------------------------------------
    def layer_forward(self, layer: _Layer) -> None:
        k = next(self.count)
        lines = self.lines
        self.namespace[f"_IW{k}"] = np.array(layer.weights, dtype=np.intp)
        self.namespace[f"_IB{k}"] = np.array(layer.biases, dtype=np.intp)
        below = self.layer_of(layer.xs)
        if below is not None:  # the inputs are a layer's outputs: its matrix as it is
            lines.append(f"X{k} = {self.matrix[id(below)][1]}")
        else:
            lines.append(f"X{k} = _stack(({', '.join(map(self.value, layer.xs))},))")
        lines.append(f"W{k} = _PD[_IW{k}]")
        # b + w0 * x0 + w1 * x1 + ..., added in the engine's order (a matrix product adds
        # in another, and a relu's test at 0 could come out the other way)
        terms = [f"W{k}[:, {j}:{j + 1}] * X{k}[{j}]" for j in range(len(layer.xs))]
        lines.append(f"S{k} = {' + '.join([f'_PD[_IB{k}][:, None]', *terms])}")
        out = f"S{k}"
        if layer.act is not None:
            out = f"A{k}"
            forward = (self.formulas_of.get(id(layer.act)) or self.formulas(layer.act)).forward
            lines.append(f"{out} = {forward(x=f'S{k}', y='None', out='None')}")
        self.matrix[id(layer)] = (k, out)
        # each neuron's output is a row, named for the equations that use it one by one
        lines.append(f"{', '.join(self.name_of(e.out) for e in layer.members)}, = {out}")

    def layer_of(self, xs: tuple[Var, ...]) -> _Layer | None:
        """The layer whose outputs are ``xs``, in order, if any."""
        for layer in self.layers.values():
            if len(layer.members) == len(xs) and all(e.out is v for e, v in zip(layer.members, xs)):
                return layer
        return None

    def layer_backward(self, layer: _Layer) -> None:
        k, out = self.matrix[id(layer)]
        lines, terms = self.lines, self.terms
        given = self.matrix_grads.pop(id(layer), None)  # from the layer above, as a matrix
        if given is not None and not any(e.out in terms for e in layer.members):
            g = given
        else:
            rows = []
            for i, e in enumerate(layer.members):
                ts = terms.pop(e.out, [])
                if given is not None:
                    ts = [*ts, f"{given}[{i}]"]
                if not ts:
                    rows.append("_zeros(_N)")
                    continue
                name = "g" + self.names[e.out][1:]
                rows.append(self.total(name, ts, self.nested.pop(e.out, 0), False)[0])
            g = f"G{k}"
            lines.append(f"{g} = _stack(({', '.join(rows)},))")
        if layer.act is not None:
            rules = self.formulas_of.get(id(layer.act)) or self.formulas(layer.act)
            fields = {"x": f"S{k}", "y": "None", "out": out}
            if layer.act.gate:
                lines.append(f"GS{k} = _where({rules.switch(**fields)}, {g}, 0.0)")  # type: ignore[misc]
            else:
                dx = rules.dx
                slope = dx if isinstance(dx, str) else dx(**fields)  # type: ignore[misc]
                lines.append(f"GS{k} = {g} * {slope}")
            g = f"GS{k}"
        lines.append(f"_GP[_IW{k}] += {g} @ X{k}.T")
        lines.append(f"_GP[_IB{k}] += {g}.sum(1)")
        into = self.into or {}
        if any(v not in into for v in layer.xs):  # some inputs want a gradient
            lines.append(f"D{k} = W{k}.T @ {g}")
            below = self.layer_of(layer.xs)
            if below is not None:
                self.matrix_grads[id(below)] = f"D{k}"
                return
            for i, v in enumerate(layer.xs):
                if v not in into:
                    terms.setdefault(v, []).append(f"D{k}[{i}]")


def _reduce(d: Any, g: Any, n: int) -> float:
    """The sum over samples of the terms ``d * g`` (either may be one number for all: a
    float, or a 0-d array from ``where`` over numbers), as a Python float."""
    d = d if np.ndim(d) else float(d)
    g = g if np.ndim(g) else float(g)
    if type(d) is np.ndarray:
        return float(d @ g) if type(g) is np.ndarray else float(d.sum()) * g
    if type(g) is np.ndarray:
        return d * float(g.sum())
    return float(n * d * g)


def _rows(x: Any, n: int) -> list[float]:
    """Each sample's number: the entries of ``x``, or ``x`` for all where it is one."""
    return np.broadcast_to(x, (n,)).tolist()
