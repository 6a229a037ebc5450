"""The intermediate form: a traced step as a list of equations, much like JAX's jaxpr.

``lower`` reads the graph ``fn`` built during the trace and writes it as a ``Program``: one
``Eqn`` (primitive, inputs, output) per node that depends on a param or an input, operands
first, in the order the engine made them. Such a node is a ``Var``; every other number
(a constant, a Value that does not follow the params) is written in as a float, its value
at the trace. The comparisons ``fn`` made on Vars become ``Guard``s. Nothing here changes
the user's graph, and a ``Program`` keeps no reference to it.

Printed (``CompiledStep.ir``), for ``(dot(w, [2.0, 3.0], b).tanh() - 0.5) ** 2``:

    params v0 v1 v2
      v3 = dot((v0, v1), (2.0, 3.0), (v2,))
      v4 = tanh(v3)
      v5 = sub(v4, 0.5)
      v6 = pow(v5, 2.0)
    loss v6

The rest of the compiler works on this form only: ``autograd.compile.loops`` finds a loop
over samples in it, ``autograd.compile.codegen`` writes it as Python.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from ..node import MANY, below, operands
from ..primitives import Activated, NaryPrimitive, Primitive
from ..value import Value

__all__ = ["Atom", "Eqn", "Guard", "Program", "Var", "lower"]


class Var:
    """A number of the step that follows the params or inputs: a param, an input or an
    equation's output. Compared by identity."""

    __slots__ = ("id", "kind")

    def __init__(self, id: int, kind: str = "v") -> None:  # noqa: A002 - jaxpr's word
        self.id, self.kind = id, kind

    def __repr__(self) -> str:
        """Its name, the same in the printed form and in the generated code: ``v3``, or
        ``c0`` for a loop variable."""
        return f"{self.kind}{self.id}"


#: An equation's input: a Var, or a number fixed at the trace (None: no second operand).
Atom = Var | float


@dataclass(frozen=True, eq=False, slots=True)
class Eqn:
    """``out = prim(*args)``: one node of the traced graph.

    A one- or two-operand primitive has ``args == (x, y)`` (``y`` None for one operand) and
    ``sizes`` None; an n-ary one (``sum``, ``dot``, a fused neuron) has its operands flat in
    ``args`` and the sizes of its groups in ``sizes``."""

    prim: Primitive | NaryPrimitive | Activated
    args: tuple[Atom | None, ...]
    sizes: tuple[int, ...] | None
    out: Var

    @property
    def groups(self) -> tuple[tuple[Atom, ...], ...]:
        """An n-ary equation's operands, group by group."""
        at, out = 0, []
        for n in self.sizes or ():
            out.append(tuple(self.args[at : at + n]))
            at += n
        return tuple(out)  # type: ignore[arg-type]

    def vars(self) -> Iterable[Var]:
        """The Vars among the inputs, in order (with repeats)."""
        return (a for a in self.args if isinstance(a, Var))

    def __str__(self) -> str:
        if self.sizes is None:
            x, y = self.args
            inside = _atom(x) if y is None else f"{_atom(x)}, {_atom(y)}"
        else:
            groups = (
                "(" + ", ".join(map(_atom, g)) + ("," if len(g) == 1 else "") + ")"
                for g in self.groups
            )
            inside = ", ".join(groups)
        p = self.prim
        if isinstance(p, Activated):
            return f"{self.out!r} = {p.act.name}({p.inner.name}({inside}))"
        return f"{self.out!r} = {p.name}({inside})"


@dataclass(frozen=True, slots=True)
class Guard:
    """A comparison ``fn`` made during the trace (``if v > 0``), with its outcome: checked
    again on every call."""

    op: str
    left: Atom
    right: Atom
    outcome: bool

    def __str__(self) -> str:
        return f"check {_atom(self.left)} {self.op} {_atom(self.right)} is {self.outcome}"


@dataclass
class Program:
    """A traced step: its params and inputs, its equations, the guards, the loss."""

    params: tuple[Var, ...]
    inputs: tuple[Var, ...]
    #: the loss's graph, operands first, in the order the engine made it (the backward
    #: pass visits it in reverse)
    eqns: list[Eqn]
    #: equations the loss does not use: Values compared, and Values fn made and dropped
    #: (computed all the same: an error they raise sends the call to the engine)
    compared: list[Eqn]
    guards: list[Guard]
    out: Atom  #: the loss
    nodes: int  #: interior nodes of the traced graph, constants included
    _ids: Iterator[int] = field(default_factory=itertools.count, repr=False)

    def fresh(self) -> Var:
        """A Var no equation defines yet (a pass that rewrites equations needs them)."""
        return Var(next(self._ids))

    def __str__(self) -> str:
        lines = ["params " + " ".join(map(repr, self.params))]
        if self.inputs:
            lines.append("inputs " + " ".join(map(repr, self.inputs)))
        lines += [f"  {e}" for e in self.eqns]
        if self.compared:
            lines.append("  # not used by the loss (compared, or made by fn and dropped):")
            lines += [f"  {e}" for e in self.compared]
        lines += [f"  {g}" for g in self.guards]
        lines.append(f"loss {_atom(self.out)}")
        return "\n".join(lines)


