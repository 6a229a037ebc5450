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


def mlp_loss() -> tuple[Value, Any]:
    from nn import MLP, make_moons
    from nn.losses import hinge_loss

    X, y = make_moons(30, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=1)
    loss = hinge_loss(model(X), [2 * t - 1 for t in y])
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
        written.append(out / "explore-forward.png")
        page.page.screenshot(path=written[-1])
        page.go_to("Backward: x1w1 passes its gradient on")
        written.append(out / "explore-backward.png")
        page.page.screenshot(path=written[-1])
        page.close()
        page = Page(b, explore(loss, pages / "mlp.html"), width=1500, height=900)
        page.go_to(r"Backward: [\d,]+ values of layer layers\.1 pass theirs on")
        page.page.locator('#graph g.node[aria-label="details of layers.1.neurons.3"]').click()
        written.append(out / "explore-mlp.png")
        page.page.screenshot(path=written[-1])
        page.close()
        b.close()
    shutil.rmtree(pages)
    return written


if __name__ == "__main__":
    for path in screenshots(Path(__file__).resolve().parent.parent / "docs"):
        print(f"wrote {path}")
