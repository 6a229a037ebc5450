"""SGD, momentum and Adam on non-convex losses, from the same start.

Part 1, a landscape you can see: ``f(x, y) = (x^2 - 1)^2 + 0.3 x + 0.5 y^2`` has two valleys,
a shallow one near x = +0.96 and the deepest near x = -1.04, with a ridge between. Started
on the shallow side, plain SGD rolls into the nearer valley and stays; momentum carries
enough speed over the ridge; Adam, whose steps are about ``lr`` long whatever the slope,
settles where it lands first. Two Values are the parameters; their paths are drawn.

Part 2, a network: three interleaved spiral arms, ``MLP(2, [16, 16, 3])`` with tanh and
softmax cross-entropy. SGD stalls on a plateau with about half the points right; momentum
gets off it late, Adam early.

Run: ``python -m demos.optimizers [--fast] [--out DIR]``
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import autograd
from autograd import Value, no_grad
from nn import MLP, make_spirals
from nn.losses import cross_entropy
from nn.optim import SGD, Adam, Optimizer

from ._common import make_parser, pct, progress, save_figure

START = (2.0, 1.5)  # on the shallow valley's side
COLOURS = {"SGD": "tab:red", "momentum": "tab:green", "Adam": "tab:blue"}


def two_well(x: Value | float, y: Value | float) -> Value | float:
    """Two valleys: a shallow one near (0.96, 0) and a deeper one near (-1.04, 0)."""
    return (x * x - 1) ** 2 + 0.3 * x + 0.5 * y * y


def landscape_optimizers() -> dict[str, Callable[[list[Value]], Optimizer]]:
    return {
        "SGD": lambda p: SGD(p, lr=0.01),
        "momentum": lambda p: SGD(p, lr=0.01, momentum=0.9),
        "Adam": lambda p: Adam(p, lr=0.1),
    }


def network_optimizers() -> dict[str, Callable[[list[Value]], Optimizer]]:
    return {
        "SGD": lambda p: SGD(p, lr=0.1),
        "momentum": lambda p: SGD(p, lr=0.1, momentum=0.9),
        "Adam": lambda p: Adam(p, lr=0.02),
    }


def main(fast: bool = False, out_dir: Path = Path("out")) -> dict:
    """Both parts; returns each optimizer's final loss (and where it ended, in part 1)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    landscape = run_landscape(150 if fast else 200)
    files = plot_landscape(landscape, out_dir)
    print()
    spiral = run_spiral(
        per_class=8 if fast else 15, steps=30 if fast else 100, grid=12 if fast else 40
    )
    files += plot_spiral(spiral, out_dir)
    seconds = time.perf_counter() - start
    print(f"total {seconds:.1f} s; wrote " + ", ".join(p.name for p in files) + f" to {out_dir}/")
    return {
        "landscape": {
            name: {"loss": r["losses"][-1], "end": r["path"][-1]} for name, r in landscape.items()
        },
        "spiral": {
            name: {"loss": r["losses"][-1], "accuracy": r["accuracy"]}
            for name, r in spiral["runs"].items()
        },
        "seconds": seconds,
        "files": files,
    }


# -- part 1: two valleys ------------------------------------------------------------------------


def run_landscape(steps: int) -> dict[str, dict]:
    """Each optimizer from START for ``steps`` steps: its path and its loss at each step."""
    print(f"part 1: f(x, y) = (x^2 - 1)^2 + 0.3 x + 0.5 y^2 from {START}, {steps} steps")
    runs = {}
    for name, make in landscape_optimizers().items():
        x, y = Value(START[0], label="x"), Value(START[1], label="y")
        opt = make([x, y])
        path, losses = [], []
        for _ in range(steps):
            loss = two_well(x, y)
            path.append((x.data, y.data))
            losses.append(loss.data)
            opt.zero_grad()
            loss.backward()
            opt.step()
        path.append((x.data, y.data))
        losses.append(two_well(x.data, y.data))
        valley = "the deep valley" if x.data < 0 else "the shallow valley"
        print(
            f"  {name:<9} ends at ({x.data:+.3f}, {y.data:+.3f}), f = {losses[-1]:+.4f}: {valley}"
        )
        runs[name] = {"path": path, "losses": losses}
    return runs


