"""The explorer page in a real browser: headless Chromium driven by Playwright.

Each test opens a page written by ``explore`` from ``file://`` and reads what the page
shows, comparing it with the numbers ``backward()`` left in the nodes. One browser serves
the whole module. Without a Chromium (``apt-get install chromium``; .ci/run installs it)
the tests skip and say so, unless CHAINRULE_REQUIRE_BROWSER is set, as CI sets it.

``python -m tests.test_explore_browser`` writes the screenshots in docs/explore.md.
"""

from __future__ import annotations

import math
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd import Value
from autograd.viz import explore
from autograd.viz.style import fmt

# Chromium in a closed network: no sandbox (root in CI), and none of its background traffic.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str | None:
    """The Chromium to drive: $CHAINRULE_CHROMIUM, else one on PATH (Debian's package)."""
    named = os.environ.get("CHAINRULE_CHROMIUM")
    if named:
        return named
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _unavailable(why: str) -> None:
    if os.environ.get("CHAINRULE_REQUIRE_BROWSER"):
        pytest.fail(f"CHAINRULE_REQUIRE_BROWSER is set, but {why}")
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[dev]')")
    exe = chromium()
    if exe is None:
        _unavailable("no Chromium to drive: apt-get install chromium (.ci/run does, as root)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Page:
    """A page opened from a file, recording console errors and every request it makes."""

    def __init__(
        self, browser: Any, path: Path, width: int = 1400, height: int = 860, csp: bool = False
    ) -> None:
        # The page's Content-Security-Policy forbids every load; with it set aside (csp=False)
        # a load the page tried would show in self.requests instead of being blocked.
        size = {"width": width, "height": height}
        self.page = browser.new_page(viewport=size, bypass_csp=not csp)
        self.url = path.resolve().as_uri()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.goto(self.url)
        self.page.wait_for_selector("body[data-ready=true]")

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.errors.append(f"{message.type}: {message.text}")

    def key(self, name: str, times: int = 1) -> None:
        for _ in range(times):
            self.page.keyboard.press(name)

    def step(self) -> int:
        return int(self.page.locator("#slider").input_value())

    def title(self) -> str:
        return self.page.locator("#step-title").inner_text()

    def lines(self) -> list[str]:
        return self.page.locator("#step-lines li").all_inner_texts()

    def box(self, name: str) -> Any:
        """The picture's box for the value named ``name`` (not a copy of it)."""
        return self.page.locator(f'#graph g.node[aria-label="details of {name}"]')

    def box_grad(self, name: str) -> str:
        texts = self.box(name).locator("text").all_text_contents()
        return [t for t in texts if t.startswith("grad ")][-1]

    def shown(self) -> int:
        """How many values the picture shows as computed."""
        return self.page.locator("#graph g.node[data-node^=v]:not(.future)").count()

    def go_to(self, title: str) -> None:
        """Step from the start to the first step whose title matches the regex ``title``."""
        self.key("Home")
        for _ in range(self.last() + 1):
            if re.fullmatch(title, self.title()):
                return
            self.key("ArrowRight")
        raise AssertionError(f"no step titled {title!r}")

    def last(self) -> int:
        return int(self.page.locator("#slider").get_attribute("max"))

    def close(self) -> None:
        self.page.close()


def neuron() -> tuple[Value, dict[str, Value]]:
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1w1"
    x2w2 = x2 * w2
    x2w2.label = "x2w2"
    s = x1w1 + x2w2
    s.label = "x1w1+x2w2"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    values = {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b}
    return o, {**values, "x1w1": x1w1, "x2w2": x2w2, "s": s, "n": n}


@pytest.fixture
def neuron_page(browser: Any, tmp_path: Path) -> Iterator[tuple[Page, Value, dict[str, Value]]]:
    o, values = neuron()
    page = Page(browser, explore(o, tmp_path / "neuron.html"))
    yield page, o, values
    page.close()


def use_every_control(page: Page) -> None:
    page.key("End")
    page.key("Home")
    for button in ("#next", "#play", "#play", "#prev", "#end", "#home", "#zoom", "#zoom"):
        page.page.locator(button).click()
    page.page.locator("#graph g.node[data-node]").first.click()


def test_the_page_opens_with_no_console_error_and_no_request_beyond_its_file(neuron_page):
    page, _, _ = neuron_page  # its own Content-Security-Policy set aside: nothing to block
    use_every_control(page)
    assert page.errors == []
    assert page.requests == [page.url]


def test_the_page_runs_under_its_own_policy_that_forbids_every_load(browser, tmp_path):
    o, _ = neuron()
    page = Page(browser, explore(o, tmp_path / "neuron.html"), csp=True)
    use_every_control(page)
    assert page.errors == []  # a load the policy blocked, or a blocked script, is an error
    page.close()


def test_each_arrow_step_changes_what_it_should(neuron_page):
    page, o, v = neuron_page
    assert page.step() == 0 and page.title().startswith("Start")
    assert page.shown() == 5  # the leaves
    assert page.box_grad("w1") == "grad \u2013"  # no gradient before the backward pass
    page.key("ArrowRight")
    assert page.step() == 1 and page.shown() == 6
    assert page.lines() == ["x1w1 = x1 × w1 = 2.0 × -3.0 = -6.0"]
    page.key("ArrowRight", 4)
    assert page.shown() == 10 and page.title() == "Forward: o is computed"
    page.key("ArrowRight")
    assert page.title() == "Backward: the seed" and page.box_grad("o") == "grad 1"
    page.key("ArrowRight")
    assert page.title() == "Backward: o passes its gradient on"
    assert page.box_grad("n") == f"grad {fmt(v['n'].grad, 4)}"
    assert page.page.locator("#graph .edge.active").count() == 1  # into tanh, from n
    page.key("ArrowLeft")
    assert page.title() == "Backward: the seed" and page.box_grad("n") == "grad \u2013"
    page.key("End")
    assert page.step() == page.last() and page.title().startswith("End")
    page.key("Home")
    assert page.step() == 0 and page.shown() == 5


def test_at_the_end_the_leaf_gradients_on_the_page_are_backwards(neuron_page):
    page, _, v = neuron_page
    page.key("End")
    rows = page.page.locator("#final tbody tr")
    table = {r[0]: r for r in (row.split("\t") for row in rows.all_inner_texts())}
    for name in ("x1", "x2", "w1", "w2", "b"):
        leaf = v[name]
        assert table[name][2:] == [repr(leaf.data), repr(leaf.grad)], name
        assert page.box_grad(name) == f"grad {fmt(leaf.grad, 4)}"
    assert float(table["w2"][3]) == 0.0  # x2 = 0: nothing flows to w2


def test_the_chain_rule_line_at_a_step_shows_the_right_product(neuron_page):
    page, _, v = neuron_page
    page.go_to("Backward: x1w1 passes its gradient on")
    x1, w1, x1w1 = v["x1"], v["w1"], v["x1w1"]
    product = x1.data * x1w1.grad
    assert product == w1.grad  # w1's one consumer: the product is its whole gradient
    expected = f"w1.grad += x1.data × x1w1.grad = {x1.data!r} × {x1w1.grad!r} = {product!r}"
    assert any(line.startswith(expected) for line in page.lines()), page.lines()
    # its names are the boxes' (the table's rule names operands, x and y, not values)
    line = page.page.locator("#step-lines li").filter(has_text="w1.grad +=")
    assert line.locator(".name").all_inner_texts() == ["w1", "x1", "x1w1"]
    # and on the edge into the multiplication, the same product, rounded as labelled
    labels = page.page.locator("#graph .edge-label text").all_text_contents()
    assert f"-3.0 × ≈{fmt(x1w1.grad, 4)} = ≈{fmt(-3.0 * x1w1.grad, 4)}" in labels
    assert len(labels) == 2


def test_the_tanh_step_shows_the_tables_local_derivative(neuron_page):
    page, o, v = neuron_page
    page.go_to("Backward: o passes its gradient on")
    (line,) = [x for x in page.lines() if x.startswith("n.grad +=")]
    assert "d tanh/dx = 1.0 − out²" in line
    assert f"= {1.0 - o.data * o.data!r} × 1.0 = {v['n'].grad!r}" in line


def test_clicking_a_value_shows_label_op_data_grad_and_local_derivatives(neuron_page):
    page, o, v = neuron_page
    page.key("End")
    page.box("o").click()
    detail = page.page.locator("#detail")
    assert detail.is_visible()
    text = detail.inner_text()
    assert "Value o" in text and "tanh" in text and repr(o.data) in text
    assert f"grad at the end\n{o.grad!r}" in text
    assert f"d o/d n = 1.0 − o.data² = {1.0 - o.data * o.data!r}" in text


def test_the_page_works_from_the_keyboard_alone(neuron_page):
    page, _, v = neuron_page
    page.page.locator("#next").focus()
    page.key("Enter")
    assert page.step() == 1
    page.key("ArrowRight")  # arrows step wherever the focus is, bar the slider itself
    assert page.step() == 2
    for _ in range(40):  # Tab on to the picture's boxes: each opens its details with Enter
        page.key("Tab")
        if page.page.evaluate("document.activeElement.dataset.node") is not None:
            break
    page.key("Enter")
    assert page.page.locator("#detail").is_visible()


def test_play_steps_on_by_itself_to_the_end(neuron_page):
    page, _, _ = neuron_page
    page.page.locator("#speed").select_option("100")
    page.page.locator("#play").click()
    page.page.wait_for_function(
        "document.getElementById('slider').value === document.getElementById('slider').max"
    )
    page.page.wait_for_function("document.getElementById('play').textContent.includes('Play')")
    assert page.title().startswith("End")


def test_colour_is_never_the_only_signal(neuron_page):
    page, _, _ = neuron_page
    page.go_to("Backward: n passes its gradient on")
    current = page.page.locator("#graph g.node.current polygon").first
    assert current.evaluate("e => getComputedStyle(e).strokeDasharray") not in ("", "none")
    assert page.page.locator("#graph .edge.active").count() == 2
    size = page.page.locator("#step-lines li").first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert size >= 13


def test_a_value_used_three_times_shows_its_sum_term_by_term(browser, tmp_path):
    x = Value(3.0, label="x")
    y = x * x + x.sin()
    y.label = "y"
    y.backward()
    page = Page(browser, explore(y, tmp_path / "x.html"))
    page.key("End")
    page.key("ArrowLeft")  # the last step of the pass: x * x adds its two terms
    expected = f"so far x.grad = {math.cos(3.0)!r} + 3.0 + 3.0 = {x.grad!r}"
    assert any(expected in line for line in page.lines()), page.lines()
    assert page.errors == []
    page.close()


def test_a_label_shows_as_its_own_text(browser, tmp_path):
    x = Value(2.0, label="<b>x</b> & </script>")
    y = x.exp()
    y.label = "y"
    y.backward()
    page = Page(browser, explore(y, tmp_path / "label.html"))
    assert page.lines() == ["<b>x</b> & </script> = 2.0"]
    assert page.page.locator("#graph b").count() == 0 and page.errors == []
    page.close()


def mlp_loss(penalty: bool = False) -> tuple[Value, Any]:
    from nn import MLP, make_moons
    from nn.losses import hinge_loss, l2_penalty

    X, y = make_moons(30, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=1)
    loss = hinge_loss(model(X), [2 * t - 1 for t in y])
    if penalty:  # weight decay: one dot node with an edge into every neuron's box
        loss = loss + l2_penalty(model.parameters(), 1e-4)
    loss.label = "loss"
    loss.backward()
    return loss, model


def test_an_mlp_loss_page_opens_steps_and_opens_its_boxes(browser, tmp_path):
    loss, model = mlp_loss()
    page = Page(browser, explore(loss, tmp_path / "mlp.html"))
    assert page.page.locator("#graph g.node[data-node^=g]").count() > 10  # collapsed
    page.key("ArrowRight")
    assert page.step() == 1
    page.go_to(r"Backward: [\d,]+ values of layer layers\.0 pass theirs on")  # a layer: one step
    assert page.page.locator("#graph g.node.current").count() > 1  # its neurons' boxes
    page.key("End")
    params = dict(model.named_parameters())
    table = dict(
        r.split("\t")[0::3] for r in page.page.locator("#final tbody tr").all_inner_texts()
    )
    assert all(table[name] == repr(p.grad) for name, p in params.items())
    box = page.page.locator('#graph g.node[aria-label="details of layers.0.neurons.3"]')
    box.click()
    members = page.page.locator("#detail-members tbody tr").all_inner_texts()
    listed = dict(r.split("\t")[0::3] for r in members)
    assert listed["layers.0.neurons.3.w.0"] == repr(params["layers.0.neurons.3.w.0"].grad)
    assert page.errors == [] and page.requests == [page.url]
    page.close()


# -- layout: labels, scale, first view, tables, names ------------------------------------

# Every rectangle the page draws over its picture, and every text the picture holds, in
# screen coordinates; the labels' rectangles must miss the texts and each other.
LAYOUT = """() => {
  const r = (e) => { const b = e.getBoundingClientRect();
    return {x: b.left, y: b.top, w: b.width, h: b.height}; };
  return {
    labels: Array.from(document.querySelectorAll('#graph .edge-label rect')).map(r),
    texts: Array.from(document.querySelectorAll('#graph g.node text')).map(r),
    svg: r(document.querySelector('#graph svg')),
  };
}"""


def _meet(a: dict[str, float], b: dict[str, float]) -> bool:
    across = a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
    return across and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]


