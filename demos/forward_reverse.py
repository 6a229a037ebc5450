"""Forward mode against reverse mode: which direction of the chain rule is cheaper, counted.

A reverse pass gives the derivatives of one output with respect to every input; a forward
pass those of every output along one direction of the inputs. So a full Jacobian of m
outputs and n inputs takes m reverse passes or n forward passes. The cost of a pass is
counted in node visits (``autograd.functional.count_visits``): deterministic, where a
stopwatch is not.

Part 1: a gradient (one output, n inputs) by forward mode, one pass per input, against
reverse mode, one pass: the ring ``sum_i tanh(x_i * x_{i+1})`` as n grows.

Part 2: a simulated trajectory (two inputs, m outputs): a damped spring integrated with m
Euler steps, the position after every step an output, differentiated with respect to its
stiffness and damping. Each position depends on every step before it, so reverse mode
walks the trajectory again for every output and forward mode wins.

Part 3: the routes to a Hessian on the ring: reverse over reverse (what ``hessian`` does),
forward over reverse, and a single Hessian-vector product (``hvp``).

Run: ``python -m demos.forward_reverse [--fast] [--out DIR]``
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt

import autograd
from autograd import Value
from autograd.functional import count_visits

from ._common import graph_nodes, make_parser, save_figure

DT = 0.1  # the Euler step of the spring, in seconds


def ring(xs: list[Value]) -> Value:
    """``sum_i tanh(x_i * x_{i+1})`` around the ring: 2n + 1 nodes for n inputs."""
    n = len(xs)
    return autograd.sum([(xs[i] * xs[(i + 1) % n]).tanh() for i in range(n)])


def spring(steps: int) -> Callable[[list[Value]], list[Value]]:
    """The positions of a damped spring (stiffness k, damping c; starting at 1, at rest)
    after each of ``steps`` Euler steps: a function of [k, c] with ``steps`` outputs."""

    def trajectory(params: list[Value]) -> list[Value]:
        k, c = params
        x: Value | float = 1.0
        v: Value | float = 0.0
        positions = []
        for _ in range(steps):
            v = v - DT * (k * x + c * v)  # the spring's force and the damping slow it
            x = x + DT * v
            positions.append(x)
        return positions  # type: ignore[return-value]  # Values from the first step on

    return trajectory


def main(fast: bool = False, out_dir: Path = Path("out")) -> dict:
    """Count each way to each derivative; returns the counts and the written files."""
    out_dir = Path(out_dir)
    sizes = [1, 2, 4, 8, 16, 32] if fast else [1, 2, 4, 8, 16, 32, 64, 128]
    outputs = [1, 2, 4, 8, 16, 32] if fast else [1, 2, 4, 8, 16, 32, 64, 128]
    gradient = gradient_costs(sizes)
    print()
    trajectory = trajectory_costs(outputs)
    print()
    hess = hessian_costs(sizes[: 4 if fast else 6])
    files = plot(gradient, trajectory, out_dir)
    print("\nwrote " + ", ".join(p.name for p in files) + f" to {out_dir}/")
    return {"gradient": gradient, "trajectory": trajectory, "hessian": hess, "files": files}


def _jacobian(f, xs: list[float], mode: str) -> tuple[list[list[float]], int, int]:
    """The Jacobian by ``mode``, with the node visits and passes it took."""
    with count_visits() as visits:
        J = autograd.jacobian(f, xs, mode=mode)  # type: ignore[arg-type]
    if mode == "forward":
        return J, visits.forward, visits.forward_passes
    return J, visits.reverse, visits.reverse_passes


def _difference(a: list[list[float]], b: list[list[float]]) -> float:
    return max((abs(p - q) for ra, rb in zip(a, b) for p, q in zip(ra, rb)), default=0.0)


def gradient_costs(sizes: list[int]) -> dict:
    """Part 1: the ring's gradient both ways, for each number of inputs."""
    print("part 1: the gradient of sum_i tanh(x_i * x_{i+1}), n inputs, one output")
    print(
        f"{'n':>5} {'nodes':>6} {'forward passes':>15} {'visits':>8} "
        f"{'reverse passes':>15} {'visits':>7} {'forward/reverse':>16} {'max diff':>9}"
    )
    rows = []
    for n in sizes:
        xs = [0.1 * (i % 7) - 0.3 for i in range(n)]
        nodes = sum(1 for v in graph_nodes(ring([Value(x) for x in xs])) if v.op)
        row = _both_ways(ring, xs, {"n": n, "nodes": nodes})
        ratio = f"{row['forward'] / row['reverse']:>15.0f}x"
        print(f"{n:>5} {nodes:>6} {_counts(row)} {ratio} {row['max_difference']:>9.1e}")
        rows.append(row)
    last = rows[-1]
    print(
        f"forward mode visits every node once per input: n x (2n + 1), {last['forward']:,} "
        f"at n = {last['n']}; reverse mode once in all: {last['reverse']:,}."
    )
    return {"rows": rows}


