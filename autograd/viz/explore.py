"""``explore``: a page that steps through the forward and backward passes of a graph.

The page is one self-contained HTML file: the picture ``draw_dot`` draws (the same plan,
the same renderer, laid out once here in Python), a script and a style sheet inlined, and
the whole story of the two passes as data. Nothing is fetched, so it works from ``file://``
and offline.

The story is worked out here, not in the browser, so every number the page shows is a
Python float's ``repr``: the forward pass in creation order (``_seq``, the order the engine
relies on), then the backward pass in the engine's own order (``autograd.backward.walk``)
along the engine's own edges (``live_edges``), each term added in the order ``backward()``
adds it. The sums are therefore bit for bit the ``.grad`` values ``backward()`` left, and
the page's last step shows those ``.grad`` values themselves.

>>> from autograd import Value
>>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
>>> o = (x * w + 6.88).tanh()
>>> o.backward()
>>> page = explore(o)                 # in Jupyter, this shows the page inline
>>> explore(o, "neuron.html")         # doctest: +SKIP
PosixPath('neuron.html')
"""

from __future__ import annotations

import html
import json
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, overload

from autograd import Value
from autograd.backward import live_edges, walk
from autograd.primitives import Activated, NaryPrimitive, Primitive

from .draw import MAX_NODES, draw_dot
from .plan import Plan, layer_of, make_plan
from .style import ZERO_COLOUR, fmt, grad_colour, label_of, one_line

__all__ = ["Explorer", "explore"]

#: Lines of products written out for one step at most (a layer's step can hold thousands).
MAX_LINES = 40
#: Lines written out for a step through a box.
MAX_BOX_LINES = 12
#: Members listed when a group box is opened.
MAX_MEMBERS = 200
#: Values listed in the last step's table of gradients.
MAX_FINAL_ROWS = 2000
#: Edges of one step labelled in the picture at most; past it the panel alone lists them.
MAX_EDGE_LABELS = 8

_EDGE = re.compile(r"^\s*(\w+) -> (\w+)", re.MULTILINE)
_COPY = re.compile(r"c\d+")
_OPERAND = re.compile(r"\b(x|y|out)\b")


