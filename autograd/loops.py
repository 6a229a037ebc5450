"""``autograd.compile``'s loop over samples: a step's per-sample part written once.

A training loss is mostly a sum over samples, and each sample's part of the graph is the
same operations on the same parameters with other input numbers. Written out straight, a
100-sample step is 100 copies of that code, and CPython's ``compile()`` spends most of a
step's setup parsing them. So when the trace shows such a sum, the code for one sample is
written once and run in a loop: the forward pass sample by sample, saving each sample's
numbers, then the gradients sample by sample, in the order ``backward()`` visits them.

The loop is used only when it adds every gradient's terms in exactly the engine's order,
which is checked on the graph (``plan``): the samples' parts must be the same operations
wired the same way, and every node's consumers must come in the same order in the loop
as in the engine's pass. Otherwise the step is written out straight, as before.
"""

from __future__ import annotations

import contextlib
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .node import MANY as _MANY
from .node import operands as _operands
from .value import Value

__all__ = ["Plan", "plan"]

#: The fewest samples worth a loop.
MIN_SAMPLES = 8

_SHARED = -1  # owner of a node that more than one sample, or something else, reaches


@dataclass
class Plan:
    """How to write a step as a loop over samples."""

    batch: Value  # the node whose operands are the samples' results (a loss's sum)
    results: list[Value]  # each sample's result, an operand of ``batch``
    samples: list[list[Value]]  # each sample's own nodes, oldest first
    loop_order: list[int]  # the samples in the order the backward pass visits them
    before: list[Value]  # nodes outside the samples that do not need them, oldest first
    after: list[Value]  # nodes outside the samples that do (``batch`` and above)
    above: list[Value]  # outside nodes the backward pass visits before the samples
    below: list[Value]  # nodes the samples share, visited after them
    slots: list[tuple[Value, int | None]]  # sample 0's constants that differ between samples
    constants: list[tuple[float, ...]] = field(default_factory=list)  # their values, by sample

    @contextlib.contextmanager
    def template(self) -> Iterator[list[Value]]:
        """Sample 0 with each differing constant replaced by a stand-in leaf (a loop
        variable of the code), restored afterwards. A node of the sample that is itself a
        constant (no param below it) stands in for itself."""
        saved = []
        stand_ins = []
        try:
            for node, index in self.slots:
                if index is None:
                    stand_ins.append(node)
                    continue
                saved.append((node, node._x, node._y))
                stand_in = Value(0.0)
                stand_ins.append(stand_in)
                if node._dy is _MANY:
                    flat = [v for group in node._y for v in group]
                    flat[index] = stand_in
                    groups, at = [], 0
                    for group in node._y:
                        groups.append(tuple(flat[at : at + len(group)]))
                        at += len(group)
                    node._y = tuple(groups)
                    if node._x:  # the Value operands, in order, as the engine keeps them
                        node._x = tuple(v for v in flat if isinstance(v, Value))
                elif index == 0:
                    node._x = stand_in
                else:
                    node._y = stand_in
            yield stand_ins
        finally:
            for node, x, y in reversed(saved):
                node._x, node._y = x, y


def plan(root: Value, order: list[Value], varying: set, log: list) -> Plan | None:
    """A loop plan for the graph below ``root`` (``order``: the engine's backward order),
    or None where the step is better, or only correctly, written out straight."""
    if log:  # comparisons to check again: kept simple, straight code
        return None
    batch, results = _largest_batch(order)
    if batch is None:
        return None
    owner = _owners(root, batch, results)
    if owner is None:
        return None
    samples: list[list[Value]] = [[] for _ in results]
    for node in reversed(order):  # oldest first
        o = owner.get(node)
        if o is not None and o >= 0:
            samples[o].append(node)
    for i, r in enumerate(results):
        if owner.get(r) != i:
            return None
    moving: set[Value] = set()  # nodes with a param or an input below them
    for node in reversed(order):
        if any(v in varying or v in moving for v in _operands(node)):
            moving.add(node)
    first, constants, slots = _describe(samples[0], varying, moving)
    values = [constants]
    for nodes in samples[1:]:
        shape, consts, _ = _describe(nodes, varying, moving)
        if shape != first:
            return None
        values.append(consts)
    differ = [
        j for j in range(len(constants)) if any(_bits(v[j]) != _bits(constants[j]) for v in values)
    ]
    # The backward order: outside nodes first, then sample by sample, then what they share.
    newest = {i: nodes[-1]._seq for i, nodes in enumerate(samples)}
    loop_order = sorted(range(len(samples)), key=lambda i: -newest[i])
    above = [u for u in order if u not in owner]
    below = [u for u in order if owner.get(u) == _SHARED]
    rolled = above + [u for i in loop_order for u in reversed(samples[i])] + below
    if len(rolled) != len(order) or _consumers(rolled) != _consumers(order):
        return None
    depends: set[Value] = set()
    for node in reversed(order):
        if node in owner and owner[node] >= 0 or any(v in depends for v in _operands(node)):
            depends.add(node)
    outside = [u for u in reversed(order) if not (u in owner and owner[u] >= 0)]
    return Plan(
        batch=batch,
        results=results,
        samples=samples,
        loop_order=loop_order,
        before=[u for u in outside if u not in depends],
        after=[u for u in outside if u in depends],
        above=above,
        below=below,
        slots=[slots[j] for j in differ],
        constants=[tuple(v[j] for j in differ) for v in values],
    )