def _both_ways(f: Callable, point: list[float], row: dict) -> dict:
    """``row`` with the Jacobian's cost both ways (visits, passes) and their difference."""
    fwd, fv, fp = _jacobian(f, point, "forward")
    rev, rv, rp = _jacobian(f, point, "reverse")
    return {
        **row,
        "forward": fv,
        "forward_passes": fp,
        "reverse": rv,
        "reverse_passes": rp,
        "max_difference": _difference(fwd, rev),
    }


def _counts(row: dict) -> str:
    return (
        f"{row['forward_passes']:>15} {row['forward']:>8} "
        f"{row['reverse_passes']:>15} {row['reverse']:>7}"
    )


def trajectory_costs(outputs: list[int]) -> dict:
    """Part 2: the spring's Jacobian (m positions by [k, c]) both ways."""
    print("part 2: a damped spring, m Euler steps: m positions as functions of (k, c)")
    print(
        f"{'m':>5} {'nodes':>6} {'forward passes':>15} {'visits':>8} "
        f"{'reverse passes':>15} {'visits':>7} {'reverse/forward':>16} {'max diff':>9}"
    )
    point = [4.0, 0.5]  # stiffness, damping: an underdamped spring that rings
    rows = []
    for m in outputs:
        f = spring(m)
        nodes = len({v for out in f([Value(p) for p in point]) for v in graph_nodes(out) if v.op})
        row = _both_ways(f, point, {"m": m, "nodes": nodes})
        ratio = f"{row['reverse'] / row['forward']:>15.1f}x"
        print(f"{m:>5} {nodes:>6} {_counts(row)} {ratio} {row['max_difference']:>9.1e}")
        rows.append(row)
    last = rows[-1]
    print(
        f"forward mode: 2 passes over the whole trajectory, {last['forward']:,} visits at "
        f"m = {last['m']}; reverse mode walks back from every position to the start: "
        f"{last['reverse']:,}."
    )
    return {"rows": rows, "point": point}


def gradient_of(f: Callable[[list[Value]], Value]) -> Callable[[list[Value]], list[Value]]:
    """The gradient of ``f`` as a function with one output per input, recorded as a graph
    (``create_graph=True``) so that it can be differentiated again, either way."""
    return lambda v: list(autograd.grad(f(v), v, create_graph=True))


def hessian_costs(sizes: list[int]) -> dict:
    """Part 3: the ring's Hessian by each route, and one Hessian-vector product."""
    print("part 3: the Hessian of the ring, node visits by route (recording the gradient included)")
    print(
        f"{'n':>5} {'hessian':>8} {'reverse over reverse':>21} {'forward over reverse':>21} "
        f"{'one hvp':>8} {'max diff':>9}"
    )
    rows = []
    for n in sizes:
        xs = [0.1 * (i % 7) - 0.3 for i in range(n)]
        with count_visits() as used:
            H = autograd.hessian(ring, xs)
        with count_visits() as rr:
            by_reverse = autograd.jacobian(gradient_of(ring), xs, mode="reverse")
        with count_visits() as fr:
            by_forward = autograd.jacobian(gradient_of(ring), xs, mode="forward")
        with count_visits() as one:
            autograd.hvp(ring, xs, [1.0] * n)
        diff = max(_difference(H, by_reverse), _difference(H, by_forward))
        print(f"{n:>5} {used.total:>8} {rr.total:>21} {fr.total:>21} {one.total:>8} {diff:>9.1e}")
        rows.append(
            {
                "n": n,
                "hessian": used.total,
                "reverse_over_reverse": rr.total,
                "forward_over_reverse": fr.total,
                "hvp": one.total,
                "max_difference": diff,
            }
        )
    print(
        "hessian takes reverse over reverse: as many passes as forward over reverse, but "
        "each visits only the nodes below one entry of the gradient; one hvp costs two "
        "passes whatever n is."
    )
    return {"rows": rows}


def plot(gradient: dict, trajectory: dict, out_dir: Path) -> list[Path]:
    """Node visits against size, both modes, log-log: one panel per part."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, part, size, title in (
        (axes[0], gradient, "n", "a gradient: n inputs, 1 output (the ring)"),
        (axes[1], trajectory, "m", "a trajectory: 2 inputs, m outputs (the spring)"),
    ):
        rows = part["rows"]
        sizes = [r[size] for r in rows]
        ax.loglog(sizes, [r["forward"] for r in rows], "o-", label="forward mode")
        ax.loglog(sizes, [r["reverse"] for r in rows], "s-", label="reverse mode")
        ax.set_xlabel(f"{size} ({'inputs' if size == 'n' else 'outputs'})")
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3, which="both")
        ax.legend()
    axes[0].set_ylabel("node visits of the derivative passes")
    fig.suptitle("the full Jacobian: n forward passes or m reverse passes", fontsize=11)
    return save_figure(fig, out_dir, "forward_reverse_cost")


def parser() -> argparse.ArgumentParser:
    """The command line: ``--fast``, ``--out DIR``."""
    return make_parser(__doc__.splitlines()[0])


if __name__ == "__main__":
    main(**vars(parser().parse_args()))