def _atom(a: object) -> str:
    if type(a) is float and not math.isfinite(a):
        return f"float('{a}')"
    return repr(a)


def lower(
    root: Value,
    comparisons: Sequence[tuple[str, object, object, bool]],
    params: Sequence[Value],
    inputs: Sequence[Value],
    made: Iterable[Value] = (),
) -> tuple[Program, dict[Value, Var]]:
    """The ``Program`` of the graph below ``root``, and the Var of each Value that is one.

    ``comparisons`` are the trace's (operator, left, right, outcome), in order; ``made``
    the nodes ``fn`` made, the loss's and others: one the loss does not use is computed
    all the same where it follows the params (an error it raises must reach ``fn``)."""
    ids = itertools.count()
    var_of: dict[Value, Var] = {}
    leaves = []
    for group in (params, inputs):
        leaves.append(tuple(var_of.setdefault(v, Var(next(ids))) for v in group))
    order = below(root) if root._op is not None else []
    eqns = _equations(order, var_of, ids)
    unused = itertools.chain((v for entry in comparisons for v in entry[1:3]), made)
    compared = _equations(_nodes_below(unused, set(order)), var_of, ids)
    guards = [
        Guard(op, _lower_atom(a, var_of), _lower_atom(b, var_of), bool(outcome))
        for op, a, b, outcome in comparisons
        if a in var_of or (isinstance(b, Value) and b in var_of)
    ]
    program = Program(
        params=leaves[0],
        inputs=leaves[1],
        eqns=eqns,
        compared=compared,
        guards=guards,
        out=_lower_atom(root, var_of),
        nodes=len(order),
        _ids=ids,
    )
    return program, var_of


def _lower_atom(v: object, var_of: dict[Value, Var]) -> Atom:
    if isinstance(v, Value):
        known = var_of.get(v)
        return known if known is not None else float(v.data)
    return float(v)  # type: ignore[arg-type]


def _equations(nodes: list[Value], var_of: dict[Value, Var], ids: Iterator[int]) -> list[Eqn]:
    """An equation for each node (operands first) that has a Var among its operands; each
    such node becomes a Var."""
    out = []
    args: tuple[Atom | None, ...]
    sizes: tuple[int, ...] | None
    for node in nodes:
        if node._dy is MANY:
            flat = [v for group in node._y for v in group]
            if not any(isinstance(v, Value) and v in var_of for v in flat):
                continue  # a constant, as all its operands are
            # The engine keeps its Value operands, in order, in _x (none at all for a gate
            # that is off at the trace): check that is what we read.
            if node._x and [v for v in flat if isinstance(v, Value)] != list(node._x):
                raise AssertionError(f"compile: a {node._op.name} node is not as expected")
            args = tuple(_lower_atom(v, var_of) for v in flat)
            sizes = tuple(map(len, node._y))
        else:
            x, y = node._x, node._y
            vx, vy = var_of.get(x), var_of.get(y)  # numbers and None are never keys
            if vx is None and vy is None:
                continue
            args = (
                vx if vx is not None else _lower_atom(x, var_of),
                vy if vy is not None else None if y is None else _lower_atom(y, var_of),
            )
            sizes = None
        var = var_of[node] = Var(next(ids))
        out.append(Eqn(node._op, args, sizes, var))
    return out


def _nodes_below(values: Iterable[object], done: set) -> list[Value]:
    """Interior nodes below ``values`` and not in ``done``, operands first."""
    out: list[Value] = []
    seen = set(done)
    for top in values:
        if not isinstance(top, Value) or top._op is None or top in seen:
            continue
        seen.add(top)
        stack = [(top, iter(operands(top)))]
        while stack:
            node, rest = stack[-1]
            for v in rest:
                if v._op is not None and v not in seen:
                    seen.add(v)
                    stack.append((v, iter(operands(v))))
                    break
            else:
                stack.pop()
                out.append(node)
    return out
