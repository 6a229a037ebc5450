"""Print the benchmark table: ``make bench`` (or ``python benchmarks/run.py``).

Every figure is measured in this one process against a baseline measured here too, over
interleaved rounds (medians), so the ratios hold on a noisy machine where lone times do not.
"""

from __future__ import annotations

import importlib.util
import platform
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import engine  # noqa: E402


def rows() -> Iterator[tuple[str, str, str, str, bool]]:
    """Each row of the table, as soon as it is measured: (figure, detail, result, target, met)."""

    f1 = engine.figure_engine()
    yield (
        "1 engine: micrograd demo step, op by op (65,800 nodes)",
        f"micrograd {f1['micrograd_ms']:.0f} ms, ours {f1['ours_ms']:.1f} ms",
        f"{f1['speedup']:.1f}x faster",
        ">= 25x",
        f1["speedup"] >= 25,
    )

    f2 = engine.figure_library()
    yield (
        "2 library: nn moons step vs hand-written plain floats",
        f"nn {f2['nn_ms']:.1f} ms, plain {f2['plain_ms']:.1f} ms",
        f"{f2['slowdown']:.2f}x slower",
        "<= 1.5x",
        f2["slowdown"] <= 1.5,
    )

    f2b = engine.figure_library(rows=True)
    yield (
        "2b library: the same step, model called row by row",
        f"nn {f2b['nn_ms']:.1f} ms, plain {f2b['plain_ms']:.1f} ms",
        f"{f2b['slowdown']:.2f}x slower",
        "<= 3x",
        f2b["slowdown"] <= 3,
    )

    f3 = engine.figure_memory()
    yield (
        "3 memory: bytes per node (tracemalloc), freed without GC",
        f"{f3['nodes']} nodes, {f3['left_after_free']} B left after free",
        f"{f3['bytes_per_node']:.0f} B/node",
        "<= 170 B",
        f3["bytes_per_node"] <= 170 and f3["left_after_free"] < 0.01 * f3["nodes"] * 100,
    )

    f4 = engine.figure_depth()
    yield (
        "4 depth: 2,000,000-node chain, build + backward",
        f"build {f4['build_s']:.2f} s, backward {f4['backward_s']:.2f} s",
        f"peak +{f4['peak_mb']:.0f} MB",
        "works",
        f4["grad_ok"],
    )

    f5 = engine.figure_demo()
    micrograd_demo_s = 100 * f1["micrograd_ms"] / 1e3
    yield (
        "5 demo: 100 moons steps end to end (nn)",
        f"loss {f5['loss']:.4f}, accuracy {f5['accuracy']:.0%}; "
        f"micrograd ~{micrograd_demo_s:.0f} s",
        f"{f5['seconds']:.2f} s ({micrograd_demo_s / f5['seconds']:.0f}x faster)",
        "< 2 s",
        f5["seconds"] < 2,
    )

    import compiled  # the traced and compiled step

    yield from compiled.table_rows()

    import arrays  # the compiled step with backend="numpy", against PyTorch

    yield from arrays.table_rows()


WIDTH = 62  # the longest figure name


def main() -> int:
    if importlib.util.find_spec("micrograd") is None:
        print(
            "benchmarks: micrograd is not installed in this Python; run `make bench`, which "
            "sets up benchmarks/.venv with micrograd 0.1.0 from PyPI"
        )
        return 2
    print(f"chainrule benchmarks - Python {platform.python_version()}, {platform.machine()}")
    print()
    print(f"{'figure':<{WIDTH}}  {'result':<22} {'target':<8} met  detail", flush=True)
    for name, detail, result, target, met in rows():
        flag = "yes" if met else "NO "
        print(f"{name:<{WIDTH}}  {result:<22} {target:<8} {flag:<4} {detail}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