def labels_cover_nothing(page: Page) -> int:
    """At every step: no edge label over a box's text, another label, or the picture's edge.
    Returns how many labels it saw."""
    seen = 0
    page.key("Home")
    for _ in range(page.last() + 1):
        drawn = page.page.evaluate(LAYOUT)
        labels, svg = drawn["labels"], drawn["svg"]
        seen += len(labels)
        for k, label in enumerate(labels):
            where = f"{page.title()}: label {k}"
            assert not any(_meet(label, text) for text in drawn["texts"]), where
            assert not any(_meet(label, other) for other in labels[k + 1 :]), where
            assert svg["x"] <= label["x"] and label["x"] + label["w"] <= svg["x"] + svg["w"]
            assert svg["y"] <= label["y"] and label["y"] + label["h"] <= svg["y"] + svg["h"]
        page.key("ArrowRight")
    return seen


def test_edge_labels_cover_no_text_of_the_boxes(neuron_page):
    page, _, _ = neuron_page
    assert labels_cover_nothing(page) == 9  # one per product: tanh 1, two + and two * 2 each


def test_edge_labels_cover_no_text_in_the_docs_screenshots_size(browser, tmp_path):
    x = Value(3.0, label="x")
    y = x * x + x.sin()
    y.label = "y"
    y.backward()
    for width, height in ((1900, 700), (800, 600)):
        page = Page(browser, explore(y, tmp_path / "x.html"), width=width, height=height)
        assert labels_cover_nothing(page) >= 3
        page.close()
    o, _ = neuron()
    page = Page(browser, explore(o, tmp_path / "neuron.html"), width=1900, height=700)
    page.page.locator("#zoom").click()  # at actual size too
    assert labels_cover_nothing(page) == 9
    page.close()


