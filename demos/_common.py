"""What every demo shares: the command line, progress bars, saving figures, graph counting.

Run from the command line, a demo only writes files: its command line switches matplotlib
to the file-only "Agg" backend. Imported (in a notebook, say), nothing is switched, and
figures show where the notebook shows them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import matplotlib
import matplotlib.pyplot as plt
from tqdm import tqdm

from autograd import Value

if TYPE_CHECKING:
    from matplotlib.figure import Figure

T = TypeVar("T")

# Fixed ids and no timestamps: the same run writes the same SVG, so a committed picture
# (docs/moons.png) changes only when the demo's result does.
plt.rcParams["svg.hashsalt"] = "chainrule"
_METADATA = {".png": {"Software": None}, ".svg": {"Date": None, "Creator": None}}


def make_parser(description: str) -> argparse.ArgumentParser:
    """The options every demo takes, ``--fast`` and ``--out DIR``, named as ``main``'s
    parameters (``main(**vars(args))``); a demo may add its own. ``--help`` names the demo
    as it is run (``python -m demos.moons``) and shows every default.

    Only the command line makes a parser, so this is where the file-only backend is chosen.
    """
    matplotlib.use("Agg")
    caller = sys._getframe(1).f_globals  # the demo's module: named by its spec under -m
    spec = caller.get("__spec__")
    module = spec.name if spec is not None else caller.get("__name__", "demo")
    parser = argparse.ArgumentParser(
        prog=f"python -m {module}",
        description=description,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--fast", action="store_true", help="fewer steps and smaller sizes")
    parser.add_argument(
        "--out", dest="out_dir", type=Path, default=Path("out"), help="where pictures go"
    )
    return parser


def progress(items: Iterable[T] | None, desc: str, total: int | None = None, **kw: object) -> tqdm:
    """A tqdm bar on stderr over ``items`` (or ``None`` and ``total``, then ``bar.update()``);
    ``bar.write`` prints above it without breaking it. Only on a terminal: redirected to a
    log, a bar is a stream of carriage returns."""
    quiet = not sys.stderr.isatty()
    return tqdm(items, desc=desc, total=total, leave=False, dynamic_ncols=True, disable=quiet, **kw)


def save_figure(fig: Figure, out_dir: Path, stem: str) -> list[Path]:
    """Write ``fig`` as ``stem.png`` and ``stem.svg`` into ``out_dir``; close it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    # Laid out once here: bbox_inches="tight" would lay out and draw twice per file, and
    # text layout (log-axis tick labels) is most of a figure's cost.
    fig.tight_layout()
    paths = []
    for suffix in (".png", ".svg"):
        path = out_dir / f"{stem}{suffix}"
        fig.savefig(path, dpi=120, metadata=_METADATA[suffix])
        paths.append(path)
    plt.close(fig)
    return paths


def graph_nodes(root: Value) -> list[Value]:
    """Every Value that ``root`` was computed from (itself included), inputs before results.

    Uses only the public ``.parents``; iterative, so a deep graph cannot hit the recursion
    limit.
    """
    order: list[Value] = []
    seen = {root}
    stack: list[tuple[Value, Iterator[Value]]] = [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for p in parents:
            if p not in seen:
                seen.add(p)
                stack.append((p, iter(p.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def count_graph(root: Value) -> tuple[int, int]:
    """(operations, values) in the graph of ``root``: interior nodes, and all nodes."""
    nodes = graph_nodes(root)
    return sum(1 for v in nodes if v.op), len(nodes)


def pct(x: float) -> str:
    return f"{100 * x:.0f}%"