def plot_landscape(runs: dict[str, dict], out_dir: Path) -> list[Path]:
    xs = np.linspace(-1.8, 2.3, 120)
    ys = np.linspace(-1.8, 1.8, 100)
    gx, gy = np.meshgrid(xs, ys)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.4))
    left.contourf(gx, gy, two_well(gx, gy), levels=30, cmap="viridis", alpha=0.85)
    for name, r in runs.items():
        path = np.array(r["path"])
        left.plot(path[:, 0], path[:, 1], ".-", color=COLOURS[name], ms=3, lw=1, label=name)
    left.plot(*START, "w*", ms=12, label="start")
    left.set_xlabel("x")
    left.set_ylabel("y")
    left.set_title("paths from the same start (two valleys)")
    left.legend(fontsize=8, loc="lower right")
    for name, r in runs.items():
        right.plot(r["losses"], color=COLOURS[name], label=name)
    right.set_xlabel("step")
    right.set_ylabel("f(x, y)")
    right.set_title("loss: momentum crosses the ridge into the deeper valley")
    right.grid(alpha=0.3)
    right.legend(fontsize=8)
    return save_figure(fig, out_dir, "optimizers_landscape")


# -- part 2: spirals ------------------------------------------------------------------------------


def run_spiral(per_class: int, steps: int, grid: int) -> dict:
    """Train the same initial network with each optimizer; the class map on a grid after."""
    X, labels = make_spirals(per_class, classes=3, noise=0.1, seed=0)
    print(
        f"part 2: {len(X)} spiral points, MLP(2, [16, 16, 3]) tanh, softmax cross-entropy, "
        f"{steps} full-batch steps"
    )
    runs = {}
    total = steps * len(network_optimizers())
    bar = progress(None, desc="training", total=total, unit="step")
    for name, make in network_optimizers().items():
        model = MLP(2, [16, 16, 3], activation="tanh", init="xavier", seed=0)  # same start
        opt = make(model.parameters())
        losses = []
        for _ in range(steps):
            outs = model(X)
            loss = autograd.sum([cross_entropy(o, t) for o, t in zip(outs, labels)]) / len(X)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.data)
            bar.set_postfix(opt=name, loss=f"{loss.data:.3f}", refresh=False)
            bar.update()
        with no_grad():
            final = model(X)
            losses.append(
                (autograd.sum([cross_entropy(o, t) for o, t in zip(final, labels)]) / len(X)).data
            )
            acc = sum(_predict(o) == t for o, t in zip(final, labels)) / len(X)
            regions = class_map(model, grid)
        bar.write(f"  {name:<9} loss {losses[0]:.3f} -> {losses[-1]:.3f}, accuracy {pct(acc)}")
        runs[name] = {"losses": losses, "accuracy": acc, "regions": regions}
    bar.close()
    chance = np.log(3)
    print(f"  (chance level, the loss of uniform guesses: log 3 = {chance:.3f})")
    return {"runs": runs, "X": X, "labels": labels}


def _predict(logits: list[Value]) -> int:
    return max(range(len(logits)), key=lambda k: logits[k].data)


def class_map(model: MLP, grid: int) -> np.ndarray:
    """The predicted class over [-1.1, 1.1]^2, ``grid`` x ``grid`` (call under no_grad)."""
    axis = np.linspace(-1.1, 1.1, grid)
    return np.array([[_predict(model([float(a), float(b)])) for a in axis] for b in axis])


def plot_spiral(spiral: dict, out_dir: Path) -> list[Path]:
    runs, X, labels = spiral["runs"], np.array(spiral["X"]), np.array(spiral["labels"])
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.9))
    for name, r in runs.items():
        axes[0].plot(r["losses"], color=COLOURS[name], label=name)
    axes[0].axhline(np.log(3), color="gray", ls="--", lw=1, label="chance (log 3)")
    axes[0].set_xlabel("step")
    axes[0].set_ylabel("cross-entropy")
    axes[0].set_title("loss")
    axes[0].grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    for ax, (name, r) in zip(axes[1:], runs.items()):
        ax.imshow(
            r["regions"], origin="lower", extent=(-1.1, 1.1, -1.1, 1.1), cmap="Pastel1",
            vmin=0, vmax=8, interpolation="nearest",
        )  # fmt: skip
        ax.scatter(X[:, 0], X[:, 1], c=labels, cmap="Set1", vmin=0, vmax=8, s=14, ec="black")
        ax.set_title(f"{name}: {pct(r['accuracy'])} correct")
        ax.set_xticks([])
        ax.set_yticks([])
    return save_figure(fig, out_dir, "optimizers_spiral")


def parser() -> argparse.ArgumentParser:
    """The command line: ``--fast``, ``--out DIR``."""
    return make_parser(__doc__.splitlines()[0])


if __name__ == "__main__":
    main(**vars(parser().parse_args()))
