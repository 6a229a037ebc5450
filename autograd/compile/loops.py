"""A pass over the intermediate form: a step's per-sample part found, to be written once.

A training loss is mostly a sum over samples, and each sample's part of the graph is the
same operations on the same parameters with other input numbers. Written out straight, a
100-sample step is 100 copies of that code, and CPython's ``compile()`` spends most of a
step's setup parsing them. So when the ``Program`` shows such a sum, the code for one
sample is written once and run in a loop: the forward pass sample by sample, saving each
sample's numbers, then the gradients sample by sample, in the order ``backward()`` visits
them.

A loop is planned only where it adds every gradient's terms in exactly the engine's
order, which is checked on the equations: the samples' parts must be the same operations
wired the same way, and every Var's consumers must come in the same order in the loop as
in the engine's pass. Otherwise (``plan`` returns None) the step is written out straight.

The plan's ``template`` is new equations (sample 0's, with fresh outputs and with each
constant that differs between samples replaced by a loop variable): the ``Program`` and
the user's graph are left as they are.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from .ir import Eqn, Program, Var

__all__ = ["Loop", "plan"]

#: The fewest samples worth a loop.
MIN_SAMPLES = 8

_SHARED = -1  # owner of an equation that more than one sample, or something else, reaches


@dataclass
class Loop:
    """How to write a step as a loop over samples."""

    results: list[Var]  #: each sample's result, an input of the batch (a loss's sum)
    template: list[Eqn]  #: one sample's equations, written over the loop variables
    result: Var  #: the template's result
    constants: list[Var]  #: the loop variables: the numbers that differ by sample
    #: their numbers, sample by sample: a float, or an input Var read on every call
    table: list[tuple[float | Var, ...]]
    order: list[int]  #: the samples in the order the backward pass visits them
    before: list[Eqn]  #: equations outside the samples that do not need them, in order
    after: list[Eqn]  #: equations outside the samples that do (``batch`` and above)
    above: list[Eqn]  #: outside equations the backward pass visits before the samples
    below: list[Eqn]  #: equations the samples share, visited after them

    def __str__(self) -> str:
        head = f"loop over {len(self.results)} samples"
        if self.constants:
            head += f", {' '.join(map(repr, self.constants))} differing by sample"
        body = [f"    {e}" for e in self.template]
        results = f"  its result {self.result!r} is, sample by sample, "
        results += " ".join(map(repr, self.results))
        return "\n".join([f"  {head}:", *body, results])


def plan(program: Program) -> Loop | None:
    """A loop over samples for ``program``, or None where the step is better, or only
    correctly, written out straight."""
    if program.guards or program.compared:  # checks, or unused values: straight code
        return None
    eqns = program.eqns
    made_by = {e.out: e for e in eqns}
    batch, results = _largest_batch(eqns, made_by)
    if batch is None:
        return None
    owner = _owners(program, batch, results, made_by)
    samples: list[list[Eqn]] = [[] for _ in results]
    for e in eqns:  # oldest first
        o = owner.get(e)
        if o is not None and o >= 0:
            samples[o].append(e)
    if any(owner.get(made_by[r]) != i for i, r in enumerate(results)):
        return None
    inputs = set(program.inputs)
    first, constants, slots = _describe(samples[0], inputs)
    values = [constants]
    for nodes in samples[1:]:
        shape, consts, _ = _describe(nodes, inputs)
        if shape != first:
            return None
        values.append(consts)
    differ = [
        j for j in range(len(constants)) if any(_key(v[j]) != _key(constants[j]) for v in values)
    ]
    # The backward order: outside equations first, then sample by sample, then what they
    # share.
    position = {e: k for k, e in enumerate(eqns)}
    newest = {i: position[nodes[-1]] for i, nodes in enumerate(samples)}
    order = sorted(range(len(samples)), key=lambda i: -newest[i])
    backward = eqns[::-1]
    above = [e for e in backward if e not in owner]
    below = [e for e in backward if owner.get(e) == _SHARED]
    rolled = above + [e for i in order for e in reversed(samples[i])] + below
    if len(rolled) != len(backward) or _consumers(rolled) != _consumers(backward):
        return None
    depends: set[Eqn] = set()  # the samples' equations and what is computed from them
    for e in eqns:  # operands first, so a producer is decided before its consumers
        if owner.get(e, _SHARED) >= 0 or any(made_by.get(v) in depends for v in e.vars()):
            depends.add(e)
    outside = [e for e in eqns if not owner.get(e, _SHARED) >= 0]
    # One loop variable per column of numbers: a sample's inputs, read by every neuron of a
    # first layer, are one variable each, not one per neuron.
    columns: dict[tuple, Var] = {}
    firsts: list[int] = []
    slot_vars: dict[tuple[int, int], Var] = {}
    for j in differ:
        key = tuple(_key(v[j]) for v in values)
        var = columns.get(key)
        if var is None:
            var = columns[key] = Var(len(firsts), "c")
            firsts.append(j)
        slot_vars[slots[j]] = var
    template, result = _template(program, samples[0], made_by[results[0]], slot_vars)
    return Loop(
        results=results,
        template=template,
        result=result,
        constants=list(columns.values()),
        table=[tuple(v[j] for j in firsts) for v in values],
        order=order,
        before=[e for e in outside if e not in depends],
        after=[e for e in outside if e in depends],
        above=above,
        below=below,
    )


def _largest_batch(eqns: list[Eqn], made_by: dict[Var, Eqn]) -> tuple[Eqn | None, list[Var]]:
    """The n-ary equation with the most distinct inputs made by equations (at least
    MIN_SAMPLES); an input that comes twice (``dot(d, d)``, a squared error's sum) counts
    once."""
    best: Eqn | None = None
    results: list[Var] = []
    for e in eqns:
        if e.sizes is None:
            continue
        rs = list(dict.fromkeys(v for v in e.vars() if v in made_by))
        if len(rs) >= max(MIN_SAMPLES, len(results) + 1):
            best, results = e, rs
    return best, results


def _owners(
    program: Program, batch: Eqn, results: list[Var], made_by: dict[Var, Eqn]
) -> dict[Eqn, int]:
    """For each equation below the results: the one sample that reaches it, or _SHARED.
    Equations reached from outside the batch are shared too."""
    owner: dict[Eqn, int] = {}
    for i, r in enumerate(results):
        top = made_by[r]
        owner[top] = i
        stack = [top]
        while stack:
            for v in stack.pop().vars():
                e = made_by.get(v)
                if e is None:
                    continue
                o = owner.get(e)
                if o is None:
                    owner[e] = i
                    stack.append(e)
                elif o != i:
                    owner[e] = _SHARED
    # from outside: the rest of the graph, not through the batch
    root = made_by.get(program.out) if isinstance(program.out, Var) else None
    seen = {root}
    stack = [root] if root is not None and root is not batch else []
    while stack:
        for v in stack.pop().vars():
            e = made_by.get(v)
            if e is None or e is batch or e in seen:
                continue
            seen.add(e)
            if e in owner:
                owner[e] = _SHARED
            else:
                stack.append(e)
    # below a shared equation everything is shared
    shared = [e for e, o in owner.items() if o == _SHARED]
    while shared:
        for v in shared.pop().vars():
            e = made_by.get(v)
            if e is not None and owner.get(e, _SHARED) != _SHARED:
                owner[e] = _SHARED
                shared.append(e)
    return owner


def _describe(
    eqns: list[Eqn], inputs: set[Var]
) -> tuple[list, list[float | Var], list[tuple[int, int]]]:
    """A sample's shape (operations and wiring: its own Vars by position, others by
    identity), its numbers in order, and where each sits (equation, input index). A number
    is a constant, or an input (``compile(inputs=...)``): read on every call, it may differ
    by sample as a constant may."""
    local = {e.out: k for k, e in enumerate(eqns)}
    shape: list[Any] = []
    constants: list[float | Var] = []
    slots: list[tuple[int, int]] = []
    for k, e in enumerate(eqns):
        refs: list[Any] = []
        for index, a in enumerate(e.args):
            if isinstance(a, Var) and a in inputs and a not in local:
                refs.append("input")
                constants.append(a)
                slots.append((k, index))
            elif isinstance(a, Var):
                own = local.get(a)
                refs.append(("own", own) if own is not None else ("shared", id(a)))
            elif a is None:
                refs.append(None)
            else:  # a number: a constant
                refs.append("constant")
                constants.append(a)
                slots.append((k, index))
        shape.append((id(e.prim), e.sizes, tuple(refs)))
    return shape, constants, slots


def _template(
    program: Program, eqns: list[Eqn], result: Eqn, loop_vars: dict[tuple[int, int], Var]
) -> tuple[list[Eqn], Var]:
    """Sample 0's equations with fresh outputs and each differing constant (by its
    (equation, input) slot) replaced by its loop variable; and the new result."""
    renamed: dict[Var, Var] = {}
    out = []
    for k, e in enumerate(eqns):
        args = tuple(
            loop_vars.get((k, i), renamed.get(a, a) if isinstance(a, Var) else a)
            for i, a in enumerate(e.args)
        )
        new = renamed[e.out] = program.fresh()
        out.append(Eqn(e.prim, args, e.sizes, new))
    return out, renamed[result.out]


def _key(x: float | Var) -> object:
    """What tells numbers apart: a float's bits (0.0 and -0.0 differ, as do nans'
    payloads), an input by identity."""
    return struct.pack("<d", x) if isinstance(x, float) else ("input", id(x))


def _consumers(order: list[Eqn]) -> dict[Var, list[Eqn]]:
    """Each Var's consumers, in the order ``order`` visits them."""
    out: dict[Var, list[Eqn]] = {}
    for e in order:
        for v in e.vars():
            out.setdefault(v, []).append(e)
    return out