# the smallest text of the picture's boxes, in screen px, and where the picture is
SIZES = """() => {
  const pane = document.getElementById('graph');
  const texts = Array.from(document.querySelectorAll(
    '#graph g.node[data-node^=v] text, #graph g.node[data-node^=g] text'));
  const px = texts.map((t) => parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a);
  const svg = document.querySelector('#graph svg').getBoundingClientRect();
  const p = pane.getBoundingClientRect();
  return {smallest: Math.min(...px), svgWidth: svg.width, svgHeight: svg.height,
    natural: document.querySelector('#graph svg').viewBox.baseVal.width * 4 / 3,
    paneWidth: pane.clientWidth, paneHeight: pane.clientHeight,
    scrolls: pane.scrollWidth > pane.clientWidth + 1};
}"""


def in_view(page: Page, selector: str) -> bool:
    """Whether all of the element is inside the picture's pane as scrolled (horizontally, and
    vertically where the pane has a height of its own)."""
    return bool(
        page.page.evaluate(
            """(s) => {
      const p = document.getElementById('graph').getBoundingClientRect();
      const e = document.querySelector(s).getBoundingClientRect();
      return e.left >= p.left - 0.5 && e.right <= p.right + 0.5 &&
        e.top >= p.top - 0.5 && e.bottom <= p.bottom + 0.5;
    }""",
            selector,
        )
    )


