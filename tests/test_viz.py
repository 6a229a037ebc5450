"""Pictures of the graph: what draw_dot shows, how render writes it, how big graphs stay small.

Every test renders with any system ``dot`` hidden from PATH, so the pictures come from the
graphviz-pure wheel, as on a machine where Graphviz was never installed. The SVG is read
back with ``xml.etree`` and checked for the texts a reader would see.

"Big graphs never hang" is checked by counting, never by the clock: the boxes drawn, and
the nodes dot has to lay out (the drawn ones, plus the invisible ones it threads through
every edge that spans several ranks). Render times are in ``benchmarks/bench_viz.py``.
"""

import math
import os
import random
import re
import stat
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import graphviz
import pytest

import autograd.viz.longedges as longedges
import autograd.viz.runner as runner
from autograd import Value
from autograd.viz import RenderError, draw_dot, render
from autograd.viz.longedges import ranks
from autograd.viz.style import grad_colour
from benchmarks.graphs import count_values, demo_loss

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
posix_only = pytest.mark.skipif(os.name != "posix", reason="fake renderers are shell scripts")


@pytest.fixture(autouse=True)
def no_system_dot(monkeypatch, tmp_path):
    """PATH holds only an empty directory: no system dot, no graphviz-pure on PATH."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    return empty


# -- reading the SVG back --------------------------------------------------------------
def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def svg_groups(path, kind="node") -> list[ET.Element]:
    """The SVG groups of one kind ("node", "edge", "cluster"), in document order."""
    root = ET.parse(path).getroot()
    assert root.tag == SVG + "svg"
    return [g for g in root.iter(SVG + "g") if g.get("class") == kind]


def node_texts(path) -> list[list[str]]:
    """Each node's texts (whitespace collapsed, as a reader sees them)."""
    return [[_text(t) for t in g.iter(SVG + "text")] for g in svg_groups(path)]


def records(path) -> list[list[str]]:
    """The value records: nodes showing a grad (copies of a value beside a distant use
    show only its name)."""
    return [n for n in node_texts(path) if any(t.startswith("grad ") for t in n)]


def all_texts(path) -> list[str]:
    return [_text(t) for t in ET.parse(path).getroot().iter(SVG + "text")]


def node_fill(path, first_text: str) -> str:
    """The fill colour of the node whose first text is ``first_text``."""
    for g in svg_groups(path):
        texts = [_text(t) for t in g.iter(SVG + "text")]
        if texts and texts[0] == first_text:
            for shape in g.iter():  # inside the tooltip's <a> too
                if shape.tag in (SVG + "polygon", SVG + "path", SVG + "ellipse"):
                    if shape.get("fill") not in (None, "none"):
                        return shape.get("fill")
    raise AssertionError(f"no filled node starting with {first_text!r}")


def rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


# -- what dot is given to lay out -------------------------------------------------------
_NODE_STATEMENT = re.compile(r"^\s+(\w+) \[", re.M)
_EDGE_STATEMENT = re.compile(r"^\s+(\w+) -> (\w+)", re.M)


