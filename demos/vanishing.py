"""Vanishing and exploding gradients: how far back does the gradient reach in a deep net?

Twelve hidden layers of 16 units with sigmoid, tanh or ReLU, each started four ways: small
weights U(-0.1, 0.1), micrograd's default U(-1, 1), the scheme made for the activation
(Xavier for sigmoid and tanh, He for ReLU) and large weights U(-3, 3). After one backward
pass of a batch's loss, ``nn.gradient_health`` gives each layer's gradient norm and its dead
units; the demo plots the norms on a log scale and says in words what it sees.

Run: ``python -m demos.vanishing [--fast] [--out DIR]``
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import matplotlib.pyplot as plt

from nn import MLP, HealthReport, gradient_health, make_moons
from nn.losses import mse_loss

from ._common import make_parser, pct, progress, save_figure

WIDTH = 16
VANISH = 1e-5  # a layer whose gradient norm is below this learns nothing in practice
EXPLODE = 1e3  # ... and above this one SGD step throws the weights far away
ACTIVATIONS = ("sigmoid", "tanh", "relu")

# (key, shown as, init=, factor applied to the drawn weights). "small" and "large" rescale
# micrograd's U(-1, 1) draws; "matched" is the scheme derived for the activation.
INITS = (
    ("small", "small U(-0.1,0.1)", "uniform", 0.1),
    ("default", "default U(-1,1)", "uniform", 1.0),
    ("matched", "", None, 1.0),
    ("large", "large U(-3,3)", "uniform", 3.0),
)


def matched(activation: str) -> tuple[str, str]:
    """(key, init=) of the scheme derived for an activation: He for ReLU, Xavier otherwise."""
    return ("he", "kaiming") if activation == "relu" else ("xavier", "xavier")


def main(fast: bool = False, out_dir: Path = Path("out")) -> dict:
    """One backward pass per (activation, init); returns norms, flags and dead fractions."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    depth = 8 if fast else 12
    X, y = make_moons(8 if fast else 16, noise=0.1, seed=0)
    targets = [2.0 * t - 1.0 for t in y]
    print(
        f"MLP(2, [{WIDTH}] x {depth} + [1]): {depth} hidden layers; one backward pass of the "
        f"mean squared error on {len(X)} points"
    )
    print(f"flags: VANISHING below {VANISH:g}, EXPLODING above {EXPLODE:g} (gradient norm)\n")

    runs = [(act, *spec) for act in ACTIVATIONS for spec in INITS]
    norms: dict[str, list[float]] = {}
    flags: dict[str, list[str]] = {}
    dead: dict[str, float] = {}
    verdicts: dict[str, str] = {}
    reports: dict[str, HealthReport] = {}
    names: dict[str, str] = {}
    bar = progress(runs, desc="networks", unit="net")
    for activation, short, name, init, factor in bar:
        if init is None:
            short, init = matched(activation)
            name = f"{'He' if short == 'he' else 'Xavier'} (init={init!r})"
        model = MLP(2, [WIDTH] * depth + [1], activation=activation, init=init, seed=0)
        if factor != 1.0:
            for layer in model.layers:
                for neuron in layer.neurons:
                    for w in neuron.w:
                        w.data *= factor
        loss = mse_loss(model(X), targets)
        loss.backward()
        report = gradient_health(model, vanish=VANISH, explode=EXPLODE)
        key = f"{activation}/{short}"
        reports[key] = report
        names[key] = name
        norms[key] = [h.grad_norm for h in report.layers]
        flags[key] = [h.flag for h in report.layers]
        hidden = report.layers[:-1]  # the output layer's one unit cannot be "dead ReLU"
        dead[key] = sum(h.dead_units for h in hidden) / sum(h.units for h in hidden)
        verdicts[key] = verdict(report, activation)
        bar.write(f"{activation:>7}, {name:<18} {verdicts[key]}")

    relu_dead = {round(v, 12) for k, v in dead.items() if k.startswith("relu/")}
    if len(relu_dead) == 1:
        # With one seed every init here draws the same uniform numbers, only scaled
        # (per layer); relu(a * z) = a * relu(z) for a > 0 and biases start at 0, so the
        # same units stay off whatever the scale.
        print(
            f"every ReLU net has the same {pct(relu_dead.pop())} dead units: each init here "
            "is the same random draw at another scale, and scaling the weights does not "
            "change which units are off (relu(a z) = a relu(z) for a > 0; biases start at 0)."
        )
    print("\nthe gradient-health report of one of them (sigmoid, micrograd's default):")
    print(reports["sigmoid/default"])
    files = plot_norms(norms, names, depth, out_dir)
    files += plot_dead(reports, depth, out_dir)
    seconds = time.perf_counter() - start
    print(f"\ntotal {seconds:.1f} s; wrote " + ", ".join(p.name for p in files) + f" to {out_dir}/")
    return {
        "depth": depth,
        "norms": norms,
        "flags": flags,
        "dead_fraction": dead,
        "verdicts": verdicts,
        "seconds": seconds,
        "files": files,
    }


