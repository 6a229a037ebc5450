"""Backpropagation spelled out, then measured.

Part 1: the neuron ``o = tanh(x1*w1 + x2*w2 + b)`` node by node. Every node in topological
order with its value, its local derivatives and the gradient that flows into it; then the
backward pass written out, each gradient as the chain rule's sum of products. The same story
as a page to step through in a browser: ``chain_rule_neuron.html`` (``autograd.viz.explore``).

Part 2: why backprop and not finite differences. Central differences need two forward
passes per parameter, so their cost grows with the square of the network's size; one
backward pass costs about one forward pass. Counted (forward passes, steps) and timed
on MLPs of growing size, with the two gradients agreeing.

Run: ``python -m demos.chain_rule [--fast] [--out DIR]``
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib.pyplot as plt

from autograd import Value, no_grad
from autograd.viz import explore, render
from nn import MLP, make_moons
from nn.losses import mse_loss

from ._common import graph_nodes, make_parser, progress, save_figure

EPS = 1e-6  # central difference step: error ~EPS^2 from truncation, ~1e-16/EPS from rounding


def main(fast: bool = False, out_dir: Path = Path("out")) -> dict:
    """Run both parts; returns the neuron's gradients and, per network size, the counted
    cost of each way to the gradient (forward passes, steps) and its seconds."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    neuron = spell_out_neuron(out_dir)
    print()
    widths = [2, 4, 8, 12] if fast else [2, 4, 8, 16, 32]
    timing = backprop_versus_differences(widths, out_dir)
    seconds = time.perf_counter() - start
    files = neuron.pop("files") + timing.pop("files")
    written = ", ".join(p.name for p in [*files, neuron["page"]])
    print(f"total {seconds:.1f} s; wrote {written} to {out_dir}/")
    return {**neuron, **timing, "seconds": seconds, "files": files}


# -- part 1: one neuron, node by node -----------------------------------------------------------


