"""Compiled-step figures (issue 7): the moons step traced once and replayed as generated code.

``make bench`` prints them in its table (``benchmarks/run.py`` calls ``table_rows``); run
this file alone for just these: ``python benchmarks/compiled.py``. Like the engine figures,
every ratio is measured in this one process, over interleaved rounds (medians).
"""

from __future__ import annotations

import random
import struct
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import engine  # noqa: E402

import autograd  # noqa: E402
from autograd.compile import compile as compile_step  # noqa: E402


def _moons_loss(model, params, X, y):
    from nn.losses import hinge_loss, l2_penalty

    return lambda: hinge_loss(model(X), y) + l2_penalty(params, 1e-4)


def _compiled_step_factory(seed: int = 0, backend: str = "python"):
    """The nn moons step (as ``engine.nn_step_factory`` writes it), compiled once."""
    from nn import MLP

    model = MLP(2, [16, 16, 1], seed=seed)
    params = model.parameters()
    X, y = engine.moons_data()
    step = compile_step(_moons_loss(model, params, X, y), params, backend=backend)

    def train(k: int = 0) -> float:
        loss = step()
        lr = 1.0 - 0.9 * k / 100
        for p in params:
            p.data -= lr * p.grad
        return loss

    return train, step, model


def _check_bit_identical(steps: int = 3) -> bool:
    """The compiled and the nn step train two equal models to the same bits."""
    nn_step, nn_model = engine.nn_step_factory()
    train, _, model = _compiled_step_factory()

    def bits(model):
        return [struct.pack("<d", v) for p in model.parameters() for v in (p.data, p.grad)]

    for k in range(steps):
        if struct.pack("<d", nn_step(k)) != struct.pack("<d", train(k)):
            return False
        if bits(nn_model) != bits(model):
            return False
    return True


def figure_compiled_step(rounds: int = 7) -> dict:
    """The moons step: compiled vs the hand-written plain-float step vs nn on the engine."""
    nn_step, nn_model = engine.nn_step_factory()
    plain, _ = engine.plain_float_step_factory(nn_model)
    train, step, _ = _compiled_step_factory()
    info = step.info
    for k in range(3):  # CPython specialises the generated code over its first calls
        train(k)
    t = engine.interleaved({"compiled": train, "plain": plain, "nn": nn_step}, rounds=rounds)
    return {
        "compiled_ms": t["compiled"] * 1e3,
        "plain_ms": t["plain"] * 1e3,
        "nn_ms": t["nn"] * 1e3,
        "vs_plain": t["compiled"] / t["plain"],
        "vs_nn": t["nn"] / t["compiled"],
        "nodes": info.nodes,
        "statements": info.statements,
        "trace_s": info.trace_seconds,
        "codegen_s": info.codegen_seconds,
        "compile_s": info.compile_seconds,
        "bit_identical": _check_bit_identical(),
    }


def figure_compiled_demo(steps: int = 100) -> dict:
    """The whole moons demo on the compiled path: model, trace, compile, 100 steps."""
    start = time.perf_counter()
    train, step, model = _compiled_step_factory()
    built = time.perf_counter()
    for k in range(steps):
        loss = train(k)
    elapsed = time.perf_counter() - start
    X, y = engine.moons_data()
    correct = sum((model(x).data > 0) == (t > 0) for x, t in zip(X, y))
    return {
        "seconds": elapsed,
        "setup_s": built - start,
        "steps_s": elapsed - (built - start),
        "loss": loss,
        "accuracy": correct / len(X),
    }


def _op_by_op_model(seed: int = 0):
    """micrograd's demo network as micrograd builds it: one node per + and *."""
    rng = random.Random(seed)
    sizes = [2, 16, 16, 1]
    layers = [
        [
            ([autograd.Value(rng.uniform(-1, 1)) for _ in range(nin)], autograd.Value(0.0))
            for _ in range(nout)
        ]
        for nin, nout in zip(sizes, sizes[1:])
    ]
    params = [p for layer in layers for w, b in layer for p in [*w, b]]

    def loss():
        X, y = engine.moons_data()
        scores = []
        for row in X:
            x = [autograd.Value(v) for v in row]
            for i, layer in enumerate(layers):
                acts = [sum((wi * xi for wi, xi in zip(w, x)), b) for w, b in layer]
                x = acts if i == len(layers) - 1 else [a.relu() for a in acts]
            scores.append(x[0])
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        return data_loss + 1e-4 * sum(p * p for p in params)

    return loss, params


def figure_big_graph(rounds: int = 3) -> dict:
    """micrograd's demo step op by op (~65,800 nodes): what tracing and compiling cost
    against what a step saves."""
    loss_fn, params = _op_by_op_model()
    step = compile_step(loss_fn, params)
    info = step.info

    def dynamic():
        for p in params:
            p.grad = 0.0
        loss_fn().backward()

    step()
    t = engine.interleaved({"dynamic": dynamic, "compiled": step}, rounds=rounds)
    setup = info.trace_seconds + info.codegen_seconds + info.compile_seconds
    return {
        "nodes": info.nodes,
        "statements": info.statements,
        "trace_s": info.trace_seconds,
        "codegen_s": info.codegen_seconds,
        "compile_s": info.compile_seconds,
        "dynamic_ms": t["dynamic"] * 1e3,
        "compiled_ms": t["compiled"] * 1e3,
        "break_even_steps": setup / (t["dynamic"] - t["compiled"]),
    }


def table_rows() -> Iterator[tuple[str, str, str, str, bool]]:
    """Rows for ``benchmarks/run.py``, each as soon as it is measured: (figure, detail,
    result, target, met)."""
    f6 = figure_compiled_step()
    yield (
        "6 compiled: moons step traced once, replayed",
        f"compiled {f6['compiled_ms']:.1f} ms, plain {f6['plain_ms']:.1f} ms, "
        f"nn {f6['nn_ms']:.1f} ms ({f6['vs_nn']:.0f}x); trace {f6['trace_s']:.2f} s, "
        f"codegen {f6['codegen_s']:.2f} s, compile {f6['compile_s']:.2f} s; "
        f"bit-identical: {f6['bit_identical']}",
        f"{f6['vs_plain']:.2f}x plain",
        "<= 0.8x",
        f6["vs_plain"] <= 0.8 and f6["bit_identical"],
    )
    f7 = figure_compiled_demo()
    yield (
        "7 compiled demo: 100 moons steps, trace and compile included",
        f"setup {f7['setup_s']:.2f} s + steps {f7['steps_s']:.2f} s; "
        f"loss {f7['loss']:.4f}, accuracy {f7['accuracy']:.0%}",
        f"{f7['seconds']:.2f} s",
        "< 1 s",
        f7["seconds"] < 1.0,
    )
    f8 = figure_big_graph()
    yield (
        "8 compiled: micrograd demo step op by op",
        f"{f8['nodes']} nodes, {f8['statements']} lines: trace {f8['trace_s']:.2f} s, "
        f"codegen {f8['codegen_s']:.2f} s, compile {f8['compile_s']:.2f} s; step "
        f"{f8['compiled_ms']:.0f} ms vs {f8['dynamic_ms']:.0f} ms dynamic",
        f"repaid in {f8['break_even_steps']:.0f} steps",
        "< 100",
        f8["break_even_steps"] < 100,
    )


def main() -> None:
    for name, detail, result, target, met in table_rows():
        print(f"{name}\n    {result} (target {target}: {'met' if met else 'NOT met'}); {detail}")


if __name__ == "__main__":
    main()
