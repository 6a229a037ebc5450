"""What a picture shows: which values are drawn one by one, which as boxes, which are cut.

A readable picture holds a few hundred boxes; a training loss holds tens of thousands of
values. The plan walks the whole graph once (breadth-first from the root, with a queue, never
recursion) and then, if the graph is over the budget:

1. Groups what ``nn`` tagged. ``nn`` labels every value a neuron makes in its forward pass
   ``"<neuron path>/<role>"`` (``layers.0.neurons.3/relu``) and every parameter with its dotted
   name (``layers.0.neurons.3.w.1``). All of a neuron's values, over every call of the network
   and with its own parameters, become one box: the repeated structure collapses and what is
   left is the network's shape. When there are too many neurons for the budget, a box per
   layer instead. The network's inputs (untagged leaves read by one layer only) become one
   box per layer too; the root always stands alone.
   Then the terms of a sum that all have the same shape (a loss's per-example terms,
   ``relu(1 - y * score)`` a hundred times, or ``p * p`` for every parameter) become one box
   that says how many there are and what one of them computes.
2. Cuts what is still too much: the boxes nearest the root, breadth-first, are drawn up to the
   budget, and everything beyond is counted in one summary node. The root is near the loss,
   which is where a reader starts.
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from autograd import Value

from .style import OP_SYMBOLS, label_of

__all__ = ["GROUPINGS", "Group", "Plan", "layer_of", "make_plan", "walk"]

# nn's tag: "<dotted neuron path>/<role>"; the path may be empty (a bare Neuron).
_TAG = re.compile(r"([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)?/[A-Za-z0-9_]+")
_PARAMETER = re.compile(r"[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*")

GROUPINGS = ("auto", "neuron", "layer", None)


@dataclass
class Group:
    """Many values drawn as one box: a neuron's or a layer's."""

    name: str
    kind: str  # "neuron", "layer", "inputs" or "terms"
    members: list[int] = field(default_factory=list)  # indices into Plan.values
    parameters: list[int] = field(default_factory=list)  # the members that are parameters
    note: str = ""  # for "terms": what one term computes, e.g. "relu(c - c * x)"


@dataclass
class Plan:
    """The picture to draw.

    ``values`` holds every value reached from the root, breadth-first (``values[0]`` is the
    root), and ``parents[i]`` the indices of value ``i``'s operands. An *item* is what the
    picture draws as one node: a value (``item >= 0``: its index) or a group (``item < 0``:
    ``groups[~item]``). ``drawn`` lists the drawn items nearest the root first; ``cut``
    counts the values in all other items.
    """

    values: list[Value]
    parents: list[tuple[int, ...]]
    grouping: str | None
    groups: list[Group]
    item_of: list[int]
    drawn: list[int]
    item_parents: dict[int, list[int]]
    cut: int
    max_nodes: int | None

    def is_drawn(self, item: int) -> bool:
        return item in self._drawn_set

    def __post_init__(self) -> None:
        self._drawn_set = set(self.drawn)


def walk(root: Value) -> tuple[list[Value], list[tuple[int, ...]]]:
    """Every value reached from ``root`` breadth-first, and each one's operand indices."""
    index = {root: 0}
    values = [root]
    parents: list[tuple[int, ...]] = []
    get, add_value, add_parents = index.get, values.append, parents.append
    # ``values`` is also the queue: a for loop over a list sees what is appended meanwhile.
    for v in values:
        ops = []
        for p in v.parents:
            j = get(p)
            if j is None:
                j = index[p] = len(values)
                add_value(p)
            ops.append(j)
        add_parents(tuple(ops))
    return values, parents


def _neuron_of(label: str) -> str | None:
    """The neuron path of a forward value tagged by ``nn``, else None."""
    if _TAG.fullmatch(label):
        return label.rpartition("/")[0]
    return None


def layer_of(neuron: str) -> str:
    """``layers.0.neurons.3`` -> ``layers.0``: the path up to the neurons level."""
    parts = neuron.split(".")
    if "neurons" in parts:
        cut = len(parts) - 1 - parts[::-1].index("neurons")
        return ".".join(parts[:cut])
    return ".".join(parts[:-1])


