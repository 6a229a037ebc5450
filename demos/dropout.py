"""Dropout: what a dropped unit costs (nothing) and what dropout does to overfitting.

Part 1: the graph of one training step, counted. In an ``nn.MLP`` a dropped hidden unit is
never computed: no weighted sum, no activation, nothing for the backward pass. A kept unit
gains one node, its 1/(1-p) scaling. So the graph shrinks as p grows, and is smaller than
without dropout once more than a third of the units are dropped.

Part 2: the same net trained on 20 noisy moon points with and without dropout. Without it
the net fits every training point with a contorted boundary and does worse on new points;
with it the boundary stays simple and the train/validation gap closes.

Run: ``python -m demos.dropout [--fast] [--out DIR]``
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from autograd import Value, no_grad
from nn import MLP, make_moons
from nn.losses import binary_cross_entropy_with_logits as bce
from nn.optim import Adam

from ._common import count_graph, graph_nodes, make_parser, pct, progress, save_figure

WIDTH = 16
P = 0.5  # the rate trained with in part 2
NOISE = 0.3
SEED = 0


def main(fast: bool = False, out_dir: Path = Path("out")) -> dict:
    """Both parts; returns node counts by p and both nets' train/validation numbers."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    X, y = make_moons(20, noise=NOISE, seed=1)
    Xv, yv = make_moons(80 if fast else 200, noise=NOISE, seed=2)  # same moons, new points

    counts = count_step_nodes(X, y)
    files = plot_nodes(counts, out_dir)
    print()
    steps = 80 if fast else 300
    runs = {
        name: train(p, X, y, Xv, yv, steps) for name, p in (("no dropout", 0.0), ("dropout", P))
    }
    for name, r in runs.items():
        print(
            f"  {name:<11} train {pct(r['train_acc'])} (loss {r['train_loss']:.3f}), "
            f"validation {pct(r['val_acc'])} (loss {r['val_loss']:.3f}), "
            f"gap {round(100 * r['gap']):+d} points"
        )
    files += plot_training(runs, (X, y), (Xv, yv), out_dir, grid=20 if fast else 40)
    seconds = time.perf_counter() - start
    print(f"total {seconds:.1f} s; wrote " + ", ".join(p.name for p in files) + f" to {out_dir}/")
    numbers = ("train_acc", "val_acc", "train_loss", "val_loss", "gap")
    return {
        "nodes": {p: c["operations"] for p, c in counts.items()},
        "edges": {p: c["edges"] for p, c in counts.items()},
        "computed_units": {p: c["computed"] for p, c in counts.items()},
        "unit_operations": {p: c["unit_ops"] for p, c in counts.items()},
        "step_seconds": {p: c["seconds"] for p, c in counts.items()},
        "without": {k: runs["no dropout"][k] for k in numbers},
        "with": {k: runs["dropout"][k] for k in numbers},
        "p": P,
        "seconds": seconds,
        "files": files,
    }


# -- part 1: what one step costs -------------------------------------------------------------


def count_step_nodes(X: list[list[float]], y: list[int]) -> dict[float, dict]:
    """For several p: the graph of one training step's loss, counted, and its time."""
    print(
        f"one training step of MLP(2, [{WIDTH}, {WIDTH}, 1]) on {len(X)} points: "
        "the graph it builds"
    )
    print(
        f"{'p':>4} {'hidden units computed':>22} {'operations':>11} {'inputs read':>12} {'ms':>6}"
    )
    hidden = 2 * WIDTH * len(X)  # hidden-unit evaluations in one step
    counts = {}
    for p in (0.0, 0.2, 1 / 3, 0.5, 0.8):
        model = MLP(2, [WIDTH, WIDTH, 1], dropout=p, seed=SEED)
        seconds = float("inf")
        for _ in range(3):  # best of three: the machine may be busy (new masks each time)
            t0 = time.perf_counter()
            loss = bce([model(x) for x in X], y)
            loss.backward()
            seconds = min(seconds, time.perf_counter() - t0)
        operations, values = count_graph(loss)
        # nn labels every node a neuron makes "<neuron path>/<role>" (docs/nn.md): a hidden
        # unit that was computed left one ".../relu" node (weighted sum and activation) in
        # layers.0 or layers.1, and a kept one a ".../dropout" (its scaling).
        ops = [v for v in graph_nodes(loss) if v.op]
        hidden_ops = [v for v in ops if v.label.startswith(("layers.0.", "layers.1."))]
        scaling = sum(1 for v in hidden_ops if v.label.endswith("/dropout"))
        computed = sum(1 for v in hidden_ops if v.label.endswith("/relu"))
        edges = sum(len(v.parents) for v in ops)  # the multiply-adds, forward and back
        counts[p] = {
            "operations": operations,
            "edges": edges,
            "values": values,
            "computed": computed,
            "unit_ops": len(hidden_ops) - scaling,
            "scaling_ops": scaling,
            "other_ops": operations - len(hidden_ops),
            "seconds": seconds,
        }
        print(
            f"{p:>4.2f} {computed:>9} of {hidden} ({pct(computed / hidden):>4}) "
            f"{operations:>11} {edges:>12} {1000 * seconds:>6.1f}"
        )
    base, at_p = counts[0.0], counts[P]
    print(
        "a dropped unit adds nothing to the graph; a kept one adds its neuron and its 1/(1-p) "
        f"scaling, so at p = {P} the graph has about as many operations ({at_p['operations']} "
        f"against {base['operations']}), but they read {at_p['edges']} inputs against "
        f"{base['edges']}: the work is in the inputs, and a dropped unit's are never read"
    )
    return counts