class Explorer:
    """The explorer page: ``html`` is its text; Jupyter shows it inline, in a frame of its own
    (so its script runs and its keys work without touching the notebook's)."""

    def __init__(self, page: str) -> None:
        self.html = page

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path``; returns it as a ``Path``."""
        path = Path(path)
        path.write_text(self.html, encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        frame = html.escape(self.html, quote=True)
        return (
            f'<iframe srcdoc="{frame}" title="backpropagation explorer" '
            'style="width:100%;height:720px;border:1px solid #ccc"></iframe>'
        )


@overload
def explore(
    root: Value,
    path: None = None,
    *,
    rankdir: str = ...,
    digits: int = ...,
    max_nodes: int | None = ...,
    group: str | None = ...,
    title: str | None = ...,
) -> Explorer: ...
@overload
def explore(
    root: Value,
    path: str | os.PathLike[str],
    *,
    rankdir: str = ...,
    digits: int = ...,
    max_nodes: int | None = ...,
    group: str | None = ...,
    title: str | None = ...,
) -> Path: ...
def explore(
    root: Value,
    path: str | os.PathLike[str] | None = None,
    *,
    rankdir: str = "LR",
    digits: int = 4,
    max_nodes: int | None = MAX_NODES,
    group: str | None = "auto",
    title: str | None = None,
) -> Explorer | Path:
    """A page that steps through the forward and backward passes of ``root``'s graph.

    With ``path`` it writes the page there (one HTML file, no network needed) and returns
    the path; without, it returns an ``Explorer``, which Jupyter shows inline. Call
    ``root.backward()`` first: the page replays that pass and ends on its ``.grad`` values.

    The picture is ``draw_dot``'s (``rankdir``, ``digits``, ``max_nodes`` and ``group`` as
    there): a big graph collapses into neurons and layers, and the steps through a box are
    one step. Keys: Right and Left step, Home goes to the start, End to the end of the
    backward pass, ``p`` plays and pauses; clicking a value (or Enter on it) shows its label,
    op, data, grad and local derivatives.
    """
    if not isinstance(root, Value):
        raise TypeError(f"explore takes a Value, got {type(root).__name__}")
    picture = draw_dot(root, "svg", rankdir, digits=digits, max_nodes=max_nodes, group=group)
    plan = make_plan(root, max_nodes=max_nodes, grouping=group)  # draw_dot's plan, again
    svg = str(picture.pipe(format="svg", encoding="utf-8"))
    model = _Story(plan, picture.source, digits).model()
    model["title"] = _shorten(one_line(title) if title else _default_title(root))
    page = _page(svg, model)
    if path is None:
        return Explorer(page)
    return Explorer(page).save(path)


def _shorten(text: str, most: int = 120) -> str:
    return text if len(text) <= most else text[: most - 3] + "..."


def _default_title(root: Value) -> str:
    name = one_line(label_of(root)) or "the output"
    return f"Backpropagation through {name}"


# -- the story: forward steps, backward steps, each with what changes -------------------


@dataclass
class _Step:
    kind: str  # "start", "forward", "seed", "backward", "end"
    title: str
    current: list[str] = field(default_factory=list)  # the SVG nodes the step is about
    lines: list[str] = field(default_factory=list)
    show: list[str] = field(default_factory=list)  # SVG nodes computed by this step
    grads: list[list[str]] = field(default_factory=list)  # [node, exact, shown, fill]
    done: list[str] = field(default_factory=list)  # group boxes whose gradients are final
    edges: list[list[Any]] = field(default_factory=list)  # [edge index, label, exact line]
    table: list[list[str]] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v or k in ("kind", "title")}


class _Story:
    """Works out every step of the page from the plan and the DOT source of its picture."""

    def __init__(self, plan: Plan, source: str, digits: int) -> None:
        self.plan, self.digits = plan, digits
        self.values = plan.values
        self.index = {v: i for i, v in enumerate(self.values)}
        self.edges = [(a, b) for a, b in _EDGE.findall(source)]
        self.resolved = self._resolve_copies()

    # -- names -----------------------------------------------------------------------
    def name(self, i: int) -> str:
        """How the page names value ``i``: its label, else ``v<i>``."""
        label = one_line(label_of(self.values[i]))
        return label if label else f"v{i}"

    def svg_node(self, i: int) -> str | None:
        """The SVG node that stands for value ``i`` (a box, a group, or the summary)."""
        item = self.plan.item_of[i]
        if self.plan.is_drawn(item):
            return f"v{item}" if item >= 0 else f"g{~item}"
        return "cut" if self.plan.cut else None

    def short(self, x: float) -> str:
        """``x`` for a small space: its repr when short, else rounded and marked with ≈."""
        r = repr(x)
        return r if len(r) <= 9 else "≈" + fmt(x, self.digits)

    # -- the picture's edges -----------------------------------------------------------
    def _sources(self, item: int) -> list[str]:
        """The SVG nodes draw_dot connects into ``item``'s operation, in its order."""
        plan, names, cut = self.plan, [], False
        seen: list[int] = []
        for j in plan.parents[item]:
            src = plan.item_of[j]
            if src < 0 and src in seen:
                continue
            seen.append(src)
            if plan.is_drawn(src):
                names.append(f"v{src}" if src >= 0 else f"g{~src}")
            else:
                cut = True
        return names + (["cut"] if cut and plan.cut else [])

    def _resolve_copies(self) -> dict[str, str]:
        """Which node each dashed copy (``c<k>``) stands for. The DOT source lists the edges
        into a node in operand order, so a copy's place among them names its original."""
        into: dict[str, list[str]] = {}
        for a, b in self.edges:
            into.setdefault(b, []).append(a)
        resolved: dict[str, str] = {}
        for item in self.plan.drawn:
            if item < 0:
                continue
            target = f"o{item}"
            got, expected = into.get(target, []), self._sources(item)
            if len(got) == len(expected):
                for a, want in zip(got, expected):
                    if _COPY.fullmatch(a):
                        resolved[a] = want
        return resolved

    def edge_into(self, target: str) -> list[tuple[int, str]]:
        """(edge index, the original source node) of every edge into ``target``."""
        return [(k, self.resolved.get(a, a)) for k, (a, b) in enumerate(self.edges) if b == target]

    # -- the story -------------------------------------------------------------------
    def model(self) -> dict[str, Any]:
        steps = self.forward_steps() + self.backward_steps()
        return {
            "steps": [s.json() for s in steps],
            "edges": [[a, b] for a, b in self.edges],
            "copies": self.resolved,
            "nodes": self.node_details(),
            "digits": self.digits,
            "zero": ZERO_COLOUR,
        }

    def forward_steps(self) -> list[_Step]:
        leaves = [i for i, v in enumerate(self.values) if not v._seq]
        start = _Step("start", "Start: the leaves, the values the graph starts from")
        start.show = _unique(self.svg_node(i) for i in leaves)
        start.lines = [f"{self.name(i)} = {self.values[i].data!r}" for i in leaves[:MAX_LINES]]
        start.lines += _more(len(leaves) - MAX_LINES, "leaves")
        steps = [start]
        inner = sorted((i for i, v in enumerate(self.values) if v._seq), key=self._seq)
        for where, run in self.runs(inner):
            shown = _unique(self.svg_node(i) for i in run)
            if where is None:
                title = f"Forward: {self.name(run[0])} is computed"
            else:
                title = f"Forward: {_count(len(run), 'value')} of {where}"
            step = _Step("forward", title, shown)
            step.lines = [self.forward_line(i) for i in run[:MAX_BOX_LINES]]
            step.lines += _more(len(run) - MAX_BOX_LINES, "values")
            step.show = shown
            steps.append(step)
        return steps

    def runs(self, indices: list[int]) -> list[tuple[str | None, list[int]]]:
        """Consecutive values that make one step: a value drawn alone is a step of its own;
        a stretch through one box (through one layer's neuron boxes) is one step. Each run
        comes with what it passes through (None for a value drawn alone)."""
        runs: list[tuple[str | None, list[int]]] = []
        for i in indices:
            node = self.svg_node(i)
            if node is not None and node.startswith("v"):
                runs.append((None, [i]))
                continue
            where = self.box_name(node)
            if runs and runs[-1][0] == where:
                runs[-1][1].append(i)
            else:
                runs.append((where, [i]))
        return runs

    def _seq(self, i: int) -> int:
        return int(self.values[i]._seq)

    def box_name(self, node: str | None) -> str:
        if node is None or node == "cut":
            return "the values not drawn"
        group = self.plan.groups[int(node[1:])]
        if group.kind == "neuron":  # a layer's neurons run one after another: one step
            return f"layer {layer_of(group.name) or group.name}"
        if group.kind in ("layer", "inputs"):
            return f"{group.kind} {group.name}" if group.name else group.kind
        return f"the box {group.name}" if group.name else f"a box of {group.kind}"

    def forward_line(self, i: int) -> str:
        v = self.values[i]
        op = v._op
        if isinstance(op, Primitive):
            names = self.operand_names(v, data=False)
            numbers = {k: repr(x) if isinstance(x, float) else str(x) for k, x in self.slots(v)}
            formula = _substitute(op.forward, names)
            worked = _substitute(op.forward, numbers)
            worked = _pretty(worked, square=False)  # the numbers as they are multiplied
            return f"{self.name(i)} = {_pretty(formula)} = {worked} = {v.data!r}"
        args = ", ".join(self.name(self.index[p]) for p in v.parents[:6])
        if len(v.parents) > 6:
            args += ", ..."
        return f"{self.name(i)} = {v.op}({args}) = {v.data!r}"

    def slots(self, v: Value) -> list[tuple[str, Any]]:
        """The operand slots of a one- or two-operand node: ('x', operand), ('y', operand)."""
        out: list[tuple[str, Any]] = []
        for key, slot in (("x", v._x), ("y", v._y)):
            if isinstance(slot, Value):
                out.append((key, slot.data))
            elif isinstance(slot, (int, float)):
                out.append((key, float(slot)))
        return out

    def operand_names(self, v: Value, data: bool) -> dict[str, str]:
        """What the table's ``x``, ``y`` and ``out`` stand for at node ``v``."""
        suffix = ".data" if data else ""
        names = {"out": self.name(self.index[v]) + suffix}
        for key, slot in (("x", v._x), ("y", v._y)):
            if isinstance(slot, Value):
                names[key] = self.name(self.index[slot]) + suffix
            elif isinstance(slot, (int, float)):
                names[key] = repr(float(slot))
        return names

    def rule(self, v: Value, parent: Value, position: int) -> tuple[str, str]:
        """d v / d parent as the table writes it, and written over ``v``'s operands."""
        op = v._op
        if isinstance(op, Primitive):
            key = "x" if v._x is parent and position == 0 else "y"
            if v._x is parent and v._y is not parent:
                key = "x"
            text = op.dx if key == "x" else op.dy
            if text is None:
                return "", ""
            symbolic = _substitute(text, self.operand_names(v, data=True))
            return f"d {op.name}/d{key} = {_pretty(text)}", _pretty(symbolic)
        if isinstance(op, Activated):
            text = (
                f"d {op.name}/d operand = d {op.inner.name}/d operand × d {op.act.name}/dx,"
                f" d {op.act.name}/dx = {_pretty(op.act.dx)} at x = the {op.inner.name}"
            )
            return text, f"∂{self.name(self.index[v])}/∂{self.name(self.index[parent])}"
        if isinstance(op, NaryPrimitive):
            rules = {"sum": "1 for every term", "dot": "the factor it is multiplied by"}
            text = f"d {op.name}/d operand = {rules.get(op.name, 'stored by the forward pass')}"
            return text, f"∂{self.name(self.index[v])}/∂{self.name(self.index[parent])}"
        return "", f"∂{self.name(self.index[v])}/∂{self.name(self.index[parent])}"

    def backward_steps(self) -> list[_Step]:
        root = self.values[0]
        nodes, _ = walk(root)
        acc: dict[int, float] = {}  # this pass's running sums, as backward() adds them
        terms: dict[int, list[float]] = {}
        seed = root.grad if root.grad else 1.0
        acc[0], terms[0] = seed, [seed]
        first = _Step("seed", "Backward: the seed", _unique([self.svg_node(0)]))
        why = (
            f"d {self.name(0)}/d {self.name(0)}"
            if seed == 1.0
            else "the gradient backward() left in it: the pass goes on from there"
        )
        first.lines = [f"{self.name(0)}.grad = {seed!r} ({why})"]
        if not root.grad:
            first.lines.append(
                "backward() has not run on this value: the page shows what it would compute"
            )
        first.grads = self.grad_updates([0], acc)
        steps = [first]
        last_change = {0: 0}
        for where, run in self.runs([self.index[v] for v in nodes]):
            single = where is None
            title = (
                f"Backward: {self.name(run[0])} passes its gradient on"
                if single
                else f"Backward: {_count(len(run), 'value')} of {where} pass theirs on"
            )
            current = _unique(self.svg_node(i) for i in run)
            step = _Step("backward", title, current)
            changed: list[int] = []
            for i in run:
                step.lines += self.propagate(i, acc, terms, changed, step if single else None)
            cap = MAX_LINES if single else MAX_BOX_LINES
            if len(step.lines) > cap:
                step.lines = step.lines[:cap] + _more(len(step.lines) - cap, "lines")
            if not single:
                step.edges = [[k, "", ""] for node in current for k, _ in self.edge_into(node)]
            for j in changed:
                last_change[j] = len(steps)
            step.grads = self.grad_updates(_unique(changed), acc)
            steps.append(step)
        # A box's summary (grad norm, max |grad|) is final once its members' sums are.
        finished: dict[str, int] = {}
        for g in range(len(self.plan.groups)):
            members = self.plan.groups[g].members
            finished[f"g{g}"] = max((last_change.get(i, 0) for i in members), default=0)
        for name, at in finished.items():
            steps[at].done.append(name)
        steps.append(self.end_step(acc))
        return steps

    def propagate(
        self,
        i: int,
        acc: dict[int, float],
        terms: dict[int, list[float]],
        changed: list[int],
        step: _Step | None,
    ) -> list[str]:
        """Value ``i`` passes its finished gradient to its operands, as ``_propagate`` does;
        the lines that say so, and (for a value drawn alone) the labels on its edges."""
        v = self.values[i]
        g = acc.get(i, 0.0)
        me = self.name(i)
        parts = terms.get(i, [])
        lines = [f"{me}.grad = {g!r}"]
        if len(parts) > 1:  # several consumers: the sum, term by term
            lines[0] = f"{me}.grad = {_sum_text(parts)} = {g!r}"
        live = live_edges(v)
        if not live:
            lines.append(f"{v.op}: no gradient flows back through it (a gate that is off)")
        elif not isinstance(v._op, Primitive):  # one rule for all of an n-ary node's operands
            lines[0] += (
                f"; each operand's grad += d {me}/d operand × {me}.grad"
                f"\n    ({self.rule(v, live[0][0], 0)[0]})"
            )
        edges = self.edge_into(f"o{i}") if step is not None else []
        on_edge: dict[int, list[tuple[str, str]]] = {}
        position = 0
        parents = v.parents
        for p, d in live:
            # which operand this is (x * x has two), for its rule and its edge in the picture
            while position < len(parents) and parents[position] is not p:
                position += 1
            j = self.index[p]
            rule, symbolic = self.rule(v, p, position)
            position += 1
            product = d * g  # exactly what _propagate adds
            acc[j] = acc.get(j, 0.0) + product
            terms.setdefault(j, []).append(product)
            changed.append(j)
            pname = self.name(j)
            if isinstance(v._op, Primitive):
                factor = symbolic if _simple(symbolic) else f"({symbolic})"
                line = f"{pname}.grad += {factor} × {me}.grad = {d!r} × {g!r} = {product!r}"
            else:  # the factor's name would repeat both long names: the header says it
                line = f"{pname}.grad += {d!r} × {g!r} = {product!r}"
            if len(terms[j]) > 1:
                line += f"; so far {pname}.grad = {_sum_text(terms[j])} = {acc[j]!r}"
            if rule and isinstance(v._op, Primitive):
                line += f"\n    ({rule})"
            lines.append(line)
            # the edge in the picture: an operand's own, or the one from the box it is in
            source = self.svg_node(j)
            mine = [k for k, src in edges if src == source]
            free = [k for k in mine if k not in on_edge]
            if free or mine:
                short = f"{self.short(d)} × {self.short(g)} = {self.short(product)}"
                on_edge.setdefault((free or mine)[0], []).append((short, line))
        if step is not None:
            crowded = len(on_edge) > MAX_EDGE_LABELS  # labels would hide the picture
            for k, said in on_edge.items():
                label = said[0][0] if len(said) == 1 else f"{len(said)} products (see the panel)"
                exact = "\n".join(line for _, line in said[:MAX_LINES])
                step.edges.append([k, "" if crowded else label, exact])
            if crowded:
                lines.insert(
                    1,
                    f"{len(on_edge):,} edges carry these {_count(len(live), 'product')}: too many"
                    " to label in the picture, so this panel lists them (the edges are dashed)",
                )
        return lines

    def grad_updates(self, changed: list[int], acc: dict[int, float]) -> list[list[str]]:
        out = []
        for j in changed:
            node = self.svg_node(j)
            if node is None or not node.startswith("v"):
                continue
            g = acc[j]
            fill = grad_colour(g, self.values[j].data)
            out.append([node, repr(g), fmt(g, self.digits), fill])
        return out

    def end_step(self, acc: dict[int, float]) -> _Step:
        end = _Step("end", "End: every value holds its final gradient", _unique([self.svg_node(0)]))
        differ = []
        rows = []
        for i, v in enumerate(self.values):
            node = self.svg_node(i)
            if node is not None and node.startswith("v"):
                end.grads.append(
                    [node, repr(v.grad), fmt(v.grad, self.digits), grad_colour(v.grad, v.data)]
                )
            if i in acc and acc[i] != v.grad and not (acc[i] != acc[i] and v.grad != v.grad):
                differ.append(i)
        # the leaves first (what an optimiser reads), then the rest, newest first
        order = [i for i, v in enumerate(self.values) if not v._seq]
        order += sorted((i for i, v in enumerate(self.values) if v._seq), key=self._seq)[::-1]
        for i in order[:MAX_FINAL_ROWS]:
            v = self.values[i]
            rows.append([self.name(i), v.op or "leaf", repr(v.data), repr(v.grad)])
        end.table = rows
        end.lines = ["The table lists every value's .grad as backward() left it."]
        end.lines += _more(len(order) - MAX_FINAL_ROWS, "values not listed")
        if differ:
            first = differ[0]
            end.lines.append(
                f"{len(differ):,} values hold a .grad other than this pass's sum (for instance "
                f"{self.name(first)}: {acc[first]!r} here, .grad {self.values[first].grad!r}):"
                " a leaf's .grad adds up over several backward() calls"
            )
        return end

    # -- what clicking a node shows -----------------------------------------------------
    def node_details(self) -> dict[str, dict[str, Any]]:
        details: dict[str, dict[str, Any]] = {}
        for item in self.plan.drawn:
            if item >= 0:
                v = self.values[item]
                local = []
                for position, (p, d) in enumerate(v.edges):
                    rule, symbolic = self.rule(v, p, position)
                    pname = self.name(self.index[p])
                    text = f"d {self.name(item)}/d {pname} = {d!r}"
                    if symbolic and not symbolic.startswith("∂"):
                        text = f"d {self.name(item)}/d {pname} = {symbolic} = {d!r}"
                    local.append(text + (f"   ({rule})" if rule else ""))
                details[f"v{item}"] = {
                    "kind": "value",
                    "name": self.name(item),
                    "label": label_of(v),
                    "op": v.op or "leaf",
                    "data": repr(v.data),
                    "grad": repr(v.grad),
                    "local": local,
                    "fill0": grad_colour(0.0, v.data),
                }
            else:
                grp = self.plan.groups[~item]
                members = [
                    [
                        self.name(i),
                        self.values[i].op or "leaf",
                        repr(self.values[i].data),
                        repr(self.values[i].grad),
                    ]
                    for i in _parameters_first(grp.members, grp.parameters)[:MAX_MEMBERS]
                ]
                details[f"g{~item}"] = {
                    "kind": grp.kind,
                    "name": grp.name or grp.kind,
                    "count": len(grp.members),
                    "parameters": len(grp.parameters),
                    "members": members,
                }
        if self.plan.cut:
            details["cut"] = {"kind": "cut", "name": "not drawn", "count": self.plan.cut}
        return details