def dot_graph(source: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The nodes and edges of DOT source (the attribute statements node/edge/graph aside)."""
    nodes = [n for n in _NODE_STATEMENT.findall(source) if n not in ("node", "edge", "graph")]
    return nodes, _EDGE_STATEMENT.findall(source)


def _topological(nodes, edges):
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    indegree = dict.fromkeys(nodes, 0)
    for a, b in edges:
        succ[a].append(b)
        indegree[b] += 1
    order = [n for n in nodes if indegree[n] == 0]
    for a in order:  # grows while it is read: Kahn's algorithm
        for b in succ[a]:
            indegree[b] -= 1
            if indegree[b] == 0:
                order.append(b)
    assert len(order) == len(nodes), "the drawing has a cycle"
    return order, succ


def invisible_at_most(nodes, edges) -> int:
    """An upper bound on the invisible nodes dot adds: dot ranks the graph to minimise the
    total edge length, so any valid ranking bounds it. This one puts each node one rank
    before its earliest consumer."""
    order, succ = _topological(nodes, edges)
    rank: dict[str, int] = {}
    for a in reversed(order):
        rank[a] = min((rank[b] for b in succ[a]), default=1) - 1
    return sum(rank[b] - rank[a] - 1 for a, b in edges)


def invisible_at_least(nodes, edges) -> int:
    """A lower bound on the invisible nodes dot adds: in every valid ranking an edge a -> b
    spans at least the longest path from a to b."""
    order, succ = _topological(nodes, edges)
    position = {n: i for i, n in enumerate(order)}
    total = 0
    for a in nodes:
        if len(succ[a]) < 2:  # a single edge is itself the longest path
            continue
        longest = {a: 0}
        for n in order[position[a] :]:
            if n in longest:
                for b in succ[n]:
                    longest[b] = max(longest.get(b, 0), longest[n] + 1)
        total += sum(longest[b] - 1 for b in succ[a])
    return total


def layout_size(root, **options) -> tuple[int, int]:
    """(nodes handed to dot, an upper bound on all the nodes dot lays out)."""
    nodes, edges = dot_graph(draw_dot(root, **options).source)
    return len(nodes), len(nodes) + invisible_at_most(nodes, edges)


# -- graphs to draw --------------------------------------------------------------------
def neuron():
    """micrograd's neuron, tanh(x1*w1 + x2*w2 + b), after backward."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o


# -- what one value looks like ---------------------------------------------------------
def test_the_neuron_shows_every_label_data_and_grad(tmp_path):
    path = render(neuron(), tmp_path / "neuron.svg")
    nodes = node_texts(path)
    # micrograd's walk-through numbers, to 4 significant digits.
    for record in [
        ["x1", "data 2", "grad -1.5"],
        ["w1", "data -3", "grad 1"],
        ["x2", "data 0", "grad 0.5"],
        ["w2", "data 1", "grad 0"],
        ["b", "data 6.881", "grad 0.5"],
        ["n", "data 0.8814", "grad 0.5"],
        ["o", "data 0.7071", "grad 1"],
        ["data -6", "grad 0.5"],  # x1*w1, unlabelled
        ["data 0", "grad 0.5"],  # x2*w2
    ]:
        assert record in nodes


def test_one_record_per_value_one_node_per_operation_edges_through_the_operation(tmp_path):
    path = render(neuron(), tmp_path / "neuron.svg", legend=False)
    nodes = node_texts(path)
    values = records(path)
    operations = sorted(n[0] for n in nodes if n not in values)
    assert len(values) == 10
    assert operations == ["*", "*", "+", "+", "tanh"]
    # 9 operands into their operations, 5 operations into their results.
    assert len(svg_groups(path, "edge")) == 14


def test_an_operand_used_twice_has_two_edges(tmp_path):
    x = Value(3.0, label="x")
    y = x * x
    y.backward()
    path = render(y, tmp_path / "square.svg", legend=False)
    assert ["x", "data 3", "grad 6"] in node_texts(path)
    assert len(svg_groups(path, "edge")) == 3


@pytest.mark.parametrize(
    "digits, shown", [(2, "data 0.71"), (4, "data 0.7071"), (7, "data 0.7071068")]
)
def test_digits_sets_the_significant_digits(tmp_path, digits, shown):
    path = render(neuron(), tmp_path / "n.svg", digits=digits)
    assert ["o", shown, "grad 1"] in node_texts(path)


def test_rankdir_is_passed_to_graphviz(tmp_path):
    assert "rankdir=TB" in draw_dot(neuron(), rankdir="TB").source
    path = render(neuron(), tmp_path / "tb.svg", rankdir="TB")
    assert ["o", "data 0.7071", "grad 1"] in node_texts(path)


@pytest.mark.parametrize(
    "options",
    [{"rankdir": "XY"}, {"digits": 0}, {"digits": 2.5}, {"max_nodes": 0}, {"group": "bogus"}],
)
def test_bad_options_are_refused(options):
    with pytest.raises(ValueError):
        draw_dot(neuron(), **options)


def test_draw_dot_takes_a_value():
    with pytest.raises(TypeError):
        draw_dot(1.5)


def test_draw_dot_returns_a_digraph_that_jupyter_displays_without_system_graphviz():
    dot = draw_dot(neuron())
    assert isinstance(dot, graphviz.Digraph)
    bundle = dot._repr_mimebundle_()  # what Jupyter calls to show it inline
    svg = ET.fromstring(bundle["image/svg+xml"].encode("utf-8"))
    texts = [_text(t) for t in svg.iter(SVG + "text")]
    assert "data 0.7071" in texts


# -- colour ----------------------------------------------------------------------------
def test_fill_follows_the_gradient_magnitude_on_a_log_scale():
    decades = [grad_colour(10.0**k) for k in range(-8, 3)]
    assert len(set(decades)) == len(decades)  # a linear scale would merge the small ones
    assert grad_colour(-1e-3) == grad_colour(1e-3)  # magnitude, not sign
    assert grad_colour(1e-12) == grad_colour(1e-8)  # beyond the scale: its ends
    assert grad_colour(1e5) == grad_colour(1e2)
    r, g, b = rgb(grad_colour(0.0))
    assert r == g == b  # zero: neutral grey
    assert grad_colour(0.0) not in decades


def test_the_picture_colours_vanishing_healthy_and_exploding_gradients_apart(tmp_path):
    tiny, ok, huge, dead = (Value(1.0, label=s) for s in ("tiny", "ok", "huge", "dead"))
    y = tiny * 1e-7 + ok + huge * 50.0 + dead * 0.0
    y.backward()
    path = render(y, tmp_path / "grads.svg")
    fills = {s: node_fill(path, s) for s in ("tiny", "ok", "huge", "dead")}
    assert len(set(fills.values())) == 4
    r, g, b = rgb(fills["dead"])
    assert r == g == b


def is_red(colour: str) -> bool:
    r, g, b = rgb(colour)
    return r > 0xB0 and g < 0x40 and b < 0x40


def test_inf_data_is_red(tmp_path):
    a, c = Value(math.inf, label="a"), Value(2.0, label="c")
    y = a * c
    y.label = "y"
    y.backward()
    path = render(y, tmp_path / "inf.svg")
    assert is_red(node_fill(path, "a")) and is_red(node_fill(path, "y"))
    assert math.isinf(c.grad) and is_red(node_fill(path, "c"))  # data 2, but grad inf
    assert "nan/inf" in all_texts(path)  # the legend says what red means


def test_an_infinite_or_nan_gradient_is_red(tmp_path):
    c, d = Value(2.0, label="c"), Value(3.0, label="d")
    y = (c - 2.0).sqrt() + d  # d sqrt(u) / du at u = 0 is inf
    y.backward()
    path = render(y, tmp_path / "inf.svg")
    assert math.isinf(c.grad) and is_red(node_fill(path, "c"))
    assert not is_red(node_fill(path, "d"))


def test_the_legend_shows_the_scale(tmp_path):
    texts = all_texts(render(neuron(), tmp_path / "n.svg"))
    assert any("|grad|" in t and "log" in t for t in texts)
    assert {"0", "1e-8", "1", "nan/inf"} <= set(texts)
    assert "legend" not in draw_dot(neuron(), legend=False).source


# -- labels are text, never markup -----------------------------------------------------
NASTY_LABELS = [
    'a "quoted" label',
    'escaped \\" quote',
    "{braces} and | bars and [brackets]",
    "<angle> brackets",
    "<b>bold?</b>",
    "<script>alert(1)</script>",
    "&lt;script&gt; &amp; & &#60;b&#62;",
    "back\\slash \\n \\l \\N \\G",
    "ends with a backslash\\",
    "\\",
    "x</text><script>alert(1)</script>",
]


@pytest.mark.parametrize("label", NASTY_LABELS)
def test_labels_render_as_literal_text(tmp_path, label):
    x = Value(1.5, label=label)
    y = x * 2.0
    for _ in range(10):
        y = y + 1.0
    y = y + x  # far from x's first use: x is drawn again there, as a copy with its label
    y.backward()
    path = render(y, tmp_path / "label.svg", legend=False)
    literal = " ".join(label.split())
    assert [literal, "data 1.5", "grad 3"] in node_texts(path)
    assert [literal] in node_texts(path)  # the copy
    shapes = {"svg", "g", "title", "polygon", "polyline", "path", "ellipse", "text", "a"}
    tags = {e.tag.removeprefix(SVG) for e in ET.parse(path).getroot().iter()}
    assert tags <= shapes, tags - shapes  # no <script>, <foreignObject>, <b>, ...
    # An <a> only carries a tooltip: it links nowhere.
    for a in ET.parse(path).getroot().iter(SVG + "a"):
        assert set(a.attrib) == {XLINK + "title"}, a.attrib


def test_control_characters_in_a_label_show_as_spaces(tmp_path):
    x = Value(1.0, label="two\nlines\tand a tab")
    path = render(x * 1.0, tmp_path / "ctl.svg")
    assert any(n and n[0] == "two lines and a tab" for n in node_texts(path))


# -- render ----------------------------------------------------------------------------
def test_render_writes_svg_png_and_jpeg(tmp_path):
    o = neuron()
    assert render(o, tmp_path / "n.svg") == tmp_path / "n.svg"
    assert "data 0.7071" in all_texts(tmp_path / "n.svg")
    assert render(o, tmp_path / "n.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert render(o, str(tmp_path / "n.JPG")).read_bytes()[:3] == b"\xff\xd8\xff"


@pytest.mark.parametrize("suffix", [".dot", ".gv"])
def test_dot_source_is_written_without_running_a_renderer(tmp_path, monkeypatch, suffix):
    monkeypatch.setattr(runner, "renderers", lambda: pytest.fail("a renderer was run"))
    path = render(neuron(), tmp_path / f"n{suffix}")
    source = path.read_text(encoding="utf-8")
    assert source.startswith("digraph") and "data 0.7071" in source


def test_render_takes_a_drawn_digraph(tmp_path):
    path = render(draw_dot(neuron(), digits=2), tmp_path / "n.svg")
    assert ["o", "data 0.71", "grad 1"] in node_texts(path)
    with pytest.raises(TypeError):
        render(draw_dot(neuron()), tmp_path / "m.svg", digits=3)


def test_an_unknown_suffix_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(ValueError, match=r"\.svg"):
        render(neuron(), tmp_path / "n.txt")
    assert list(tmp_path.glob("n.*")) == []


def test_without_any_renderer_the_error_says_what_to_install_and_keeps_the_dot(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(runner, "renderers", lambda: [])
    with pytest.raises(RenderError, match="pip install graphviz-pure") as caught:
        render(neuron(), tmp_path / "n.svg")
    assert "Graphviz" in str(caught.value) and "n.dot" in str(caught.value)
    assert not (tmp_path / "n.svg").exists()
    assert "data 0.7071" in (tmp_path / "n.dot").read_text(encoding="utf-8")


def test_pdf_without_system_graphviz_asks_for_graphviz_and_keeps_the_dot(tmp_path):
    # With a system dot, .pdf works; graphviz-pure alone cannot write PDF.
    with pytest.raises(RenderError, match="Graphviz"):
        render(neuron(), tmp_path / "n.pdf")
    assert (tmp_path / "n.dot").read_text(encoding="utf-8").startswith("digraph")


def _script(directory, name, body):
    path = directory / name
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@posix_only
def test_a_system_dot_on_path_is_preferred(tmp_path, no_system_dot):
    fake = '<svg xmlns="http://www.w3.org/2000/svg"><text>from system dot</text></svg>'
    _script(no_system_dot, "dot", f"cat > /dev/null\necho '{fake}'\n")
    path = render(neuron(), tmp_path / "n.svg")
    assert all_texts(path) == ["from system dot"]


@posix_only
def test_a_broken_system_dot_falls_back_to_graphviz_pure(tmp_path, no_system_dot):
    _script(no_system_dot, "dot", "echo 'dot: broken' >&2\nexit 3\n")
    path = render(neuron(), tmp_path / "n.svg")
    assert "data 0.7071" in all_texts(path)


def test_render_works_with_the_venv_not_activated(tmp_path, no_system_dot):
    # A fresh interpreter, started by its full path, with nothing useful on PATH.
    code = "from autograd import Value; from autograd.viz import render; import sys\n"
    code += "y = Value(2.0, label='x').tanh(); y.backward(); render(y, sys.argv[1])"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = str(no_system_dot)
    out = tmp_path / "fresh.svg"
    subprocess.run([sys.executable, "-c", code, str(out)], check=True, env=env, timeout=60)
    assert ["x", "data 2", "grad 0.07065"] in node_texts(out)


# -- big graphs ------------------------------------------------------------------------
def test_the_micrograd_demo_loss_stays_within_the_budget_and_says_what_was_cut(tmp_path):
    loss, _ = demo_loss(tag=False)
    total = count_values(loss)
    assert total > 60_000
    path = render(loss, tmp_path / "demo.svg")
    texts = all_texts(path)
    # Untagged: the 300 values nearest the root are drawn, the rest counted.
    assert len(records(path)) == 300
    # What dot lays out is a few nodes per drawn value (its record, its operation, copies
    # of its two operands at most), not the 65,000 values: why it finishes in seconds.
    handed, laid_out = layout_size(loss)
    assert len(svg_groups(path)) == handed
    assert laid_out <= 4 * 300
    assert f"... {total - 300:,} more values not drawn" in texts
    assert any(f"{total:,} values" in t for t in texts)  # the legend gives the whole size


def test_an_nn_graph_over_budget_draws_a_box_per_neuron_in_its_layer_frame(tmp_path):
    loss, params = demo_loss(tag=True)
    path = render(loss, tmp_path / "demo.svg")
    boxes = {n[0]: n for n in node_texts(path) if n and n[0] in params}
    assert set(boxes) == set(params)  # all 33 neurons
    frames = {_text(g.find(".//" + SVG + "text")) for g in svg_groups(path, "cluster")}
    assert frames == {"layers.0", "layers.1", "layers.2"}
    # A first-layer neuron, over 100 examples: 2 products, 2 sums, a relu each, and 3
    # parameters; its box shows those counts and its parameters' gradient norm.
    name = "layers.0.neurons.5"
    norm = math.sqrt(sum(p.grad**2 for p in params[name]))
    assert "503 values, 3 parameters" in boxes[name]
    assert f"parameter grad norm {norm:.4g}" in boxes[name]
    # The 200 inputs are one box, not 200.
    assert any(n and n[0] == "inputs of layers.0" and "200 values" in n for n in node_texts(path))


def test_a_small_budget_draws_a_box_per_layer(tmp_path):
    loss, params = demo_loss(points=10, tag=True)
    path = render(loss, tmp_path / "layers.svg", max_nodes=40)
    firsts = {n[0] for n in node_texts(path) if n}
    assert {"layers.0", "layers.1", "layers.2"} <= firsts
    assert not firsts & set(params)  # no neuron drawn on its own
    path = render(loss, tmp_path / "cut.svg", max_nodes=8)
    assert any("more values not drawn" in t for t in all_texts(path))


def test_group_none_never_groups(tmp_path):
    loss, params = demo_loss(points=5, tag=True)
    path = render(loss, tmp_path / "flat.svg", group=None, max_nodes=50)
    firsts = {n[0] for n in node_texts(path) if n}
    assert not firsts & set(params)
    assert len(records(path)) == 50


def test_a_tagged_graph_within_budget_is_drawn_value_by_value(tmp_path):
    loss, params = demo_loss(points=1, sizes=(2, 2, 1), tag=True)
    total = count_values(loss)
    assert total < 300
    path = render(loss, tmp_path / "small.svg")
    assert len(records(path)) == total
    assert not any("more values not drawn" in t for t in all_texts(path))


def test_nan_inside_a_neuron_turns_its_box_red(tmp_path):
    loss, params = demo_loss(points=10, tag=True)
    params["layers.1.neurons.2"][0].grad = math.nan
    path = render(loss, tmp_path / "nan.svg", max_nodes=100)
    assert is_red(node_fill(path, "layers.1.neurons.2"))


def test_what_is_kept_is_what_lies_nearest_the_root(tmp_path):
    y = Value(0.0, label="start")
    for _ in range(1000):
        y = y + 1.0  # the k-th value from the root has data 1000 - k
    y.backward()
    path = render(y, tmp_path / "chain.svg", max_nodes=10)
    datas = {t for n in records(path) for t in n if t.startswith("data ")}
    assert datas == {f"data {k}" for k in range(991, 1001)}
    assert "... 991 more values not drawn" in all_texts(path)


def test_max_nodes_none_draws_everything(tmp_path):
    y = Value(0.0)
    for _ in range(400):
        y = y + 1.0
    dot = draw_dot(y, max_nodes=None)
    assert dot.source.count("shape=record") == 401
    assert "not drawn" not in dot.source


def test_a_graph_a_hundred_thousand_deep_draws_without_recursion(tmp_path):
    y = Value(1.0)
    for _ in range(100_000):
        y = y * 1.0
    path = render(y, tmp_path / "deep.svg")
    assert f"... {100_001 - 300:,} more values not drawn" in all_texts(path)


# -- long edges ------------------------------------------------------------------------
def test_a_value_used_all_along_a_long_chain_is_copied_beside_each_distant_use(tmp_path):
    x = Value(1.0, label="x")
    y = x
    for _ in range(2000):
        y = y + x
    y.backward()
    path = render(y, tmp_path / "hub.svg")
    assert ["x", "data 1", "grad 2001"] in records(path)
    copies = [n for n in node_texts(path) if n == ["x"]]
    assert len(copies) > 100
    assert any("dashed box" in t for t in all_texts(path))


def test_copies_keep_what_dot_lays_out_near_what_is_drawn(monkeypatch):
    # x feeds every one of the 150 drawn additions. Drawn as one node with 150 edges, dot
    # must thread each edge through every rank between x and its use: this took
    # graphviz-pure minutes.
    x = Value(1.0, label="x")
    y = x
    for _ in range(2000):
        y = y + x
    y.backward()
    handed, laid_out = layout_size(y)
    assert laid_out <= 4 * 300  # the 300 records, their operations, the copies of x
    monkeypatch.setattr(longedges, "MAX_SPAN", 10**9)  # no copies
    nodes, edges = dot_graph(draw_dot(y).source)
    assert len(nodes) < handed  # fewer nodes handed over...
    assert invisible_at_least(nodes, edges) > 50 * laid_out  # ...but far more to lay out


def test_estimated_ranks_point_every_edge_forward_and_pull_each_node_to_its_first_use():
    rng = random.Random(4)
    for _ in range(200):
        n = rng.randint(2, 40)
        nodes = [f"n{i}" for i in range(n)]
        edges = [
            (nodes[a], nodes[b]) for a in range(n) for b in range(a + 1, n) if rng.random() < 3 / n
        ]
        rank = ranks(nodes, edges)
        assert all(rank[b] > rank[a] for a, b in edges)
        for a in nodes:
            later = [rank[b] for s, b in edges if s == a]
            if later:
                assert rank[a] == min(later) - 1


def test_the_committed_neuron_picture_shows_the_neuron_after_backward():
    path = os.path.join(os.path.dirname(__file__), "..", "docs", "neuron.svg")
    nodes = node_texts(path)
    for record in [
        ["x1", "data 2", "grad -1.5"],
        ["w1", "data -3", "grad 1"],
        ["x2", "data 0", "grad 0.5"],
        ["w2", "data 1", "grad 0"],
        ["b", "data 6.881", "grad 0.5"],
        ["tanh(x1*w1 + x2*w2 + b)", "data 0.7071", "grad 1"],
    ]:
        assert record in nodes