def test_fit_to_pane_keeps_the_boxes_text_readable_and_scrolls(neuron_page):
    page, _, _ = neuron_page  # 1400 px wide: the whole neuron would need 6 px text
    page.page.locator("#zoom").click()
    assert page.page.locator("#zoom").get_attribute("aria-pressed") == "true"
    sizes = page.page.evaluate(SIZES)
    assert sizes["smallest"] >= 10 - 1e-6
    assert sizes["svgWidth"] < sizes["natural"] - 1  # smaller than actual size, though
    assert sizes["scrolls"]  # the rest is a scroll away
    page.page.locator("#zoom").click()
    assert page.page.evaluate(SIZES)["svgWidth"] == pytest.approx(sizes["natural"], abs=1)


def test_the_first_view_shows_the_whole_graph_when_it_fits_readably(browser, tmp_path):
    o, _ = neuron()
    page = Page(browser, explore(o, tmp_path / "neuron.html"), width=1900, height=700)
    sizes = page.page.evaluate(SIZES)
    assert sizes["smallest"] >= 10 - 1e-6 and not sizes["scrolls"]
    assert sizes["svgWidth"] <= sizes["paneWidth"] and sizes["svgHeight"] <= sizes["paneHeight"]
    assert page.page.locator("#zoom").get_attribute("aria-pressed") == "true"
    page.close()


