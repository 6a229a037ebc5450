"""Print the benchmark table: ``make bench`` (or ``python benchmarks/run.py``).

Every figure is measured in this one process against a baseline measured here too, over
interleaved rounds (medians), so the ratios hold on a noisy machine where lone times do not.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import engine  # noqa: E402


def main() -> None:
    print(f"chainrule benchmarks - Python {platform.python_version()}, {platform.machine()}")
    rows = []

    f1 = engine.figure_engine()
    rows.append(
        (
            "1 engine: micrograd demo step, op by op (65,800 nodes)",
            f"micrograd {f1['micrograd_ms']:.0f} ms, ours {f1['ours_ms']:.1f} ms",
            f"{f1['speedup']:.1f}x faster",
            ">= 25x",
            f1["speedup"] >= 25,
        )
    )

    f2 = engine.figure_library()
    rows.append(
        (
            "2 library: nn moons step vs hand-written plain floats",
            f"nn {f2['nn_ms']:.1f} ms, plain {f2['plain_ms']:.1f} ms",
            f"{f2['slowdown']:.2f}x slower",
            "<= 1.5x",
            f2["slowdown"] <= 1.5,
        )
    )

    f2b = engine.figure_library(rows=True)
    rows.append(
        (
            "2b library: the same step, model called row by row",
            f"nn {f2b['nn_ms']:.1f} ms, plain {f2b['plain_ms']:.1f} ms",
            f"{f2b['slowdown']:.2f}x slower",
            "<= 3x",
            f2b["slowdown"] <= 3,
        )
    )

    f3 = engine.figure_memory()
    rows.append(
        (
            "3 memory: bytes per node (tracemalloc), freed without GC",
            f"{f3['nodes']} nodes, {f3['left_after_free']} B left after free",
            f"{f3['bytes_per_node']:.0f} B/node",
            "<= 170 B",
            f3["bytes_per_node"] <= 170 and f3["left_after_free"] < 0.01 * f3["nodes"] * 100,
        )
    )

    f4 = engine.figure_depth()
    rows.append(
        (
            "4 depth: 2,000,000-node chain, build + backward",
            f"build {f4['build_s']:.2f} s, backward {f4['backward_s']:.2f} s",
            f"peak +{f4['peak_mb']:.0f} MB",
            "works",
            f4["grad_ok"],
        )
    )

    f5 = engine.figure_demo()
    micrograd_demo_s = 100 * f1["micrograd_ms"] / 1e3
    rows.append(
        (
            "5 demo: 100 moons steps end to end (nn)",
            f"loss {f5['loss']:.4f}, accuracy {f5['accuracy']:.0%}; "
            f"micrograd ~{micrograd_demo_s:.0f} s",
            f"{f5['seconds']:.2f} s ({micrograd_demo_s / f5['seconds']:.0f}x faster)",
            "< 2 s",
            f5["seconds"] < 2,
        )
    )

    try:
        import compiled  # the traced and compiled step
    except ImportError:
        compiled = None
    if compiled is not None and hasattr(compiled, "table_rows"):
        rows.extend(compiled.table_rows())

    width = max(len(r[0]) for r in rows)
    print()
    print(f"{'figure':<{width}}  {'result':<22} {'target':<8} met  detail")
    for name, detail, result, target, met in rows:
        print(f"{name:<{width}}  {result:<22} {target:<8} {'yes' if met else 'NO ':<4} {detail}")


if __name__ == "__main__":
    main()
