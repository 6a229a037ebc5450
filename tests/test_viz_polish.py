"""Big pictures, polished: one font, neurons in index order, a loss's per-example terms drawn
once, tooltips with the exact numbers, long labels cut in the picture but whole in the tooltip.

Every claim is read back from the SVG that graphviz-pure draws (any system ``dot`` is hidden
from PATH): the fonts of its texts, the coordinates of its boxes, the tooltips of its links.
"""

import random
import re
import xml.etree.ElementTree as ET

import pytest

import autograd
from autograd import Value
from autograd.viz import draw_dot, render
from autograd.viz.plan import make_plan
from autograd.viz.runner import pipe
from autograd.viz.style import FONT, LABEL_WIDTH
from benchmarks.graphs import demo_loss
from nn import MLP
from nn.datasets import make_moons
from nn.losses import hinge_loss

SVG = "{http://www.w3.org/2000/svg}"
XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"
NEURON = re.compile(r"layers\.(\d+)\.neurons\.(\d+)")


@pytest.fixture(autouse=True)
def no_system_dot(monkeypatch, tmp_path):
    """PATH holds only an empty directory: the pictures come from graphviz-pure."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def svg_root(path) -> ET.Element:
    root = ET.parse(path).getroot()
    assert root.tag == SVG + "svg"
    return root


def groups(path, kind="node") -> list[ET.Element]:
    return [g for g in svg_root(path).iter(SVG + "g") if g.get("class") == kind]


def texts(g: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in g.iter(SVG + "text")]


def tooltip(g: ET.Element) -> str | None:
    """The tooltip a browser shows over this group: its <a xlink:title>."""
    a = g.find(f".//{SVG}a")
    return None if a is None else a.get(XLINK_TITLE)


def moons_hinge_loss(points: int = 100) -> Value:
    """nn's model and loss as the moons demo builds them: an MLP, the hinge loss over the
    points, and L2 regularisation; after backward."""
    xs, ys = make_moons(points, noise=0.1, seed=1337)
    model = MLP(2, [16, 16, 1], seed=1337)
    loss = hinge_loss(model(xs), [2 * y - 1 for y in ys])
    loss = loss + 1e-4 * sum(p * p for p in model.parameters())
    loss.backward()
    return loss


# -- 1. one font ------------------------------------------------------------------------
def test_every_text_captions_legend_and_edge_labels_included_is_in_one_font(tmp_path):
    loss, _ = demo_loss(points=3, tag=True)
    # Grouped by neuron: layer frames with captions; an edge label to see the edges' font.
    path = render(loss, tmp_path / "fonts.svg", group="neuron", edge_attr={"label": "e"})
    fonts = {t.get("font-family") for t in svg_root(path).iter(SVG + "text")}
    assert fonts == {"Helvetica,sans-Serif"}
    # ... and the picture does have each kind of text.
    captions = {texts(g)[0] for g in groups(path, "cluster")}
    assert captions == {"layers.0", "layers.1", "layers.2"}
    assert any(texts(g) == ["e"] for g in groups(path, "edge"))
    assert any("fill: |grad| on a log scale" in texts(g) for g in groups(path))


def test_the_font_is_one_the_renderer_measures_rather_than_guessing_as_times():
    # graphviz sizes boxes from width tables it has for a few families only; any other
    # name is measured as Times, so its text would overflow or float in its box.
    def width(font: str) -> float:
        dot = f'digraph {{ a [shape=box margin=0 fontname="{font}" label="MMMM data -0.5377"] }}'
        svg = ET.fromstring(pipe(dot, "svg"))
        points = next(svg.iter(SVG + "polygon"))  # the background
        xs = [float(p.split(",")[0]) for p in points.get("points").split()]
        return max(xs) - min(xs)

    assert width(FONT) != width("Times")
    assert width(FONT) != width("no such font")  # the fallback: Times' widths
    assert width("no such font") == width("Times")


def widths_in(font: str, lines: list[str]) -> list[float]:
    """How wide graphviz-pure measures each line in ``font`` at 11 points."""
    nodes = "".join(f'n{i} [label="{line}"]\n' for i, line in enumerate(lines))
    dot = "digraph { node [shape=box margin=0 width=0 height=0 fontsize=11 "
    dot += f'fontname="{font}"]\n{nodes}}}'
    svg = ET.fromstring(pipe(dot, "svg"))
    return [width(g) for g in svg.iter(SVG + "g") if g.get("class") == "node"]


def test_boxes_leave_room_for_a_wider_fallback_font(tmp_path):
    # A viewer without Helvetica (or Arial, Liberation Sans, ...) draws DejaVu Sans, up to
    # 15% wider: a box's text must still fit inside it, as graphviz measures DejaVu Sans.
    path = render(moons_hinge_loss(), tmp_path / "moons.svg")
    checked = 0
    for g in groups(path):
        lines = texts(g)
        if len(lines) >= 4 and not any('"' in line for line in lines):  # boxes, the legend
            widest = max(widths_in("DejaVu Sans", lines))
            assert width(g) >= widest, lines
            assert widest > max(widths_in("Helvetica", lines))  # the check is not vacuous
            checked += 1
    assert checked >= 35  # 33 neurons, the two groups of terms (and the legend)


# -- 2. neurons in their order ----------------------------------------------------------
def neuron_positions(path, rankdir: str) -> dict[int, list[int]]:
    """For each layer, its neurons' indices in reading order: top to bottom across the
    ranks of LR and RL, left to right across those of TB and BT."""
    at: dict[int, list[tuple[float, int]]] = {}
    for g in groups(path):
        m = texts(g) and NEURON.fullmatch(texts(g)[0])
        if m:
            first = g.find(f".//{SVG}text")
            x, y = float(first.get("x")), float(first.get("y"))
            at.setdefault(int(m[1]), []).append((y if rankdir in ("LR", "RL") else x, int(m[2])))
    return {layer: [i for _, i in sorted(row)] for layer, row in at.items()}


@pytest.mark.parametrize("rankdir", ["LR", "TB", "RL", "BT"])
def test_the_neurons_of_a_layer_appear_in_index_order(tmp_path, rankdir):
    loss, _ = demo_loss(tag=True)
    path = render(loss, tmp_path / "order.svg", rankdir=rankdir)
    order = neuron_positions(path, rankdir)
    assert order == {0: list(range(16)), 1: list(range(16)), 2: [0]}


def test_the_neurons_of_nns_mlp_appear_in_index_order(tmp_path):
    path = render(moons_hinge_loss(), tmp_path / "moons.svg")
    assert neuron_positions(path, "LR") == {0: list(range(16)), 1: list(range(16)), 2: [0]}


# -- 3. repeated per-example terms drawn once ---------------------------------------------
def test_a_loss_over_a_hundred_examples_draws_its_terms_once_as_a_group(tmp_path):
    path = render(moons_hinge_loss(100), tmp_path / "moons.svg")
    nodes = [texts(g) for g in groups(path)]
    # The hinge loss's term for one example is relu(1 - y * score): three values, a
    # hundred times; all of them one box that says so.
    box = [n for n in nodes if n and n[0].startswith("×100 ")]
    assert len(box) == 1
    assert box[0][:3] == ["×100 alike terms of one sum", "each relu(c - x * c)", "300 values"]
    assert ["relu"] not in nodes  # no per-example relu drawn on its own
    # The L2 term, p * p for each of the 337 parameters, is one box as well.
    assert any(n[:2] == ["×337 alike terms of one sum", "each x * x"] for n in nodes)
    # Everything fits the budget now: every neuron drawn, nothing cut.
    assert sum(bool(n and NEURON.fullmatch(n[0])) for n in nodes) == 33
    assert not any("not drawn" in t for n in nodes for t in n)
    assert len(nodes) < 60


def grouped_terms(root: Value, **options) -> dict[str, tuple[str, int]]:
    plan = make_plan(root, max_nodes=options.get("max_nodes", 300), grouping="neuron")
    return {g.name: (g.note, len(g.members)) for g in plan.groups if g.kind == "terms"}


def test_terms_are_grouped_by_shape_and_only_three_or_more_alike():
    rng = random.Random(0)
    values = [Value(rng.uniform(-1, 1)) for _ in range(40)]
    terms = [(values[i] * values[i + 1]).tanh() for i in range(0, 10, 2)]  # 5 alike
    terms += [(values[i] - 2.0).exp() for i in range(10, 14)]  # 4 others, alike
    terms += [values[i].sin() for i in range(14, 16)]  # only 2: each drawn alone
    root = autograd.sum(terms)
    # A term's values: its operations and the leaves only it reads.
    assert grouped_terms(root) == {
        "×5 alike terms of one sum": ("tanh(x * y)", 5 * 4),
        "×4 alike terms of one sum": ("exp(x - c)", 4 * 3),
    }
    # Python's sum, a chain of +, is one sum too; its own + go into the box.
    chained = sum(((values[i] * values[i]) for i in range(20)), Value(0.0))
    # (the + on top is the root, drawn on its own; the 19 below it join the box)
    assert grouped_terms(chained) == {"×20 alike terms of one sum": ("x * x", 20 * 2 + 19)}


def test_a_value_that_several_terms_share_stays_outside_their_group():
    w = Value(0.5, label="w")
    xs = [Value(float(i)) for i in range(10)]
    root = sum((w * x for x in xs), Value(0.0))
    plan = make_plan(root, max_nodes=300, grouping="neuron")
    (group,) = [g for g in plan.groups if g.kind == "terms"]
    members = {plan.values[i] for i in group.members}
    assert w not in members and set(xs) <= members  # each x is read by its term alone
    assert group.note == "x * y"


def test_group_none_draws_every_term_on_its_own(tmp_path):
    path = render(moons_hinge_loss(5), tmp_path / "flat.svg", group=None, max_nodes=None)
    nodes = [texts(g) for g in groups(path)]
    assert sum(n == ["relu"] for n in nodes) >= 5 and not any(
        "alike" in t for n in nodes for t in n
    )


# -- 4. tooltips ------------------------------------------------------------------------
INTERNAL = re.compile(r"\b[vogc]\d+\b|cluster_|->|\bcut\b|^legend$")


def test_a_values_tooltip_has_its_exact_data_and_grad_and_its_whole_label(tmp_path):
    a, b = Value(0.1, label="a"), Value(0.2, label="b")
    c = (a + b) * Value(1 / 3, label="third")
    c.label = "c"
    c.backward()
    path = render(c, tmp_path / "tips.svg")
    tips = {texts(g)[0]: tooltip(g) for g in groups(path)}
    # The boxes round to 4 digits; the tooltips give Python's repr, every digit.
    assert tips["a"] == f"a\ndata = 0.1\ngrad = {a.grad!r}"
    assert tips["third"] == f"third\ndata = {1 / 3!r}\ngrad = {(0.1 + 0.2)!r}"
    assert tips["c"] == f"c\ndata = {c.data!r}\ngrad = 1.0\nmade by mul"
    assert repr(0.1 + 0.2) == "0.30000000000000004"
    unlabelled = [t for n, t in tips.items() if n.startswith("data 0.3")]
    assert unlabelled == ["data = 0.30000000000000004\ngrad = 0.3333333333333333\nmade by add"]


@pytest.mark.parametrize("label", ["x", "\\N", "\\G \\E \\T \\H \\L", "v0", 'say "\\N"\\'])
def test_no_tooltip_shows_an_internal_name(tmp_path, label):
    x = Value(2.0, label=label)
    y = x * 3.0
    for _ in range(8):  # long enough for x to be drawn again beside its last use
        y = y + 1.0
    y = (y + x).tanh()
    y.backward()
    path = render(y, tmp_path / "tips.svg")
    everything = [*groups(path), *groups(path, "edge"), *groups(path, "cluster")]
    everything += groups(path, "graph")
    assert any(g.get("class") == "graph" for g in everything)
    for g in everything:
        tip = tooltip(g)
        assert tip, ET.tostring(g)  # without one, a browser shows the <title>: "v0", ...
        assert not INTERNAL.search(tip.replace(label, "")), tip
    # Graphviz's escapes (\N: the node's name) are not expanded: the label shows as written.
    tips = [tooltip(g) for g in groups(path)]
    assert f"{label}\ndata = 2.0\ngrad = {x.grad!r}" in tips


def test_a_group_and_a_frame_say_in_their_tooltips_what_they_stand_for(tmp_path):
    loss, params = demo_loss(points=3, tag=True)
    path = render(loss, tmp_path / "groups.svg", group="neuron")
    tips = {texts(g)[0]: tooltip(g) for g in groups(path) if texts(g)}
    name = "layers.1.neurons.4"
    assert tips[name].startswith(f"{name}\n") and "17 parameters" in tips[name]
    frames = {texts(g)[0]: tooltip(g) for g in groups(path, "cluster")}
    assert frames["layers.1"] == "layers.1: 16 neurons"


# -- 5. long labels ---------------------------------------------------------------------
def svg_width(path) -> float:
    return float(svg_root(path).get("width").removesuffix("pt"))


def test_a_long_label_is_cut_in_the_picture_and_whole_in_the_tooltip(tmp_path):
    rng = random.Random(1)
    label = "".join(rng.choice("abcdefghij klmnop") for _ in range(500))
    x = Value(1.5, label=label)
    y = (x * 2.0).tanh()
    y.backward()
    path = render(y, tmp_path / "long.svg", legend=False)
    (box,) = [g for g in groups(path) if "data 1.5" in texts(g)]
    shown = texts(box)[0]
    head, dots, tail = shown.partition("...")
    assert dots and len(shown) == LABEL_WIDTH
    assert label.startswith(head) and label.endswith(tail) and len(tail) > len(head)
    # (graphviz writes the second of two spaces as a no-break space, which shows the same)
    assert tooltip(box).replace("\xa0", " ") == f"{label}\ndata = 1.5\ngrad = {x.grad!r}"
    # The label widens the picture by LABEL_WIDTH characters at most (11 points each at
    # the widest), not by 500 of them.
    x.label = ""
    unlabelled = render(y, tmp_path / "unlabelled.svg", legend=False)
    assert 0 < svg_width(path) - svg_width(unlabelled) <= LABEL_WIDTH * 11


def test_a_long_module_name_is_cut_in_its_frame_and_box(tmp_path):
    loss, _ = demo_loss(points=2, sizes=(2, 2, 1), tag=True)
    long = "encoder." * 30
    stack = [loss]
    seen = {loss}
    while stack:  # rename every tagged value and parameter: a deeply nested model
        v = stack.pop()
        if v.label.startswith("layers."):
            v.label = long + v.label
        for p in v.parents:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    path = render(loss, tmp_path / "nested.svg", group="neuron")
    captions = [texts(g)[0] for g in groups(path, "cluster")]
    assert len(captions) == 2
    for caption in captions:
        head, dots, tail = caption.partition("...")
        assert dots and len(caption) == LABEL_WIDTH and (long + "layers.").startswith(head)
        assert tail.endswith(("layers.0", "layers.1"))  # what tells the frames apart stays
    # Each box is as wide as LABEL_WIDTH characters make it, not the 250 of the name.
    widest = max(width(g) for g in groups(path))
    assert widest <= LABEL_WIDTH * 11
    (box,) = [
        g
        for g in groups(path)
        if texts(g)[0].endswith("layers.0.neurons.1") and "13 values, 3 parameters" in texts(g)
    ]  # the box, not a copy of it
    assert tooltip(box).startswith(long + "layers.0.neurons.1\n")


def width(g: ET.Element) -> float:
    """How wide a node is drawn: the extent of its shapes' x coordinates."""
    xs = []
    for shape in g.iter():
        coords = shape.get("points") or shape.get("d") or ""
        xs += [float(x) for x in re.findall(r"(-?[\d.]+),-?[\d.]+", coords)]
        if shape.tag == SVG + "ellipse":
            xs += [float(shape.get("cx")) + k * float(shape.get("rx")) for k in (-1, 1)]
    return max(xs) - min(xs)


def test_a_box_whose_values_have_a_nan_gradient_says_max_grad_nan():
    from nn import MLP

    model = MLP(2, [2, 1], activation="tanh", seed=0)
    out = model([float("inf"), 1.0])
    out.backward()
    grads = [p.grad for p in model.parameters()]
    assert any(g != g for g in grads)  # the engine's answer: a nan among them
    source = draw_dot(out, group="neuron").source
    boxes = [line for line in source.splitlines() if "max |grad|" in line]
    assert boxes and any("max |grad| nan" in line for line in boxes), boxes


def test_render_to_an_html_file_points_to_explore(tmp_path):
    y = Value(2.0, label="x").tanh()
    with pytest.raises(ValueError, match=r"autograd.viz.explore\(root, path\)"):
        render(y, tmp_path / "page.html")
    assert not (tmp_path / "page.html").exists()