def _largest_batch(order: list[Value]) -> tuple[Value | None, list[Value]]:
    """The n-ary node with the most distinct interior operands (at least MIN_SAMPLES); an
    operand that comes twice (``dot(d, d)``, a squared error's sum) counts once."""
    best: Value | None = None
    results: list[Value] = []
    for node in order:
        if node._dy is not _MANY:
            continue
        operands = (v for group in node._y for v in group)
        rs = list(dict.fromkeys(v for v in operands if isinstance(v, Value) and v._op is not None))
        if len(rs) >= max(MIN_SAMPLES, len(results) + 1):
            best, results = node, rs
    return best, results


def _owners(root: Value, batch: Value, results: list[Value]) -> dict[Value, int] | None:
    """For each interior node below the results: the one sample that reaches it, or
    _SHARED. Nodes reached from outside the batch are shared too."""
    owner: dict[Value, int] = {}
    for i, r in enumerate(results):
        owner[r] = i
        stack = [r]
        while stack:
            for v in _operands(stack.pop()):
                if v._op is None:
                    continue
                o = owner.get(v)
                if o is None:
                    owner[v] = i
                    stack.append(v)
                elif o != i:
                    owner[v] = _SHARED
    # from outside: the rest of the graph, not through the batch
    seen, stack = {root}, [root] if root is not batch else []
    while stack:
        for v in _operands(stack.pop()):
            if v._op is None or v is batch or v in seen:
                continue
            seen.add(v)
            if v in owner:
                owner[v] = _SHARED
            else:
                stack.append(v)
    # below a shared node everything is shared
    stack = [v for v, o in owner.items() if o == _SHARED]
    while stack:
        for v in _operands(stack.pop()):
            if v._op is not None and owner.get(v, _SHARED) != _SHARED:
                owner[v] = _SHARED
                stack.append(v)
    return owner


def _describe(nodes: list[Value], varying: set, moving: set) -> tuple[list, list[float], list]:
    """A sample's shape (operations and wiring, its own nodes by position, everything else
    by identity), its constants in order, and where each sits: (node, operand index), or
    (node, None) for a node of the sample that is a constant itself (nothing below it
    varies: the code takes its number as it was traced, so each sample's must be kept; its
    operands' numbers, which may have changed since, do not matter)."""
    local = {u: k for k, u in enumerate(nodes)}
    shape: list[Any] = []
    constants: list[float] = []
    slots: list[tuple[Value, int | None]] = []
    for u in nodes:
        fixed = u not in moving
        if fixed:
            constants.append(u.data)
            slots.append((u, None))
        if u._dy is _MANY:
            operands = [v for group in u._y for v in group]
            sizes = tuple(map(len, u._y))
        else:
            operands = [u._x, u._y]
            sizes = None
        refs: list[Any] = []
        for index, v in enumerate(operands):
            if isinstance(v, Value) and v in local:
                refs.append(("own", local[v]))
            elif isinstance(v, Value) and (v._op is not None or v in varying):
                refs.append(("shared", id(v)))
            elif v is None:
                refs.append(None)
            else:  # a number, or a leaf that does not vary: a constant
                refs.append("constant")
                if not fixed:
                    constants.append(v.data if isinstance(v, Value) else float(v))
                    slots.append((u, index))
        shape.append((id(u._op), sizes, tuple(refs)))
    return shape, constants, slots


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)  # 0.0 and -0.0 differ, as do nans' payloads


def _consumers(order: list[Value]) -> dict[Value, list[Value]]:
    """Each node's consumers, in the order ``order`` visits them."""
    out: dict[Value, list[Value]] = {}
    for u in order:
        for v in _operands(u):
            out.setdefault(v, []).append(u)
    return out