def spell_out_neuron(out_dir: Path) -> dict:
    """Build the neuron one operation per node, backpropagate, print and render it."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    # micrograd's lecture value: it makes n = 0.8814, where tanh is 1/sqrt(2) and 1 - o^2 = 1/2
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

    order = graph_nodes(o)  # every node after the nodes it is computed from
    # Local derivatives: d node / d parent, each node on its own, as the forward pass
    # stored them: v.edges pairs each parent with it (what backward() multiplies by).
    local = {v: [d for _, d in v.edges] for v in order}

    print("o = tanh(x1*w1 + x2*w2 + b), one node per operation, o.backward():")
    header = f"{'node':<12} {'op':<5} {'value':>8}   {'local derivatives':<40}"
    print(f"{header} {'grad = do/dnode':>15}")
    for v in order:
        parts = ", ".join(f"d/d{p.label} {d:+.4f}" for p, d in v.edges)
        print(f"{v.label:<12} {v.op or 'leaf':<5} {v.data:>8.4f}   {parts:<40} {v.grad:>15.4f}")

    print("\nthe backward pass, output first: grad(node) = sum over the nodes that use it of")
    print("grad(user) x d user / d node (the chain rule)")
    users: dict[Value, list[Value]] = {v: [] for v in order}
    for v in order:
        for p in v.parents:
            users[p].append(v)
    for v in reversed(order):
        if v is o:
            print(f"  grad({v.label}) = 1 (the seed: do/do)")
            continue
        terms = []
        for u in users[v]:
            d = local[u][u.parents.index(v)]
            terms.append((u, d, u.grad * d))
        shown = " + ".join(f"{u.grad:.4f} x {d:.4f}" for u, d, _ in terms)
        print(f"  grad({v.label}) = {shown} = {sum(t for *_, t in terms):.4f}")

    # The same numbers from the derivative worked out by hand: do/dn = 1 - tanh(n)^2.
    dn = 1.0 - o.data**2
    closed = {"x1": dn * w1.data, "w1": dn * x1.data, "x2": dn * w2.data, "w2": dn * x2.data}
    closed["b"] = dn
    worst = max(abs(leaf.grad - closed[leaf.label]) for leaf in (x1, w1, x2, w2, b))
    print(f"by hand, do/dn = 1 - o^2 = {dn:.4f}; the largest difference from backprop: {worst:.1e}")

    files = [render(o, out_dir / f"chain_rule_neuron{suffix}") for suffix in (".svg", ".png")]
    # the same backward pass, step by step in a browser, each product written out
    page = explore(o, out_dir / "chain_rule_neuron.html")
    print(f"to step through it in a browser, open {page}")
    return {
        "page": page,
        "output": o.data,
        "grads": {leaf.label: leaf.grad for leaf in (x1, w1, x2, w2, b)},
        "nodes": [v.label for v in order],
        "files": files,
    }


# -- part 2: backprop against finite differences --------------------------------------------


def backprop_versus_differences(widths: list[int], out_dir: Path) -> dict:
    """Count, then time, the gradient of a loss on MLP(2, [h, h, 1]) both ways.

    Counted: forward passes (calls of the loss) and steps. A step is one operand of one
    operation, an edge of the graph: the forward pass reads it once (a dot of 16 inputs is
    16 multiply-adds), the backward pass multiplies it once (the chain rule's product
    d node / d operand x grad node). Backprop is one forward and one backward pass, 2 steps
    per edge; central differences are two forward passes per parameter, 2 x params steps
    per edge. The counts are the claim; the seconds, measured on this machine, show what
    they cost here.
    """
    X, y = make_moons(2, noise=0.1, seed=0)  # two points: the loss of a small batch
    targets = [2.0 * t - 1.0 for t in y]
    print("the gradient of a loss on MLP(2, [h, h, 1]), tanh: backprop vs central differences")
    print("counted: forward passes, and steps (one per operand: forward reads, backward products)")
    header = f"{'h':>3} {'params':>6} {'passes bp':>9} {'fd':>6} {'steps bp':>9} {'fd':>10}"
    print(f"{header} {'ratio':>6} {'seconds bp':>10} {'fd':>8} {'ratio':>6} {'max diff':>8}")
    rows = []
    for h in progress(widths, desc="sizes", unit="net"):
        model = MLP(2, [h, h, 1], activation="tanh", seed=h)
        params = model.parameters()
        forwards = [0]

        def loss(model: MLP = model, forwards: list[int] = forwards) -> Value:
            forwards[0] += 1
            return mse_loss(model(X), targets)

        # Backprop, counted: one forward pass records the graph, one backward pass walks it.
        model.zero_grad()
        out = loss()
        edges = sum(len(v.parents) for v in graph_nodes(out))  # operands of every operation
        out.backward()
        backprop = [p.grad for p in params]
        bp_forwards = forwards[0]

        # Backprop again, timed for the printout: best of a few runs, as it is short.
        best = float("inf")
        for _ in range(5):
            t0 = time.perf_counter()
            model.zero_grad()
            loss().backward()
            best = min(best, time.perf_counter() - t0)

        # Central differences, counted: nudge each parameter both ways (no graph recorded).
        forwards[0] = 0
        t0 = time.perf_counter()
        numeric = []
        with no_grad():
            for p in params:
                keep = p.data
                p.data = keep + EPS
                up = loss().data
                p.data = keep - EPS
                down = loss().data
                p.data = keep
                numeric.append((up - down) / (2 * EPS))
        differences = time.perf_counter() - t0
        fd_forwards = forwards[0]

        row = {
            "params": len(params),
            "edges": edges,
            "backprop_forwards": bp_forwards,
            "difference_forwards": fd_forwards,
            "backprop_steps": bp_forwards * edges + edges,  # the forward pass, then backward
            "difference_steps": fd_forwards * edges,
            "backprop_seconds": best,
            "difference_seconds": differences,
            "diff": max(abs(a - b) for a, b in zip(backprop, numeric)),
        }
        rows.append(row)
        step_ratio = row["difference_steps"] / row["backprop_steps"]
        passes = f"{bp_forwards}f + 1b"  # forward passes and the one backward pass
        print(
            f"{h:>3} {len(params):>6} {passes:>9} {fd_forwards:>6} "
            f"{row['backprop_steps']:>9,} {row['difference_steps']:>10,} "
            f"{step_ratio:>5.0f}x {best:>10.5f} {differences:>8.4f} "
            f"{differences / best:>5.0f}x {row['diff']:>8.1e}"
        )

    fig, (by_count, by_time) = plt.subplots(1, 2, figsize=(10, 4.2))
    counts = [r["params"] for r in rows]
    for ax, key, ylabel in [
        (by_count, "steps", "steps for the whole gradient (counted)"),
        (by_time, "seconds", "seconds for the whole gradient (this machine)"),
    ]:
        ax.loglog(counts, [r[f"backprop_{key}"] for r in rows], "o-", label="backprop")
        ax.loglog(counts, [r[f"difference_{key}"] for r in rows], "s-", label="differences")
        ax.set_xlabel("parameters")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    by_count.set_title("1 forward + 1 backward vs 2 forwards/param", fontsize=10)
    by_time.set_title("the same, timed", fontsize=10)
    files = save_figure(fig, out_dir, "chain_rule_speed")

    largest = rows[-1]
    print(
        f"at {largest['params']} parameters backprop takes "
        f"{largest['difference_steps'] / largest['backprop_steps']:.0f}x fewer steps "
        f"({largest['difference_seconds'] / largest['backprop_seconds']:.0f}x "
        f"faster here); largest gradient difference over all sizes "
        f"{max(r['diff'] for r in rows):.1e}"
    )
    keys = [k for k in rows[0] if k != "diff"]
    return {
        **{k: [r[k] for r in rows] for k in keys},
        "max_grad_diff": max(r["diff"] for r in rows),
        "files": files,
    }


def parser() -> argparse.ArgumentParser:
    """The command line: ``--fast``, ``--out DIR``."""
    return make_parser(__doc__.splitlines()[0])


if __name__ == "__main__":
    main(**vars(parser().parse_args()))