def _unique(items: Any) -> list[Any]:
    return [x for x in dict.fromkeys(items) if x is not None]


def _parameters_first(members: list[int], parameters: list[int]) -> list[int]:
    """A box's values with its parameters first: what an opened neuron is read for."""
    chosen = set(parameters)
    return parameters + [i for i in members if i not in chosen]


def _sum_text(terms: list[float]) -> str:
    """``t1 + t2 + ...``, the terms in the order they were added (at most 12 written out)."""
    if len(terms) <= 12:
        return " + ".join(map(repr, terms))
    head = " + ".join(map(repr, terms[:10]))
    return f"{head} + ... ({len(terms) - 11:,} more) + {terms[-1]!r}"


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}" + ("" if n == 1 else "s")


def _more(n: int, what: str) -> list[str]:
    return [f"... and {n:,} more {what}"] if n > 0 else []


def _substitute(text: str, names: dict[str, str]) -> str:
    return _OPERAND.sub(lambda m: names.get(m.group(1), m.group(1)), text)


def _pretty(text: str, square: bool = True) -> str:
    """The table's Python text as a reader writes it: ``1.0 - out * out`` -> ``1.0 − out²``."""
    if square:  # a whole token times itself (not the "0 * 0" inside "1.0 * 0.5")
        text = re.sub(r"(?<![\w.])([\w.]+) \* \1(?![\w.])", r"\1²", text)
    return text.replace(" * ", " × ").replace(" - ", " − ")