def verdict(report: HealthReport, activation: str) -> str:
    """What the report says, in words: trend across depth, flags, dead units."""
    layers, hidden = report.layers, report.layers[:-1]
    first, last = hidden[0].grad_norm, hidden[-1].grad_norm
    words = []
    if not all(math.isfinite(h.grad_norm) for h in layers):
        words.append("gradients overflow to inf/nan.")
    elif len(report.exploding) == len(layers):
        words.append("every layer's gradient is huge: the forward signal grows layer by layer.")
    elif len(report.vanishing) == len(layers):
        words.append("every layer's gradient is tiny: the signal dies in the forward pass.")
    elif first == 0.0 or last == 0.0:
        words.append("no gradient at all reaches some layers.")
    else:
        ratio = first / last
        per_layer = ratio ** (1.0 / (len(hidden) - 1))
        if ratio < 0.1:
            words.append(
                f"shrinks {_times(1 / ratio)} from the last hidden layer to the first "
                f"({1 / per_layer:.1f}x a layer): the first layers barely learn."
            )
        elif ratio > 10:
            words.append(
                f"grows {_times(ratio)} from the last hidden layer to the first "
                f"({per_layer:.1f}x a layer)."
            )
        else:
            words.append(f"steady across depth (first/last hidden layer {ratio:.2g}).")
    if report.exploding:
        words.append(f"EXPLODING in {len(report.exploding)} of {len(layers)} layers.")
    if report.vanishing:
        words.append(f"VANISHING in {len(report.vanishing)} of {len(layers)} layers.")
    if report.healthy and words[0].startswith("steady"):
        words.append("Healthy.")
    if activation == "relu":
        units = sum(h.units for h in hidden)
        lost = sum(h.dead_units for h in hidden)
        words.append(f"{lost} of {units} ReLUs dead ({pct(lost / units)}).")
    return " ".join(words)


def _times(x: float) -> str:
    return f"{x:,.0f}x" if x < 1e4 else f"{x:.0e}x"


def plot_norms(
    norms: dict[str, list[float]], names: dict[str, str], depth: int, out_dir: Path
) -> list[Path]:
    """Per-layer gradient norm, log scale, one panel per activation."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), sharey=True)
    layers = list(range(1, depth + 2))
    for ax, activation in zip(axes, ACTIVATIONS):
        for key, values in norms.items():
            if key.startswith(activation + "/"):
                # A zero norm has no place on a log axis: show it at the bottom edge.
                shown = [max(v, 1e-30) for v in values]
                ax.semilogy(layers, shown, "o-", markersize=3, label=names[key])
        ax.axhspan(1e-30, VANISH, color="tab:blue", alpha=0.08)
        ax.axhspan(EXPLODE, 1e30, color="tab:red", alpha=0.08)
        ax.set_title(f"{activation}: {depth} hidden layers of {WIDTH}")
        ax.set_xlabel("layer (1 = input side)")
        ax.grid(alpha=0.3, which="major")
        ax.legend(fontsize=7)
    finite = [v for values in norms.values() for v in values if v > 0 and math.isfinite(v)]
    axes[0].set_ylim(min(finite) / 10, max(finite) * 10)
    axes[0].set_ylabel("gradient norm of the layer's parameters")
    fig.suptitle("after one backward pass: blue band vanishing, red band exploding", fontsize=10)
    return save_figure(fig, out_dir, "vanishing_norms")


def plot_dead(reports: dict[str, HealthReport], depth: int, out_dir: Path) -> list[Path]:
    """Dead ReLU units per hidden layer (the same for every init scale, see the report)."""
    fig, ax = plt.subplots(figsize=(6, 3.4))
    key = "relu/he"
    hidden = reports[key].layers[:-1]
    ax.bar(range(1, depth + 1), [100 * h.dead_fraction for h in hidden], color="tab:gray")
    ax.set_xlabel("hidden layer (1 = input side)")
    ax.set_ylabel("dead ReLU units (%)")
    ax.set_title("dead ReLU units: every parameter gradient exactly 0 (He init)", fontsize=10)
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3, axis="y")
    return save_figure(fig, out_dir, "vanishing_dead_relu")


def parser() -> argparse.ArgumentParser:
    """The command line: ``--fast``, ``--out DIR``."""
    return make_parser(__doc__.splitlines()[0])


if __name__ == "__main__":
    main(**vars(parser().parse_args()))