def plot_nodes(counts: dict[float, dict], out_dir: Path) -> list[Path]:
    """One step's operations by p, split into hidden units, their scalings and the rest."""
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    ps = list(counts)
    names = [f"{p:.2f}" for p in ps]
    bottom = np.zeros(len(ps))
    for key, colour, label in (
        ("unit_ops", "tab:gray", "hidden units (one node each)"),
        ("scaling_ops", "tab:orange", "1/(1-p) scaling of kept units"),
        ("other_ops", "tab:purple", "output layer and loss"),
    ):
        heights = np.array([counts[p][key] for p in ps])
        ax.bar(names, heights, bottom=bottom, color=colour, label=label)
        bottom += heights
    ax.axhline(counts[0.0]["operations"], color="tab:red", lw=1, ls="--", label="no dropout")
    ax.set_xlabel("dropout probability p")
    ax.set_ylabel("operations in one step's graph")
    ax.set_title("a dropped unit adds no node; a kept one adds its scaling", fontsize=10)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3, axis="y")
    return save_figure(fig, out_dir, "dropout_nodes")


# -- part 2: the train/validation gap ------------------------------------------------------------


def train(
    p: float,
    X: list[list[float]],
    y: list[int],
    Xv: list[list[float]],
    yv: list[int],
    steps: int,
) -> dict:
    """Adam on the logistic loss; train and validation accuracy measured as it goes."""
    model = MLP(2, [WIDTH, WIDTH, 1], dropout=p, seed=SEED)  # same weights for every p
    opt = Adam(model.parameters(), lr=0.02)
    history: dict[str, list] = {"step": [], "train": [], "val": []}
    label = f"p = {p}"
    for k in progress(range(steps + 1), desc=label, unit="step"):
        if k % 20 == 0 or k == steps:
            model.eval()  # dropout off: the network as it will be used
            history["step"].append(k)
            history["train"].append(measure(model, X, y)[1])
            history["val"].append(measure(model, Xv, yv)[1])
            model.train()
        if k == steps:
            break
        loss = bce([model(x) for x in X], y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    train_loss, train_acc = measure(model, X, y)
    val_loss, val_acc = measure(model, Xv, yv)
    return {
        "model": model,
        "train_acc": train_acc,
        "val_acc": val_acc,
        "train_loss": train_loss,
        "val_loss": val_loss,
        "gap": train_acc - val_acc,
        **history,
    }


def measure(model: MLP, X: list[list[float]], y: list[int]) -> tuple[float, float]:
    """(logistic loss, accuracy) without building a graph."""
    with no_grad():
        scores: list[Value] = [model(x) for x in X]
        loss = bce(scores, y).data
    return loss, sum((s.data > 0) == (t == 1) for s, t in zip(scores, y)) / len(y)


def plot_training(
    runs: dict[str, dict],
    train_set: tuple[list[list[float]], list[int]],
    val_set: tuple[list[list[float]], list[int]],
    out_dir: Path,
    grid: int,
) -> list[Path]:
    """Accuracy curves, then each net's decision regions over the training points (dots)
    and the validation points (faint crosses)."""
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    colours = {"no dropout": "tab:red", "dropout": "tab:blue"}
    for name, r in runs.items():
        train_pct = [100 * a for a in r["train"]]
        val_pct = [100 * a for a in r["val"]]
        axes[0].plot(r["step"], train_pct, "--", color=colours[name], label=f"{name}: train")
        axes[0].plot(r["step"], val_pct, "-", color=colours[name], label=f"{name}: validation")
    axes[0].set_xlabel("Adam step")
    axes[0].set_ylabel("accuracy (%)")
    axes[0].set_title("train (dashed) and validation (solid) accuracy")
    axes[0].grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    pts, labels = np.array(train_set[0]), np.array(train_set[1])
    vpts, vlabels = np.array(val_set[0]), np.array(val_set[1])
    xs = np.linspace(pts[:, 0].min() - 0.4, pts[:, 0].max() + 0.4, grid)
    ys = np.linspace(pts[:, 1].min() - 0.4, pts[:, 1].max() + 0.4, grid)
    for ax, (name, r) in zip(axes[1:], runs.items()):
        model = r["model"]
        with no_grad():
            z = np.array([[model([float(a), float(b)]).data for a in xs] for b in ys])
        ax.contourf(xs, ys, z > 0, levels=[-0.5, 0.5, 1.5], colors=["#f4b6b6", "#b6cdf4"])
        ax.scatter(vpts[:, 0], vpts[:, 1], c=vlabels, cmap="bwr_r", marker="x", s=10, alpha=0.35)
        ax.scatter(pts[:, 0], pts[:, 1], c=labels, cmap="bwr_r", ec="black", s=26)
        ax.set_xlim(xs[0], xs[-1])
        ax.set_ylim(ys[0], ys[-1])
        ax.set_title(
            f"{name}: train {pct(r['train_acc'])}, validation {pct(r['val_acc'])}", fontsize=10
        )
        ax.set_xticks([])
        ax.set_yticks([])
    return save_figure(fig, out_dir, "dropout_training")


def parser() -> argparse.ArgumentParser:
    """The command line: ``--fast``, ``--out DIR``."""
    return make_parser(__doc__.splitlines()[0])


if __name__ == "__main__":
    main(**vars(parser().parse_args()))