def _simple(text: str) -> bool:
    return re.fullmatch(r"[−-]?[\w.²∂/]+", text) is not None


# -- the page ---------------------------------------------------------------------------


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _page(svg: str, model: dict[str, Any]) -> str:
    """The HTML page: picture, controls, panel, and the inlined script, style and data."""
    svg = svg[svg.index("<svg") :]  # no XML prolog or DOCTYPE inside HTML
    # Inside a script element "</script" ends it and "<!--" changes how it is read: the
    # data holds no "<" at all (JSON writes it as \u003c; labels are the user's text).
    data = json.dumps(model, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    title = html.escape(model["title"])
    return _TEMPLATE.format(
        title=title,
        style=_asset("explore.css"),
        script=_asset("explore.js"),
        svg=svg,
        data=data,
        last=len(model["steps"]) - 1,
    )


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; \
style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>{title}</title>
<style>
{style}
</style>
</head>
<body>
<header>
<h1>{title}</h1>
<div class="controls" role="toolbar" aria-label="steps">
<button id="home" type="button" title="Home: the start">|&#x25C0; Start</button>
<button id="prev" type="button" title="Left arrow: one step back">&#x25C0; Back</button>
<button id="play" type="button" title="p: play or pause">&#x25B6; Play</button>
<button id="next" type="button" title="Right arrow: one step forward">Forward &#x25B6;</button>
<button id="end" type="button" title="End: the end of the backward pass">End &#x25B6;|</button>
<label>speed <select id="speed">
<option value="2000">0.5 steps/s</option>
<option value="1000" selected>1 step/s</option>
<option value="500">2 steps/s</option>
<option value="250">4 steps/s</option>
<option value="100">10 steps/s</option>
</select></label>
<button id="zoom" type="button" aria-pressed="false">Fit to pane</button>
<label class="slider">step <input id="slider" type="range" min="0" max="{last}" value="0">
<output id="counter" for="slider">0 / {last}</output></label>
</div>
<p class="keys">Keys: Left and Right step, Home and End jump, p plays and pauses; Tab to a
value and Enter (or click it) for its details. Boxes show rounded numbers; the panel shows
the engine's exact floats.</p>
</header>
<main>
<section id="graph" aria-label="the computation graph">
{svg}
</section>
<aside id="panel">
<section id="detail" aria-live="polite" hidden>
<h2 id="detail-title"></h2>
<button id="close" type="button" aria-label="close the details">Close</button>
<dl id="detail-list"></dl>
<ul id="detail-local"></ul>
<table id="detail-members" hidden>
<caption>What the box holds</caption>
<thead><tr><th scope="col">value</th><th scope="col">op</th><th scope="col">data</th>\
<th scope="col">final grad</th></tr></thead>
<tbody></tbody>
</table>
</section>
<section aria-live="polite">
<h2 id="step-title"></h2>
<p id="phase"></p>
<ul id="step-lines"></ul>
<table id="final" hidden>
<caption>Every value's .grad, as backward() left it</caption>
<thead><tr><th scope="col">value</th><th scope="col">op</th><th scope="col">data</th>\
<th scope="col">grad</th></tr></thead>
<tbody></tbody>
</table>
</section>
</aside>
</main>
<script type="application/json" id="model">{data}</script>
<script>
{script}
</script>
</body>
</html>
"""
