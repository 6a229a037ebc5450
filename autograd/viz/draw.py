"""``draw_dot``: the computation graph as a ``graphviz.Digraph``."""

from __future__ import annotations

import math
import os
import pathlib
import re

import graphviz

from autograd import Value

from .longedges import long_edges
from .plan import GROUPINGS, Group, Plan, layer_of, make_plan
from .runner import pipe
from .style import (
    FONT,
    LABEL_WIDTH,
    OP_SYMBOLS,
    fmt,
    grad_colour,
    label_of,
    legend_label,
    plain_text,
    record,
    room,
    shorten,
    tooltip,
)

__all__ = ["MAX_NODES", "RANKDIRS", "Picture", "draw_dot"]

#: The default node budget: about as many boxes as a screen shows readably.
MAX_NODES = 300

_SYMBOLS = OP_SYMBOLS
RANKDIRS = ("LR", "RL", "TB", "BT")


def draw_dot(
    root: Value,
    format: str = "svg",  # noqa: A002 - micrograd's and graphviz's name
    rankdir: str = "LR",
    *,
    digits: int = 4,
    max_nodes: int | None = MAX_NODES,
    group: str | None = "auto",
    legend: bool = True,
    graph_attr: dict[str, str] | None = None,
    node_attr: dict[str, str] | None = None,
    edge_attr: dict[str, str] | None = None,
    filename: str | None = None,
    directory: str | None = None,
) -> Picture:
    """The graph that computed ``root``: a record per value, a small node per operation.

    Returns a ``Picture``, a ``graphviz.Digraph`` whose ``render``, ``pipe``, ``view`` and
    Jupyter display work with or without a system Graphviz (``save`` writes the DOT source).
    ``format`` and ``rankdir`` are micrograd's arguments, in its order; ``graph_attr``,
    ``node_attr``, ``edge_attr``, ``filename`` and ``directory`` are graphviz's: the
    ``*_attr`` are defaults for every node, edge and frame, after the picture's own.

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
    The alike terms of a sum (a loss's per-example terms) are one box when grouping.
    Long labels are cut to ``style.LABEL_WIDTH`` characters; tooltips hold them whole,
    with data and grad to every digit.
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
    if format not in graphviz.FORMATS:
        raise ValueError(f"format must be a graphviz format ('svg', 'png', ...), got {format!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    if type(digits) is not int or not 1 <= digits <= 17:
        raise ValueError(f"digits must be an int from 1 to 17, got {digits!r}")
    if group not in GROUPINGS:
        raise ValueError(f"group must be one of {GROUPINGS}, got {group!r}")
    if max_nodes is not None and (type(max_nodes) is not int or max_nodes < 1):
        raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")
    plan = make_plan(root, max_nodes=max_nodes, grouping=group)
    user_attrs = {"graph": graph_attr, "node": node_attr, "edge": edge_attr}
    picture = _Drawing(plan, rankdir, digits, legend, user_attrs).graph
    picture.format = format
    picture.filename = filename or picture.filename
    picture.directory = directory or picture.directory
    return picture


class Picture(graphviz.Digraph):
    """A ``graphviz.Digraph`` that draws itself with the renderer ``autograd.viz.render``
    uses: a system ``dot`` if there is one, else ``graphviz-pure`` (installed by pip).

    The plain Digraph's ``render``, ``pipe``, ``view`` and Jupyter display all run a system
    ``dot``, which a pip-only install lacks. These do the same things without one (a custom
    ``engine``, ``renderer`` or ``formatter`` goes to graphviz's own, which needs it).
    """

    def pipe(
        self,
        format: str | None = None,  # noqa: A002 - graphviz's name
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
    ) -> bytes | str:
        """The picture in ``format`` (the Digraph's own by default) as bytes, or as text
        in ``encoding``."""
        if renderer or formatter or neato_no_op or engine not in (None, "dot"):
            return super().pipe(
                format, renderer, formatter, neato_no_op, quiet, engine=engine, encoding=encoding
            )
        data = pipe(self.source, format or self.format)
        return data.decode(encoding) if encoding else data

    def render(
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,  # noqa: A002 - graphviz's name
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        quiet_view: bool = False,
        *,
        outfile: str | os.PathLike[str] | None = None,
        engine: str | None = None,
        raise_if_result_exists: bool = False,
        overwrite_source: bool = False,
    ) -> str:
        """As graphviz's: save the DOT source (``filename``, by default the Digraph's), draw
        it next to it as ``<source>.<format>`` (or into ``outfile``, whose suffix gives the
        format), open it if ``view``, delete the source if ``cleanup``; return the path."""
        if renderer or formatter or neato_no_op or engine not in (None, "dot"):
            return super().render(
                filename, directory, view, cleanup, format, renderer, formatter, neato_no_op,
                quiet, quiet_view, outfile=outfile, engine=engine,
                raise_if_result_exists=raise_if_result_exists, overwrite_source=overwrite_source,
            )
        fmt = format or self.format
        if outfile is not None:
            outfile = pathlib.Path(outfile)
            fmt = format or outfile.suffix.lstrip(".") or self.format
            if filename is None and directory is None:
                filename = outfile.with_suffix(".gv")
        source = pathlib.Path(self.save(filename, directory=directory))
        target = outfile if outfile is not None else source.with_name(f"{source.name}.{fmt}")
        if source.resolve() == pathlib.Path(target).resolve() and not overwrite_source:
            raise ValueError(f"render: {target} would overwrite the DOT source")
        if raise_if_result_exists and os.path.exists(target):
            raise FileExistsError(f"render: {target} exists already")
        pathlib.Path(target).write_bytes(pipe(self.source, fmt))
        if cleanup:
            source.unlink()
        if view:
            graphviz.view(os.fspath(target), quiet=quiet_view)
        return os.fspath(target)

    def view(
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        cleanup: bool = False,
        quiet: bool = False,
        quiet_view: bool = False,
    ) -> str:
        """Render and open the picture with the system's viewer; return its path."""
        return self.render(
            filename, directory, view=True, cleanup=cleanup, quiet=quiet, quiet_view=quiet_view
        )

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

    def __init__(
        self,
        plan: Plan,
        rankdir: str,
        digits: int,
        legend: bool,
        user_attrs: dict[str, dict[str, str] | None],
    ) -> None:
        self.plan, self.digits = plan, digits
        self.nodes: list[str] = []  # every node an edge may touch
        self.edges: list[tuple[str, str, dict[str, str]]] = []
        self.copies: dict[str, tuple[str, str]] = {}  # node -> a copy's (label, fill)
        self.tips: dict[str, str] = {}  # node -> what its tooltip calls it
        g = self.graph = Picture("computation")
        # One font at every level: a frame's caption is a graph label, and would be Times.
        g.attr(rankdir=rankdir, fontname=FONT, fontsize="12")
        g.attr(tooltip=tooltip(f"the graph of {self._name(0)}"))
        g.attr("node", fontname=FONT, fontsize="11")
        g.attr("edge", fontname=FONT, fontsize="10", arrowsize="0.6")
        # The caller's defaults, after the picture's own and before any node or edge: DOT
        # applies a default only to what comes after it.
        for kind, attrs in user_attrs.items():
            if attrs:
                g.attr(kind, **attrs)
        layers: dict[str, list[int]] = {}
        for item in self._order():
            if item >= 0:
                self._value(item)
            elif plan.groups[~item].kind == "neuron":
                layers.setdefault(layer_of(plan.groups[~item].name), []).append(item)
            else:
                self._group(g, item)
        # Each neuron's box sits inside its layer's frame.
        for k, (layer, items) in enumerate(layers.items()):
            with g.subgraph(name=f"cluster_{k}") as sub:
                caption = layer or "layer"
                sub.attr(label=plain_text(shorten(caption)), style="rounded", color="gray60")
                sub.attr(tooltip=tooltip(f"{caption}: {len(items):,} neurons"))
                for item in items:
                    self._group(sub, item)
                self._keep_in_order(sub, [f"g{~item}" for item in items], rankdir)
        self._connect()
        self.n_copies = self._emit_edges()
        if legend:
            tip = tooltip("legend: the fill colour is the size of the gradient")
            g.node("legend", legend_label(self._caption()), shape="plain", tooltip=tip)

    def _keep_in_order(self, sub: graphviz.Digraph, names: list[str], rankdir: str) -> None:
        """Hold a layer's neurons in index order, top to bottom or left to right.

        dot's crossing minimisation is free to permute them (a dense layer's edges cross
        the same however its neurons are ordered, and dot breaks ties by swapping): one
        rank, and invisible edges between neighbours, which dot lays out as flat edges and
        keeps in their direction. Its second pass over clusters (``remincross``) ignores
        them, so it is off. A flat edge points left to right, and across ``LR``'s ranks
        that is bottom to top: the chain runs backwards there.
        """
        if len(names) < 2:
            return
        self.graph.attr(remincross="false")
        with sub.subgraph() as same:
            same.attr(rank="same")
            for name in names:
                same.node(name)
        chain = names[::-1] if rankdir in ("LR", "RL") else names
        for a, b in zip(chain, chain[1:]):
            sub.edge(a, b, style="invis")

    def _order(self) -> list[int]:
        """The drawn items in the order their nodes are written: as planned, except that
        neurons come in their index order (dot keeps the order it is given where it can,
        and the plan's breadth-first order follows whichever operand was reached first)."""
        groups = self.plan.groups
        neurons = [a for a in self.plan.drawn if a < 0 and groups[~a].kind == "neuron"]
        ordered = iter(sorted(neurons, key=lambda a: _natural(groups[~a].name)))
        is_neuron = set(neurons)
        return [next(ordered) if a in is_neuron else a for a in self.plan.drawn]

    def _name(self, i: int) -> str:
        """Value ``i`` as a tooltip names it: its label, else its operation and data."""
        v = self.plan.values[i]
        return label_of(v) or f"value {v.data!r}" + (f" made by {v.op}" if v.op else "")

    # -- nodes ---------------------------------------------------------------------
    def _value(self, i: int) -> None:
        v, d = self.plan.values[i], self.digits
        label = label_of(v)
        fields = [shorten(label)] if label else []
        fields += [f"data {fmt(v.data, d)}", f"grad {fmt(v.grad, d)}"]
        # The tooltip has what the box rounds or cuts: the whole label, the exact floats.
        tip = [label] if label else []
        tip += [f"data = {v.data!r}", f"grad = {v.grad!r}"]
        if v.op:
            tip.append(f"made by {v.op}")
        fill = _box(
            self.graph,
            f"v{i}",
            record(*fields),
            v.grad,
            v.data,
            "record",
            tip="\n".join(tip),
            margin=_margin(fields, 11),
        )
        self.nodes.append(f"v{i}")
        self.tips[f"v{i}"] = self._name(i)
        self.copies[f"v{i}"] = (shorten(label_of(v)) or f"data {fmt(v.data, d)}", fill)
        if self.plan.parents[i]:
            op = v.op
            symbol = _SYMBOLS.get(op)
            self.graph.node(
                f"o{i}",
                plain_text(symbol or shorten(op)),
                shape="circle" if symbol else "ellipse",
                fontsize="10",
                margin="0.02",
                width="0.3",
                height="0.3",
                tooltip=tooltip(f"{op}, making {self._name(i)}"),
            )
            self.nodes.append(f"o{i}")
            self.tips[f"o{i}"] = f"operation {op}"
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
        # a nan anywhere is the answer (max() would skip it: nan compares False)
        nans = [x for x in grads if x != x]
        peak = nans[0] if nans else max((abs(x) for x in grads), default=0.0)
        count = f"{len(grp.members):,} values"
        if grp.parameters:
            count += f", {len(grp.parameters):,} parameters"
        whose = "parameter" if grp.parameters else "value"
        fields = [grp.name or grp.kind]
        if grp.note:
            fields.append(f"each {grp.note}")
        fields += [
            count,
            f"{whose} grad norm {fmt(norm, self.digits)}",
            f"max |grad| {fmt(peak, self.digits)}",
        ]
        tip = "\n".join([*fields, f"(norm {norm!r}, max {peak!r})"])  # names whole
        # Lines rather than record fields: a box reads the same in every rankdir, and stays
        # narrow where a layer's many edges pass.
        # The name as wide as a value's label; a formula may take twice that.
        lines = [shorten(fields[0])] + [shorten(f, 2 * LABEL_WIDTH) for f in fields[1:]]
        label = plain_text("\n".join(lines))
        name = f"g{~item}"
        fill = _box(
            graph,
            name,
            label,
            norm,
            math.nan if bad else 0.0,
            "box",
            "rounded,",
            tip=tip,
            margin=_margin(lines, 11),
        )
        self.nodes.append(name)
        self.tips[name] = fields[0]
        self.copies[name] = (shorten(fields[0]), fill)

    # -- edges ---------------------------------------------------------------------
    def _connect(self) -> None:
        """The edges into each drawn item, from drawn items or from the summary node."""
        plan = self.plan
        fed_by_cut: dict[str, None] = {}  # an ordered set: nodes with an operand not drawn

        def node(item: int) -> str:
            return f"v{item}" if item >= 0 else f"g{~item}"

        for item in self._order():
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
            self.graph.node(
                "cut",
                plain_text(text),
                shape="note",
                style="filled",
                fillcolor=fill,
                tooltip=tooltip(text),
            )
            self.nodes.append("cut")
            self.tips["cut"] = "values not drawn"
            self.copies["cut"] = ("not drawn", fill)
            for target in fed_by_cut:
                self.edges.append(("cut", target, {"style": "dashed", "color": "gray50"}))

    def _emit_edges(self) -> int:
        """Add the edges to the graph, long ones from a copy of their source; how many."""
        long = long_edges(self.nodes, [(a, b) for a, b, _ in self.edges])
        copies = 0
        for (a, b, attrs), is_long in zip(self.edges, long):
            tip = f"{self.tips[a]} \N{RIGHTWARDS ARROW} {self.tips[b]}"
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
                    tooltip=tooltip(f"{tip}\n(drawn again here: its first drawing is far away)"),
                )
            self.graph.edge(a, b, tooltip=tooltip(tip), **attrs)
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
            lines.append(f"drawn: {_count(boxes, 'box', 'boxes')} and {singles:,} single values")
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
    *,
    tip: str,
    margin: str,
) -> str:
    """Add a node filled by its gradient, with this (unescaped) tooltip; returns the fill."""
    extra: dict[str, str] = {}
    if not (math.isfinite(grad) and math.isfinite(data)):
        extra = {"fontcolor": "white", "penwidth": "2"}  # red fill: keep the text readable
    fill = grad_colour(grad, data)
    graph.node(
        name,
        label,
        shape=shape,
        style=style + "filled",
        fillcolor=fill,
        tooltip=tooltip(tip),
        margin=margin,
        **extra,
    )
    return fill


def _margin(lines: list[str], fontsize: float) -> str:
    """A node's margin in inches: Graphviz's default (8 points beside the text, 4 above and
    below) and the room a wider fallback font needs (see ``style.room``)."""
    return f"{(8 + room(lines, fontsize)) / 72:.3f},0.055"


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _natural(name: str) -> list[tuple[int, int | str]]:
    """A sort key that puts ``neurons.2`` before ``neurons.10``."""
    return [(0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", name) if p]
