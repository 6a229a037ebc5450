"""Render times of ``autograd.viz``: a 20-value graph, a ~5,500-value one, micrograd's demo loss.

Run: ``python benchmarks/bench_viz.py`` (from the repository, with the package installed).
Each graph is rendered to SVG with the default settings (at most ``MAX_NODES`` boxes: what a
user gets). Next to the times, the nodes handed to the renderer: the count the budget keeps
small, and which tests/test_viz.py checks (the tests never time anything). With ``--full``
the ~5,500-value one is also drawn in full (``max_nodes=None``): what the budget saves
(minutes with graphviz-pure). Times are medians; the renderer is whichever ``render``
finds (system dot, else graphviz-pure), named in the first line.
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from graphs import count_values, demo_loss  # benchmarks/graphs.py

from autograd import Value
from autograd.viz import MAX_NODES, draw_dot, render, renderers


def neuron_loss() -> Value:
    """A 4-input tanh neuron and a squared error, op by op: 20 values."""
    xs = [Value(x, label=f"x{i}") for i, x in enumerate([0.5, -1.0, 2.0, 0.0])]
    ws = [Value(w, label=f"w{i}") for i, w in enumerate([0.3, -0.2, 0.1, 0.7])]
    act = Value(0.1, label="b")
    for w, x in zip(ws, xs):
        act = act + w * x
    loss = (act.tanh() - 1.0) ** 2
    loss.backward()
    return loss


def dot_nodes(source: str) -> int:
    """Node statements in DOT source (the node/edge/graph attribute statements aside)."""
    names = re.findall(r"^\s+(\w+) \[", source, re.M)
    return sum(1 for n in names if n not in ("node", "edge", "graph"))


def timed(root: Value, path: Path, repeats: int, **options) -> tuple[float, float]:
    """Median seconds of draw_dot alone and of the whole render (draw + renderer + write)."""
    draws, renders = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        draw_dot(root, **options)
        draws.append(time.perf_counter() - start)
        start = time.perf_counter()
        render(root, path, **options)
        renders.append(time.perf_counter() - start)
    return statistics.median(draws), statistics.median(renders)


def main() -> None:
    found = renderers()
    print(f"renderer: {found[0] if found else 'none found'}; Python {sys.version.split()[0]}")
    cases = [
        ("neuron", neuron_loss(), 20, {}),
        ("demo, 7 examples", demo_loss(7)[0], 5, {}),
        ("demo, 100 examples", demo_loss(100)[0], 3, {}),
    ]
    if "--full" in sys.argv[1:]:
        cases.append(("demo, 7 examples, in full", demo_loss(7)[0], 1, {"max_nodes": None}))
    header = f"{'graph':<28}{'values':>8}{'drawn':>9}{'dot nodes':>10}"
    print(f"{header}{'draw_dot':>11}{'render':>10}{'ratio':>8}")
    base = None
    with tempfile.TemporaryDirectory() as tmp:
        for name, root, repeats, options in cases:
            draw_s, render_s = timed(root, Path(tmp) / "graph.svg", repeats, **options)
            base = base or render_s
            limit = options.get("max_nodes", MAX_NODES)
            drawn = "all" if limit is None else f"<={limit}"
            nodes = dot_nodes(draw_dot(root, **options).source)
            print(
                f"{name:<28}{count_values(root):>8,}{drawn:>9}{nodes:>10,}"
                f"{draw_s:>10.3f}s{render_s:>9.3f}s{render_s / base:>7.0f}x"
            )


if __name__ == "__main__":
    main()