@pytest.mark.parametrize("size", [(1400, 900), (800, 600)])
def test_the_first_view_keeps_the_first_column_and_the_legend(browser, tmp_path, size):
    o, _ = neuron()
    page = Page(browser, explore(o, tmp_path / "neuron.html"), width=size[0], height=size[1])
    assert page.page.evaluate(SIZES)["smallest"] >= 10 - 1e-6  # too big to fit readably
    for name in ("x1", "w1", "x2", "w2"):
        assert in_view(page, f'#graph g.node[aria-label="details of {name}"]'), name
    assert in_view(page, "#graph g.node.legend")
    page.go_to("Backward: x1w1 passes its gradient on")  # near the start again, after the end
    for name in ("x1", "w1", "x1w1"):
        assert in_view(page, f'#graph g.node[aria-label="details of {name}"]'), name
    page.key("End")  # the root, at the far right: scrolled to
    assert in_view(page, '#graph g.node[aria-label="details of o"]')
    page.close()


def test_a_long_label_keeps_the_tables_numbers_whole_and_the_title_inside(browser, tmp_path):
    long = "L" * 500
    x = Value(2.0, label=long)
    y = (x * 3.0).tanh()
    y.label = "y"
    y.backward()
    page = Page(browser, explore(y, tmp_path / "long.html"))
    page.key("End")
    cells = page.page.evaluate(
        """() => Array.from(document.querySelectorAll('#final tbody tr')).map((tr) => {
      const lines = (e) => {  // how many lines of its text show
        const range = document.createRange();
        range.selectNodeContents(e);
        const box = (e.querySelector('.name-cell') || e).getBoundingClientRect();
        const shown = Array.from(range.getClientRects()).filter((r) => r.bottom <= box.bottom + 1);
        return new Set(shown.map((r) => Math.round(r.top))).size;
      };
      const c = Array.from(tr.children);
      return {title: c[0].title, name: lines(c[0]), width: c[0].getBoundingClientRect().width,
        numbers: c.slice(1).map((td) => ({lines: lines(td),
          cut: td.scrollWidth > td.clientWidth + 1, text: td.textContent}))};
    })"""
    )
    assert cells[0]["title"] == long  # the whole label is a tooltip away
    assert cells[0]["name"] <= 3  # wrapped, three lines at most
    assert cells[0]["width"] <= 16 * 16  # the label column has a width it keeps to
    for row in cells:
        for cell in row["numbers"]:
            assert cell["lines"] == 1 and not cell["cut"], cell  # one line, its own width
    page.box(long).click()
    title = page.page.locator("#detail-title")
    assert title.inner_text().startswith("Value LLL")
    assert title.evaluate("e => e.scrollWidth <= e.clientWidth + 1")  # wrapped, not overflowing
    assert page.errors == []
    page.close()


