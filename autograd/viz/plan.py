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
2. Cuts what is still too much: the boxes nearest the root, breadth-first, are drawn up to the
   budget, and everything beyond is counted in one summary node. The root is near the loss,
   which is where a reader starts.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field

from autograd import Value

__all__ = ["GROUPINGS", "Group", "Plan", "layer_of", "make_plan", "walk"]

# nn's tag: "<dotted neuron path>/<role>"; the path may be empty (a bare Neuron).
_TAG = re.compile(r"([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)?/[A-Za-z0-9_]+")
_PARAMETER = re.compile(r"[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*")

GROUPINGS = ("auto", "neuron", "layer", None)


@dataclass
class Group:
    """Many values drawn as one box: a neuron's or a layer's."""

    name: str
    kind: str  # "neuron", "layer" or "inputs"
    members: list[int] = field(default_factory=list)  # indices into Plan.values
    parameters: list[int] = field(default_factory=list)  # the members that are parameters


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
        neuron, label = neuron_of[i], values[i].label
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
    return groups, item_of


def make_plan(root: Value, *, max_nodes: int | None, grouping: str | None) -> Plan:
    """Decide what to draw (see the module docstring); arguments are checked by draw_dot."""
    values, parents = walk(root)
    budget = len(values) if max_nodes is None else max_nodes
    neuron_of: list[str | None] = []
    if grouping in ("neuron", "layer") or (grouping == "auto" and len(values) > budget):
        neuron_of = [_neuron_of(v.label) if v.label else None for v in values]
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
