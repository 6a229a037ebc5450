"""The explorer page as a file: what it contains, checked without a browser.

Its numbers are checked against the engine's: every product it writes is recomputed here
from the two factors it shows, and its last step's table against the ``.grad`` values
``backward()`` left. tests/test_explore_browser.py drives the page itself.
"""

import json
import math
import re
from pathlib import Path

import pytest

from autograd import Value
from autograd.viz import Explorer, explore
from autograd.viz.__main__ import main


def neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1w1"
    n = x1w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "x1w1": x1w1, "n": n}


def model_of(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="model">(.*?)</script>', page, re.S)
    assert found, "the page holds no model"
    return json.loads(found.group(1))


def all_lines(model: dict) -> list[str]:
    return [line for step in model["steps"] for line in step.get("lines", [])]


PRODUCT = re.compile(r"= (\S+) × (\S+) = (\S+?)(?:;|$|\n)")


def test_explore_writes_one_page_and_returns_its_path(tmp_path):
    o, _ = neuron()
    path = explore(o, tmp_path / "neuron.html")
    assert path == tmp_path / "neuron.html" and list(tmp_path.iterdir()) == [path]
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page


def test_the_page_loads_nothing_from_anywhere(tmp_path):
    o, _ = neuron()
    page = explore(o, tmp_path / "p.html").read_text(encoding="utf-8")
    # no external script, style sheet, image, font or frame; the SVG's xmlns are names only
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert "default-src 'none'" in page  # and the browser is told to refuse any load


def test_every_product_on_the_page_is_the_product_of_its_factors():
    o, _ = neuron()
    lines = [line for line in all_lines(model_of(explore(o).html)) if ".grad +=" in line]
    assert len(lines) == 9  # every live edge once: tanh 1, two + and two * with 2 each
    for line in lines:
        d, g, product = PRODUCT.search(line).groups()
        assert float(d) * float(g) == float(product), line


def test_the_last_step_lists_every_value_with_the_grad_backward_left():
    o, leaves = neuron()
    model = model_of(explore(o).html)
    end = model["steps"][-1]
    assert end["kind"] == "end"
    rows = {row[0]: row for row in end["table"]}
    for name, v in leaves.items():
        assert rows[name][2:] == [repr(v.data), repr(v.grad)]
    assert rows["o"][3] == "1.0"


def test_the_backward_steps_follow_the_engines_order():
    o, v = neuron()
    steps = model_of(explore(o).html)["steps"]
    passing = [s["title"] for s in steps if s["kind"] == "backward"]
    # newest first: o, n, the + inside n (x1w1 + x2*w2), x2*w2, x1w1
    assert passing[0] == "Backward: o passes its gradient on"
    assert passing[1] == "Backward: n passes its gradient on"
    assert passing[-1] == "Backward: x1w1 passes its gradient on"


def test_the_chain_rule_line_names_the_factors_and_the_tables_rule():
    o, v = neuron()
    lines = all_lines(model_of(explore(o).html))
    x1, w1, x1w1 = v["x1"], v["w1"], v["x1w1"]
    expected = (
        f"w1.grad += x1.data × x1w1.grad = {x1.data!r} × {x1w1.grad!r} = {x1.data * x1w1.grad!r}"
    )
    assert any(line.startswith(expected) for line in lines)
    assert x1.data * x1w1.grad == w1.grad  # its only consumer: the product is the gradient
    tanh_line = next(line for line in lines if line.startswith("n.grad += "))
    assert "(1.0 − o.data²) × o.grad" in tanh_line and "d tanh/dx = 1.0 − out²" in tanh_line


def test_a_value_with_several_consumers_shows_its_gradient_as_the_sum_term_by_term():
    x = Value(3.0, label="x")
    y = x * x + x.sin()
    y.label = "y"
    y.backward()
    lines = all_lines(model_of(explore(y).html))
    # the engine adds sin's term first (sin is newer than x * x), then x * x's two
    terms = [math.cos(3.0), 3.0, 3.0]
    assert terms[0] + terms[1] + terms[2] == x.grad
    expected = f"so far x.grad = {terms[0]!r} + 3.0 + 3.0 = {x.grad!r}"
    assert any(expected in line for line in lines)


def test_the_forward_steps_compute_each_value_in_creation_order():
    o, v = neuron()
    steps = model_of(explore(o).html)["steps"]
    assert steps[0]["kind"] == "start" and "x1 = 2.0" in steps[0]["lines"]
    forward = [s["lines"][0] for s in steps if s["kind"] == "forward"]
    assert forward[0] == "x1w1 = x1 × w1 = 2.0 × -3.0 = -6.0"
    assert forward[-1] == f"o = tanh(n) = tanh({v['n'].data!r}) = {o.data!r}"


def test_a_relu_that_is_off_says_nothing_flows_back():
    x = Value(-1.0, label="x")
    y = (x * 2.0).relu()
    y.backward()
    lines = all_lines(model_of(explore(y).html))
    assert any("no gradient flows back" in line for line in lines)


def test_a_second_backward_call_shows_the_accumulated_grad_and_says_so():
    x = Value(2.0, label="x")
    y = x * x
    y.backward()
    y.backward()
    end = model_of(explore(y).html)["steps"][-1]
    assert {row[0]: row[3] for row in end["table"]}["x"] == repr(x.grad) == "8.0"
    assert any("adds up over several backward() calls" in line for line in end["lines"])


def test_a_label_cannot_end_the_script_or_add_markup(tmp_path):
    x = Value(1.0, label="</script><script>alert(1)</script>")
    y = x.exp()
    y.backward()
    page = explore(y).html
    assert page.count("</script>") == 2 and page.count("<script") == 2
    assert model_of(page)["steps"][0]["lines"][0].startswith("</script><script>")


def test_without_a_path_it_returns_a_page_jupyter_shows_in_a_frame():
    o, _ = neuron()
    page = explore(o)
    assert isinstance(page, Explorer) and page.html.startswith("<!DOCTYPE html>")
    frame = page._repr_html_()
    assert frame.startswith("<iframe srcdoc=") and "<script" not in frame  # escaped inside


def test_an_mlp_loss_collapses_into_boxes_and_a_box_is_one_step():
    from nn import MLP, make_moons
    from nn.losses import hinge_loss

    X, y = make_moons(30, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=1)
    loss = hinge_loss(model(X), [2 * t - 1 for t in y])
    loss.backward()
    page = model_of(explore(loss).html)
    boxes = {k: v for k, v in page["nodes"].items() if k.startswith("g")}
    assert any(b["kind"] in ("neuron", "layer") for b in boxes.values())
    steps = page["steps"]
    assert len(steps) < 100  # 1,400 values: the boxes make it a short story
    layer_steps = [s for s in steps if "of layer layers.0" in s["title"]]
    assert [s["kind"] for s in layer_steps] == ["forward", "backward"]
    # an opened box lists its parameters with the grads backward() left
    params = {name: p for name, p in model.named_parameters()}
    listed = {row[0]: row[3] for b in boxes.values() for row in b["members"]}
    shown = [name for name in params if name in listed]
    assert shown and all(listed[name] == repr(params[name].grad) for name in shown)


@pytest.mark.parametrize(
    "options",
    [{"rankdir": "XX"}, {"digits": 0}, {"max_nodes": 0}, {"group": "nope"}],
)
def test_bad_options_are_refused_before_anything_is_written(tmp_path, options):
    o, _ = neuron()
    with pytest.raises(ValueError):
        explore(o, tmp_path / "p.html", **options)
    assert not list(tmp_path.iterdir())


def test_explore_takes_a_value():
    with pytest.raises(TypeError, match="Value"):
        explore(2.0)  # type: ignore[call-overload]


def test_the_command_line_writes_the_page_for_an_html_output(tmp_path, capsys):
    out = tmp_path / "neuron.html"
    argv = ["tanh(x*w + b)", "--set", "x=2", "--set", "w=-3", "--set", "b=6.88", "-o", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}" in printed
    model = model_of(out.read_text(encoding="utf-8"))
    assert model["title"] == "tanh(x*w + b)"
    rows = {row[0]: row[3] for row in model["steps"][-1]["table"]}
    x, w, b = Value(2.0), Value(-3.0), Value(6.88)
    (x * w + b).tanh().backward()
    assert (rows["x"], rows["w"], rows["b"]) == (repr(x.grad), repr(w.grad), repr(b.grad))


def test_the_demo_writes_a_page(tmp_path):
    from demos.chain_rule import spell_out_neuron

    result = spell_out_neuron(tmp_path)
    page = Path(result["page"])
    assert page.parent == tmp_path and page.suffix == ".html"
    rows = {
        row[0]: row[3] for row in model_of(page.read_text(encoding="utf-8"))["steps"][-1]["table"]
    }
    assert {k: float(rows[k]) for k in result["grads"]} == result["grads"]


def test_the_python_examples_of_docs_explore_md_run(tmp_path, monkeypatch):
    text = (Path(__file__).resolve().parents[1] / "docs" / "explore.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    assert blocks
    monkeypatch.chdir(tmp_path)
    for code in blocks:
        exec(compile(code, "docs/explore.md", "exec"), {})  # noqa: S102
    assert (tmp_path / "neuron.html").is_file()


@pytest.mark.parametrize(
    ("a", "b"), [(1.0, 0.5), (2.0, 0.1), (10.0, 0.5), (3.0, 3.0), (-3.0, 0.01)]
)
def test_every_forward_product_shows_its_two_factors(a, b):
    # "1.0 * 0.5" once read "1.0².5": a squaring rewrite matched the "0 * 0" inside it
    x, y = Value(a, label="x"), Value(b, label="y")
    z = x * y
    z.label = "z"
    z.backward()
    forward = [s["lines"][0] for s in model_of(explore(z).html)["steps"] if s["kind"] == "forward"]
    assert forward == [f"z = x × y = {a!r} × {b!r} = {a * b!r}"]


def test_a_leaky_relus_forward_line_shows_its_slope():
    x = Value(-3.0, label="x")
    y = x.leaky_relu(0.01)
    y.label = "y"
    y.backward()
    forward = [s["lines"][0] for s in model_of(explore(y).html)["steps"] if s["kind"] == "forward"]
    assert forward[0].endswith(f"-3.0 × 0.01 = {y.data!r}"), forward


def test_the_seed_of_a_page_from_the_middle_of_a_graph_says_where_it_comes_from():
    x = Value(0.3, label="x")
    n = (x * 2.0).tanh()
    n.label = "n"
    o = n * 5.0
    o.backward()
    seed = model_of(explore(n).html)["steps"]
    lines = next(s["lines"] for s in seed if s["kind"] == "seed")
    why = "the gradient backward() left in it: the pass goes on from there"
    assert lines[0] == f"n.grad = {n.grad!r} ({why})"


def test_a_label_set_to_a_number_after_construction_is_drawn_as_its_text(tmp_path):
    x = Value(2.0)
    x.label = 5
    y = x * x
    y.backward()
    page = explore(y, tmp_path / "p.html").read_text(encoding="utf-8")
    assert ">5<" in page or "5 " in page


def l2_mlp_loss(samples: int = 8, sizes: tuple[int, ...] = (4, 4, 1)) -> Value:
    """A loss with weight decay: its penalty's one ``dot`` node sends a product to every
    parameter, each along an edge of its own (or of its neuron's box)."""
    from nn import MLP, make_moons
    from nn.losses import hinge_loss, l2_penalty

    X, y = make_moons(samples, noise=0.1, seed=0)
    model = MLP(2, list(sizes), seed=1)
    loss = hinge_loss(model(X), [2 * t - 1 for t in y]) + l2_penalty(model.parameters(), 1e-4)
    loss.label = "loss"
    loss.backward()
    return loss


def test_a_step_with_too_many_edges_to_label_labels_none_and_the_panel_says_so():
    from autograd.viz.explore import MAX_EDGE_LABELS

    steps = model_of(explore(l2_mlp_loss()).html)["steps"]
    for step in steps:
        labelled = [e for e in step.get("edges", []) if e[1]]
        assert len(labelled) <= MAX_EDGE_LABELS, step["title"]
    crowded = [s for s in steps if any("too many to label" in x for x in s.get("lines", []))]
    assert any(s["title"] == "Backward: v4 passes its gradient on" for s in crowded)  # the dot
    for step in crowded:
        assert len(step["edges"]) > MAX_EDGE_LABELS  # still marked, each with its exact line
        assert all(".grad +=" in e[2] for e in step["edges"])