def test_a_name_in_the_panel_outlines_its_box(browser, tmp_path):
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    y = (x * w + 1.0).tanh()  # x * w and the sum have no label: v<i> on the page
    y.label = "y"
    y.backward()
    page = Page(browser, explore(y, tmp_path / "names.html"))
    page.key("ArrowRight")
    name = page.page.locator("#step-lines .name").first  # the product x * w, unlabelled
    called = name.inner_text()
    assert re.fullmatch(r"v\d+", called)
    node = name.get_attribute("data-node")
    box = page.page.locator(f'#graph g.node[data-node="{node}"]')
    assert box.get_attribute("aria-label") == f"details of {called}"
    assert box.locator("title").first.text_content() == called  # its tooltip names it
    assert "linked" not in (box.get_attribute("class") or "")
    name.hover()
    assert "linked" in box.get_attribute("class")
    width = box.locator("polygon").first.evaluate("e => getComputedStyle(e).strokeWidth")
    assert float(width.rstrip("px")) >= 4  # an outline, not a colour alone
    page.page.mouse.move(1, 1)
    assert "linked" not in box.get_attribute("class")
    name.focus()  # the keyboard too
    assert "linked" in box.get_attribute("class")
    page.key("Enter")
    assert page.page.locator("#detail-title").inner_text() == f"Value {called}"
    box.hover()  # and the other way: the box marks its names in the panel
    assert page.page.locator(f'#panel .name.linked[data-node="{node}"]').count() >= 1
    # a rule's operands, "(d mul/dx = y)", are not the value y
    linked_in_rules = """() => Array.from(document.querySelectorAll('#step-lines li'))
      .filter((li) => li.textContent.includes('(d ')).map((li) => {
        const rule = li.textContent.indexOf('(d ');
        let at = 0, inside = 0;
        for (const part of li.childNodes) {
          if (part.nodeType === 1 && at >= rule) inside += 1;
          at += part.textContent.length;
        }
        return inside;
      })"""
    page.key("Home")
    rules = []
    for _ in range(page.last()):
        page.key("ArrowRight")
        rules += page.page.evaluate(linked_in_rules)
    assert len(rules) >= 3 and not any(rules)
    assert page.errors == []
    page.close()


def test_a_crowded_step_of_an_mlp_labels_no_edge_and_the_panel_lists_them(browser, tmp_path):
    loss, _ = mlp_loss(penalty=True)
    page = Page(browser, explore(loss, tmp_path / "mlp.html"))
    page.go_to("Backward: v4 passes its gradient on")  # the weight decay's dot: 33 boxes
    assert page.page.locator("#graph .edge.active").count() > 30
    assert page.page.locator("#graph .edge-label").count() == 0
    assert any("too many to label" in line for line in page.lines())
    assert labels_cover_nothing(page) > 0  # and every step's labels are clear of the text
    assert page.errors == []
    page.close()


def screenshots(out: Path) -> list[Path]:
    """The three screenshots of docs/explore.md, written into ``out``."""
    from playwright.sync_api import sync_playwright

    o, _ = neuron()
    loss, _ = mlp_loss()
    pages = out / "_pages"
    pages.mkdir(exist_ok=True)
    written = []
    with sync_playwright() as p:
        exe = chromium()
        assert exe, "no Chromium"
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        page = Page(b, explore(o, pages / "neuron.html"), width=1900, height=700)
        page.key("ArrowRight", 3)
        page.page.locator('#graph g.node[aria-label="details of x1w1"]').click()
        page.page.mouse.move(0, 0)  # no box outlined by the pointer
        written.append(out / "explore-forward.png")
        page.page.screenshot(path=written[-1])
        page.go_to("Backward: x1w1 passes its gradient on")
        written.append(out / "explore-backward.png")
        page.page.screenshot(path=written[-1])
        page.close()
        page = Page(b, explore(loss, pages / "mlp.html"), width=1500, height=900)
        page.go_to(r"Backward: [\d,]+ values of layer layers\.1 pass theirs on")
        page.page.locator('#graph g.node[aria-label="details of layers.1.neurons.3"]').click()
        page.page.mouse.move(0, 0)
        written.append(out / "explore-mlp.png")
        page.page.screenshot(path=written[-1])
        page.close()
        b.close()
    shutil.rmtree(pages)
    return written


if __name__ == "__main__":
    for path in screenshots(Path(__file__).resolve().parent.parent / "docs"):
        print(f"wrote {path}")
