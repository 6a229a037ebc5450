"""Array-backend figure (issue 18): the moons step compiled with ``backend="numpy"``
against PyTorch's batched step on the same work, and against hand-written plain floats.

PyTorch runs float64 on one thread (``torch.set_num_threads(1)``), the whole batch as
tensors: ``relu(X @ W1.T + b1)`` and so on, ``loss.backward()``, an SGD update. It is only
in the bench venv (``make bench``), never a dependency. As for every figure, the ratios are
measured in this one process, over interleaved rounds (medians). The numbers of the array
step are checked against the engine's: within 1e-12 of the largest gradient.

OpenBLAS: on some machines here ``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` are set
for old builds' sake and slow a current numpy; ``make bench`` unsets both for its own
command (never in tests or CI).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import compiled  # noqa: E402
import engine  # noqa: E402


def _array_step_factory(seed: int = 0):
    """The compiled moons step of figure 6, with the array backend; and its loss."""
    train, step, model = compiled._compiled_step_factory(seed, backend="numpy")
    X, y = engine.moons_data()
    return train, step, model, compiled._moons_loss(model, model.parameters(), X, y)


def _torch_step_factory(model):
    """The same network and loss, batched in PyTorch (float64, one thread)."""
    import torch

    torch.set_num_threads(1)
    X, y = engine.moons_data()
    Xt = torch.tensor(X, dtype=torch.float64)
    yt = torch.tensor(y, dtype=torch.float64)
    tensors = []
    for layer in model.layers:
        W = [[w.data for w in n.w] for n in layer.neurons]
        b = [n.b.data for n in layer.neurons]
        tensors.append(torch.tensor(W, dtype=torch.float64, requires_grad=True))
        tensors.append(torch.tensor(b, dtype=torch.float64, requires_grad=True))

    def step(k: int = 0) -> float:
        h = Xt
        for i in range(0, len(tensors), 2):
            h = h @ tensors[i].T + tensors[i + 1]
            if i + 2 < len(tensors):
                h = torch.relu(h)
        loss = torch.relu(1.0 - yt * h[:, 0]).mean() + 1e-4 * sum((p * p).sum() for p in tensors)
        for p in tensors:
            p.grad = None
        loss.backward()
        lr = 1.0 - 0.9 * k / 100
        with torch.no_grad():
            for p in tensors:
                p -= lr * p.grad
        return loss.item()

    return step


def _check_numbers(steps: int = 3) -> float:
    """The largest difference, over a few steps, between the array step's gradients and
    the engine's, relative to the largest gradient."""
    train, step, model, loss_fn = _array_step_factory()
    params = model.parameters()
    worst = 0.0
    for k in range(steps):
        loss = loss_fn()
        for p in params:
            p.grad = 0.0
        loss.backward()
        want = [p.grad for p in params]
        got = step()
        scale = max(abs(g) for g in want)
        worst = max(worst, abs(got - loss.data) / abs(loss.data))
        worst = max(worst, max(abs(p.grad - w) for p, w in zip(params, want)) / scale)
        train(k)
    return worst


def figure_array_step(rounds: int = 9) -> dict:
    import torch

    array_train, step, model, loss_fn = _array_step_factory()
    plain, _ = engine.plain_float_step_factory(model)
    # the same work: PyTorch's first loss is the engine's (to rounding)
    same = abs(_torch_step_factory(model)() - loss_fn().data) <= 1e-12
    torch_step = _torch_step_factory(model)
    t = engine.interleaved(
        {"array": array_train, "plain": plain, "torch": torch_step}, rounds=rounds, warmup=2
    )
    return {
        "backend": step.backend,
        "array_ms": t["array"] * 1e3,
        "plain_ms": t["plain"] * 1e3,
        "torch_ms": t["torch"] * 1e3,
        "vs_torch": t["array"] / t["torch"],
        "vs_plain": t["array"] / t["plain"],
        "torch": torch.__version__,
        "worst": _check_numbers(),
        "same_loss": same,
    }


def table_rows() -> Iterator[tuple[str, str, str, str, bool]]:
    """The row for ``benchmarks/run.py``: (figure, detail, result, target, met)."""
    try:
        f9 = figure_array_step()
    except ImportError as error:  # numpy or torch missing: make bench installs both
        yield ("9 array backend vs PyTorch batched", f"skipped: {error}; run make bench", "-",
               "<= 1.0x", False)
        return
    yield (
        "9 array backend: moons step vs PyTorch batched (float64, 1 thread)",
        f"array {f9['array_ms']:.2f} ms ({f9['backend']}), torch {f9['torch']} "
        f"{f9['torch_ms']:.2f} ms, plain {f9['plain_ms']:.2f} ms "
        f"({f9['vs_plain']:.2f}x plain); gradients within {f9['worst']:.1e} of the engine's; "
        f"PyTorch's loss the engine's: {f9['same_loss']}",
        f"{f9['vs_torch']:.2f}x torch",
        "<= 1.0x",
        f9["vs_torch"] <= 1.0 and f9["worst"] <= 1e-12 and f9["backend"] == "numpy"
        and f9["same_loss"],
    )


def main() -> None:
    for name, detail, result, target, met in table_rows():
        print(f"{name}\n    {result} (target {target}: {'met' if met else 'NOT met'}); {detail}")


if __name__ == "__main__":
    main()
