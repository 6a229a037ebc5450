"""``draw_dot``: the computation graph as a ``graphviz.Digraph``."""

from __future__ import annotations

import math

import graphviz

from autograd import Value

from .longedges import long_edges
from .plan import GROUPINGS, Group, Plan, layer_of, make_plan
from .runner import pipe
from .style import fmt, grad_colour, legend_label, one_line, plain_text, record

#: The default node budget: about as many boxes as a screen shows readably.
MAX_NODES = 300

# Operators read better as their symbols; every other primitive shows its name.
_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**", "neg": "-"}
RANKDIRS = ("LR", "RL", "TB", "BT")


def draw_dot(
    root: Value,
    *,
    rankdir: str = "LR",
    digits: int = 4,
    max_nodes: int | None = MAX_NODES,
    group: str | None = "auto",
    legend: bool = True,
) -> graphviz.Digraph:
    """The graph that computed ``root``: a record per value, a small node per operation.

    Returns a ``graphviz.Digraph`` (which Jupyter displays inline, with or without a
    system Graphviz); ``render`` writes it to a file.

    Each value shows its label (if any), data and grad with ``digits`` significant digits,
    filled by the magnitude of its gradient on a log scale (grey for 0, red for nan/inf; the
    legend shows the scale). Edges run operand -> operation -> result, in operand order;
    constants (``x * 3``) are folded into their operation, as the engine stores them.

    Big graphs stay readable and fast. Up to ``max_nodes`` values (``None``: no limit) every
    value is drawn. Beyond it, the values ``nn`` tagged are drawn as one box per neuron
    (``group="neuron"``), or per layer when neurons alone would fill half the budget
    (``group="layer"``): across a training loss the same neurons recur for every example,
    so the network's shape is the structure worth seeing. A box shows how many values it
    stands for, the norm of its parameters' gradients and its largest gradient. Then the
    ``max_nodes`` boxes nearest the root (breadth-first) are kept, and everything further
    is counted in one summary node that says so: the root is where a reader starts.
    ``group=None`` never groups; ``"auto"`` (the default) groups only a graph over budget.
    An edge that would cross many ranks starts from a small dashed copy of its source drawn
    beside its target instead: dot's time grows steeply with long edges (see ``longedges``).

    >>> from autograd import Value
    >>> x = Value(2.0, label="x")
    >>> y = (x * x).tanh()
    >>> y.backward()
    >>> dot = draw_dot(y)      # in Jupyter, this displays the picture
    >>> "tanh" in dot.source
    True
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot draws a Value, got {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    if type(digits) is not int or not 1 <= digits <= 17:
        raise ValueError(f"digits must be an int from 1 to 17, got {digits!r}")
    if group not in GROUPINGS:
        raise ValueError(f"group must be one of {GROUPINGS}, got {group!r}")
    if max_nodes is not None and (type(max_nodes) is not int or max_nodes < 1):
        raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")
    plan = make_plan(root, max_nodes=max_nodes, grouping=group)
    return _Drawing(plan, rankdir, digits, legend).graph


class Picture(graphviz.Digraph):
    """A ``graphviz.Digraph`` that Jupyter displays with the renderer ``render`` uses.

    The plain Digraph runs a system ``dot`` to display itself, which a pip-only install
    lacks; this one falls back on ``graphviz-pure``. Everything else is the Digraph's own.
    """

    def _repr_image_svg_xml(self) -> str:
        return pipe(self.source, "svg").decode("utf-8")

    def _repr_image_png(self) -> bytes:
        return pipe(self.source, "png")

    def _repr_image_jpeg(self) -> bytes:
        return pipe(self.source, "jpeg")


class _Drawing:
    """Builds the Digraph for a plan. Node names: ``v<i>`` value i, ``o<i>`` the operation
    that made it, ``g<k>`` group k, ``cut`` the summary of what was not drawn, ``c<k>`` a
    copy of a node drawn next to a distant use (see ``longedges``)."""

    def __init__(self, plan: Plan, rankdir: str, digits: int, legend: bool) -> None:
        self.plan, self.digits = plan, digits
        self.nodes: list[str] = []  # every node an edge may touch
        self.edges: list[tuple[str, str, dict[str, str]]] = []
        self.copies: dict[str, tuple[str, str]] = {}  # node -> a copy's (label, fill)
        g = self.graph = Picture("computation")
        g.attr(rankdir=rankdir)
        g.attr("node", fontname="Helvetica", fontsize="11")
        g.attr("edge", arrowsize="0.6")
        layers: dict[str, list[int]] = {}
        for item in plan.drawn:
            if item >= 0:
                self._value(item)
            elif plan.groups[~item].kind == "neuron":
                layers.setdefault(layer_of(plan.groups[~item].name), []).append(item)
            else:
                self._group(g, item)
        # Each neuron's box sits inside its layer's frame.
        for k, (layer, items) in enumerate(layers.items()):
            with g.subgraph(name=f"cluster_{k}") as sub:
                sub.attr(label=plain_text(layer or "layer"), style="rounded", color="gray60")
                for item in items:
                    self._group(sub, item)
        self._connect()
        self.n_copies = self._emit_edges()
        if legend:
            g.node("legend", legend_label(self._caption()), shape="plain")

    # -- nodes ---------------------------------------------------------------------
    def _value(self, i: int) -> None:
        v, d = self.plan.values[i], self.digits
        fields = [v.label] if v.label else []
        fields += [f"data {fmt(v.data, d)}", f"grad {fmt(v.grad, d)}"]
        fill = _box(self.graph, f"v{i}", record(*fields), v.grad, v.data, "record")
        self.nodes.append(f"v{i}")
        self.copies[f"v{i}"] = (one_line(v.label) or f"data {fmt(v.data, d)}", fill)
        if self.plan.parents[i]:
            op = v.op
            symbol = _SYMBOLS.get(op)
            self.graph.node(
                f"o{i}",
                plain_text(symbol or op),
                shape="circle" if symbol else "ellipse",
                fontsize="10",
                margin="0.02",
                width="0.3",
                height="0.3",
            )
            self.nodes.append(f"o{i}")
            self.edges.append((f"o{i}", f"v{i}", {}))

    def _group(self, graph: graphviz.Digraph, item: int) -> None:
        grp: Group = self.plan.groups[~item]
        values = self.plan.values
        grads = [values[i].grad for i in grp.members]
        bad = not all(math.isfinite(values[i].data) for i in grp.members)
        # Parameters' gradients are what an optimiser steps by: their norm says whether the
        # neuron learns. A box without parameters falls back on all its values.
        basis = [values[i].grad for i in grp.parameters] or grads
        norm = math.sqrt(math.fsum(x * x for x in basis))
        peak = max((abs(x) for x in grads), default=0.0)
        count = f"{len(grp.members):,} values"
        if grp.parameters:
            count += f", {len(grp.parameters):,} parameters"
        whose = "parameter" if grp.parameters else "value"
        fields = [
            grp.name or grp.kind,
            count,
            f"{whose} grad norm {fmt(norm, self.digits)}",
            f"max |grad| {fmt(peak, self.digits)}",
        ]
        # Lines rather than record fields: a box reads the same in every rankdir, and stays
        # narrow where a layer's many edges pass.
        label = plain_text("\n".join(fields))
        name = f"g{~item}"
        fill = _box(graph, name, label, norm, math.nan if bad else 0.0, "box", "rounded,")
        self.nodes.append(name)
        self.copies[name] = (fields[0], fill)

    # -- edges ---------------------------------------------------------------------
    def _connect(self) -> None:
        """The edges into each drawn item, from drawn items or from the summary node."""
        plan = self.plan
        fed_by_cut: dict[str, None] = {}  # an ordered set: nodes with an operand not drawn

        def node(item: int) -> str:
            return f"v{item}" if item >= 0 else f"g{~item}"

        for item in plan.drawn:
            if item >= 0:
                # Into the operation: one edge per operand (x * x shows two), one per box.
                target, sources = f"o{item}", []
                for j in plan.parents[item]:
                    src = plan.item_of[j]
                    if src >= 0 or src not in sources:
                        sources.append(src)
            else:
                target, sources = node(item), plan.item_parents[item]
            for src in sources:
                if plan.is_drawn(src):
                    self.edges.append((node(src), target, {}))
                else:
                    fed_by_cut[target] = None
        if plan.cut:
            text = f"... {plan.cut:,} more values not drawn\n"
            text += f"(beyond the budget of {plan.max_nodes:,} boxes: max_nodes= draws more)"
            fill = "#fff7dc"
            self.graph.node("cut", plain_text(text), shape="note", style="filled", fillcolor=fill)
            self.nodes.append("cut")
            self.copies["cut"] = ("not drawn", fill)
            for target in fed_by_cut:
                self.edges.append(("cut", target, {"style": "dashed", "color": "gray50"}))

    def _emit_edges(self) -> int:
        """Add the edges to the graph, long ones from a copy of their source; how many."""
        long = long_edges(self.nodes, [(a, b) for a, b, _ in self.edges])
        copies = 0
        for (a, b, attrs), is_long in zip(self.edges, long):
            if is_long and a in self.copies:
                text, fill = self.copies[a]
                a = f"c{copies}"
                copies += 1
                self.graph.node(
                    a,
                    plain_text(text),
                    shape="box",
                    style="dashed,rounded,filled",
                    fillcolor=fill,
                    fontsize="9",
                    height="0.2",
                    margin="0.05,0.02",
                )
            self.graph.edge(a, b, **attrs)
        return copies

    # -- the legend's text ---------------------------------------------------------
    def _caption(self) -> list[str]:
        plan = self.plan
        total = len(plan.values)
        if plan.grouping is None and not plan.cut:
            return [f"{total:,} values, all drawn", *self._copies_line()]
        boxes = sum(1 for a in plan.drawn if a < 0)
        singles = len(plan.drawn) - boxes
        if plan.grouping:
            lines = [f"{total:,} values, grouped by {plan.grouping}"]
            lines.append(f"drawn: {boxes:,} boxes and {singles:,} single values")
        else:
            lines = [f"{total:,} values: too many to draw one by one"]
            lines.append(f"drawn: the {singles:,} values nearest the root")
        if plan.cut:
            lines.append(f"not drawn: {plan.cut:,} values, counted in the summary node")
        return lines + self._copies_line()

    def _copies_line(self) -> list[str]:
        if not self.n_copies:
            return []
        return ["dashed box: a node drawn again beside a distant use"]


def _box(
    graph: graphviz.Digraph,
    name: str,
    label: str,
    grad: float,
    data: float,
    shape: str,
    style: str = "",
) -> str:
    """Add a node filled by its gradient; returns the fill colour."""
    extra: dict[str, str] = {}
    if not (math.isfinite(grad) and math.isfinite(data)):
        extra = {"fontcolor": "white", "penwidth": "2"}  # red fill: keep the text readable
    fill = grad_colour(grad, data)
    graph.node(name, label, shape=shape, style=style + "filled", fillcolor=fill, **extra)
    return fill