def _owner(label: str, neurons: set[str]) -> str | None:
    """The neuron a parameter belongs to: the longest tagged neuron path its name extends."""
    if not _PARAMETER.fullmatch(label):
        return None
    parts = label.split(".")
    for n in range(len(parts) - 1, 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in neurons:
            return prefix
    return None


def _group(
    values: list[Value],
    parents: list[tuple[int, ...]],
    neuron_of: list[str | None],
    grouping: str,
) -> tuple[list[Group], list[int]]:
    """Groups by neuron or layer, and each value's item (the root always stands alone)."""
    neurons = {n for n in neuron_of if n is not None}
    groups: list[Group] = []
    by_name: dict[str, int] = {}
    item_of = list(range(len(values)))
    box = {n: n if grouping == "neuron" else layer_of(n) for n in neurons}

    def join(i: int, name: str, kind: str) -> Group:
        g = by_name.get(name)
        if g is None:
            g = by_name[name] = len(groups)
            groups.append(Group(name, kind))
        groups[g].members.append(i)
        item_of[i] = ~g
        return groups[g]

    for i in range(1, len(values)):
        neuron, label = neuron_of[i], label_of(values[i])
        if neuron is not None:
            join(i, box[neuron], grouping)
        elif label and (owner := _owner(label, neurons)) is not None:
            join(i, box[owner], grouping).parameters.append(i)

    # The network's inputs: untagged leaves that only tagged values of one layer consume
    # (a data set's points, used once per example). One box per layer, not one per number.
    layer = [g.name if grouping == "layer" else layer_of(g.name) for g in groups]
    layer_fed: dict[int, str | None] = {}  # leaf -> the one layer consuming it (None: other)
    for i, ops in enumerate(parents):
        consumer = layer[~item_of[i]] if item_of[i] < 0 else None
        for j in ops:
            if item_of[j] == j and j and not parents[j]:
                seen = layer_fed.get(j, consumer)
                layer_fed[j] = consumer if seen == consumer else None
    for j, fed in layer_fed.items():
        if fed is not None:
            join(j, f"inputs of {fed}" if fed else "inputs", "inputs")
    _group_terms(values, parents, item_of, groups)
    return groups, item_of


#: A sum's alike terms become one box from this many on.
MIN_TERMS = 3
_SUMS = ("add", "sum")


def _group_terms(
    values: list[Value], parents: list[tuple[int, ...]], item_of: list[int], groups: list[Group]
) -> None:
    """One box for the alike terms of each sum (see the module docstring), in place.

    A term is the part of the graph only it uses: its value and, up the operands, every
    ungrouped value all of whose users are in the term. A chain of ``+`` (Python's
    ``sum``) counts as one sum. Terms are alike when their operations have the same shape.
    """
    users = [0] * len(values)  # how many values use each value (x * x uses x once)
    for ops in parents:
        for j in set(ops):
            users[j] += 1

    def free(i: int) -> bool:  # neither the root nor in a group yet
        return i != 0 and item_of[i] == i

    links: set[int] = set()  # the inner + of a chain, part of the sum above it
    for top in range(len(values)):  # breadth-first: a chain's top comes before its links
        if values[top].op not in _SUMS or top in links or not free(top) and top != 0:
            continue
        terms: list[int] = []
        inner: list[int] = []
        stack = [top]
        while stack:
            for p in parents[stack.pop()]:
                if values[p].op in _SUMS and free(p) and users[p] == 1 and p not in links:
                    links.add(p)
                    inner.append(p)
                    stack.append(p)
                else:
                    terms.append(p)
        alike: dict[tuple[object, ...], list[list[int]]] = {}
        for t in terms:
            if free(t) and users[t] == 1 and t not in links:
                region = _region(t, parents, users, free)
                alike.setdefault(_shape(region, parents, values), []).append(region)
        biggest: Group | None = None
        for regions in alike.values():
            if len(regions) < MIN_TERMS:
                continue
            name = f"×{len(regions):,} alike terms of one sum"
            group = Group(name, "terms", note=_formula(regions[0][0], values, set(regions[0])))
            for region in regions:
                group.members += region
            if biggest is None or len(group.members) > len(biggest.members):
                biggest = group
            groups.append(group)
            for i in group.members:
                item_of[i] = -len(groups)
        if biggest is not None:  # the chain's own + go with the most of its terms
            biggest.members += inner
            for i in inner:
                item_of[i] = ~groups.index(biggest)


def _region(
    term: int, parents: list[tuple[int, ...]], users: list[int], free: Callable[[int], bool]
) -> list[int]:
    """``term`` and every free value above it whose users are all in the region, users first."""
    region, inside = [term], {term}
    pending: dict[int, int] = {}
    for v in region:  # grows while it is read
        for p in dict.fromkeys(parents[v]):  # each operand once, in operand order
            if p in inside or not free(p):
                continue
            left = pending[p] = pending.get(p, users[p]) - 1
            if left == 0:
                inside.add(p)
                region.append(p)
    return region


_LETTERS = "xyzuvw"


# How tightly each infix operator binds: an operand binding more loosely gets parentheses.
_BINDING = {"add": 1, "sub": 1, "mul": 2, "div": 2, "pow": 3}
_ATOM = 4


def _formula(term: int, values: list[Value], inside: set[int], depth: int = 5) -> str:
    """What one term computes, as a formula: numbers are ``c``, leaves and values from
    outside the term ``x``, ``y``, ... by first use; parts deeper than ``depth`` are ``...``."""
    names: dict[int, int] = {}  # outside value -> its letter's number
    index = {v: i for i, v in enumerate(values)}

    def text(i: int, depth: int) -> tuple[str, int]:
        """The formula of value ``i``, and how tightly it binds (``_BINDING``)."""
        if i not in inside or not values[i].op:  # an input of the term, or its own leaf
            n = names.setdefault(i, len(names))
            return (_LETTERS[n] if n < len(_LETTERS) else f"x{n}"), _ATOM
        if depth == 0:
            return "...", _ATOM
        v = values[i]
        symbol = OP_SYMBOLS.get(v.op)
        # A function shows its first three operands: a formula stays short (and its work
        # small, however wide the operations are).
        shown = v.parents if symbol else v.parents[:4]
        args = [text(index[p], depth - 1) for p in shown]
        if v.op == "neg":
            return f"-{_operand(args[0], _BINDING['pow'])}", _BINDING["mul"]
        if symbol is None or not args:
            listed = ", ".join(a for a, _ in args[:3]) + (", ..." if len(v.parents) > 3 else "")
            return f"{v.op}({listed})", _ATOM
        binding = _BINDING[v.op]
        # Left-associative, except **: the side that groups first needs no parentheses.
        left, right = (binding, binding + 1) if v.op != "pow" else (binding + 1, binding)
        if len(args) == 2:
            return f"{_operand(args[0], left)} {symbol} {_operand(args[1], right)}", binding
        # One operand and a number: which side the number is on, from the derivative.
        ((p, d),) = v.edges
        number_first = (
            (v.op == "sub" and d < 0)
            or (v.op == "div" and not math.isclose(d * p.data, v.data))
            or (
                v.op == "pow"
                and v.data > 0
                and p.data != 0
                and math.isclose(d, v.data * math.log(v.data) / p.data)
            )
        )
        if number_first:
            return f"c {symbol} {_operand(args[0], right)}", binding
        return f"{_operand(args[0], left)} {symbol} c", binding

    return text(term, depth)[0]


def _operand(arg: tuple[str, int], least: int) -> str:
    """An operand's formula, in parentheses when it binds less tightly than ``least``."""
    formula, binding = arg
    return formula if binding >= least else f"({formula})"


def _shape(region: list[int], parents: list[tuple[int, ...]], values: list[Value]) -> tuple:
    """What a term computes, up to the numbers: operations in operand order, each value
    outside the term numbered by first use (``x * x`` is not ``x * y``)."""
    inside = set(region)
    seen: dict[int, int] = {}
    tokens: list[object] = []
    stack = [region[0]]
    while stack:  # pre-order, operands left to right
        v = stack.pop()
        if v in seen:
            tokens.append(("again", seen[v]))
            continue
        seen[v] = len(seen)
        if v not in inside:
            tokens.append("outside")
            continue
        tokens.append((values[v].op, len(parents[v])))
        stack.extend(reversed(parents[v]))
    return tuple(tokens)


def make_plan(root: Value, *, max_nodes: int | None, grouping: str | None) -> Plan:
    """Decide what to draw (see the module docstring); arguments are checked by draw_dot."""
    values, parents = walk(root)
    budget = len(values) if max_nodes is None else max_nodes
    neuron_of: list[str | None] = []
    if grouping in ("neuron", "layer") or (grouping == "auto" and len(values) > budget):
        neuron_of = [_neuron_of(label_of(v)) if v.label else None for v in values]
    if grouping == "auto":
        grouping = None
        n_neurons = len(set(neuron_of) - {None})
        if n_neurons:
            # Neuron boxes while they leave room for the untagged values around them.
            grouping = "neuron" if n_neurons <= budget // 2 else "layer"

    groups: list[Group] = []
    if grouping is not None:
        groups, item_of = _group(values, parents, neuron_of, grouping)
    if not groups:
        # Every value is its own item, and the walk's order is already breadth-first.
        item_of = list(range(len(values)))
        drawn = list(range(min(budget, len(values))))
        rows = {i: list(parents[i]) for i in drawn}
        cut = len(values) - len(drawn)
        return Plan(values, parents, None, groups, item_of, drawn, rows, cut, max_nodes)

    # The graph of items: an edge wherever a value's operand lies in another item.
    item_parents: dict[int, dict[int, None]] = {}
    for i, ops in enumerate(parents):
        a = item_of[i]
        row = item_parents.setdefault(a, {})
        for j in ops:
            b = item_of[j]
            if b != a:
                row[b] = None
    drawn, seen = [], {0}
    queue = deque([0])
    while queue and len(drawn) < budget:
        a = queue.popleft()
        drawn.append(a)
        for b in item_parents.get(a, ()):
            if b not in seen:
                seen.add(b)
                queue.append(b)
    size = sum(len(groups[~a].members) if a < 0 else 1 for a in drawn)
    rows = {a: list(item_parents.get(a, ())) for a in drawn}
    return Plan(
        values, parents, grouping, groups, item_of, drawn, rows, len(values) - size, max_nodes
    )
