"""Engine figures: the micrograd demo step op by op, bytes per node, a 2,000,000-deep chain.

Run through ``make bench`` (which installs micrograd 0.1.0 into its own venv); each figure
is a ratio against a baseline measured in the same process, over interleaved rounds.
"""

from __future__ import annotations

import gc
import importlib
import random
import resource
import statistics
import time
import tracemalloc

from graphs import count_values  # benchmarks/graphs.py

import autograd


def moons_data(n: int = 100, seed: int = 0) -> tuple[list[list[float]], list[int]]:
    """The moons data set (from nn.datasets), labels as -1/+1 for the SVM loss."""
    from nn.datasets import make_moons

    X, y = make_moons(n, noise=0.1, seed=seed)
    return X, [2 * int(t) - 1 for t in y]


def micrograd_step_factory(value_cls: type, seed: int = 0):
    """micrograd's demo training step, run by micrograd's own nn code over ``value_cls``.

    micrograd.nn builds its graph from whatever ``Value`` its module global names, so the
    same code builds the same op-by-op graph (~65,800 nodes) with either engine.
    """
    mnn = importlib.import_module("micrograd.nn")
    mnn.Value = value_cls
    random.seed(seed)
    model = mnn.MLP(2, [16, 16, 1])
    X, y = moons_data()

    def step(k: int = 0) -> float:
        inputs = [[value_cls(v) for v in row] for row in X]
        scores = [model(x) for x in inputs]
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total = data_loss + reg_loss
        model.zero_grad()
        total.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= lr * p.grad
        return total.data

    return step, model


def interleaved(
    fns: dict, rounds: int = 5, warmup: int = 1, collect: tuple[str, ...] = ()
) -> dict[str, float]:
    """Median seconds per call of each function, calls interleaved round by round.

    The calls named in ``collect`` are timed together with a ``gc.collect()`` after them:
    a step's time includes freeing its graph, and micrograd's graphs (reference cycles) are
    freed only by the collector. Without it, its garbage would be collected in the next
    function's time. Our graphs are freed by reference counting as the step ends.
    """
    gc.collect()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for r in range(warmup + rounds):
        for name, fn in fns.items():
            t = time.perf_counter()
            fn()
            if name in collect:
                gc.collect()
            if r >= warmup:
                times[name].append(time.perf_counter() - t)
    return {name: statistics.median(ts) for name, ts in times.items()}


def figure_engine(rounds: int = 5) -> dict:
    """Figure 1: the same op-by-op graph, micrograd's Value vs ours, GC on."""
    import micrograd.engine

    ours, _ = micrograd_step_factory(autograd.Value)
    theirs, _ = micrograd_step_factory(micrograd.engine.Value)
    t = interleaved({"micrograd": theirs, "chainrule": ours}, rounds=rounds, collect=("micrograd",))
    return {
        "micrograd_ms": t["micrograd"] * 1e3,
        "ours_ms": t["chainrule"] * 1e3,
        "speedup": t["micrograd"] / t["chainrule"],
    }


def figure_memory() -> dict:
    """Figure 3: bytes per node (tracemalloc) of the demo graph, and that it is freed by
    reference counting alone (cycle collector off)."""
    step_graph = _demo_graph()
    gc.collect()
    gc.disable()
    try:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        root = step_graph()
        root.backward()
        used = tracemalloc.get_traced_memory()[0] - base
        n = count_values(root)
        del root
        left = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.stop()
    finally:
        gc.enable()
    return {"nodes": n, "bytes_per_node": used / n, "left_after_free": left}


def _demo_graph():
    import micrograd  # noqa: F401  (only for micrograd.nn's code)

    mnn = importlib.import_module("micrograd.nn")
    mnn.Value = autograd.Value
    random.seed(0)
    model = mnn.MLP(2, [16, 16, 1])
    X, y = moons_data()

    def build():
        scores = [model([autograd.Value(v) for v in row]) for row in X]
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())

    return build


def figure_depth(n: int = 2_000_000) -> dict:
    """Figure 4: a chain n operations deep, built and differentiated (GC on, as users run).

    Peak memory is the growth of the process's maximum resident size: tracemalloc would
    slow the allocation-heavy build several times over.
    """
    gc.collect()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    x = autograd.Value(1.0)
    y = x
    for _ in range(n):
        y = y * 1.0
    t1 = time.perf_counter()
    y.backward()
    t2 = time.perf_counter()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0
    del y
    return {
        "nodes": n,
        "build_s": t1 - t0,
        "backward_s": t2 - t1,
        "peak_mb": peak_kb / 1024,
        "grad_ok": x.grad == 1.0,
    }


# -- the library step and its speed limit ------------------------------------------------


def nn_step_factory(seed: int = 0, rows: bool = False):
    """The moons step written with chainrule's nn, as the README shows it (the model called
    on the whole batch), or micrograd-style, row by row (``rows=True``)."""
    from nn import MLP
    from nn.losses import hinge_loss, l2_penalty

    model = MLP(2, [16, 16, 1], seed=seed)
    params = model.parameters()
    X, y = moons_data()

    def step(k: int = 0) -> float:
        scores = [model(x) for x in X] if rows else model(X)  # a batch: the README's way
        loss = hinge_loss(scores, y) + l2_penalty(params, 1e-4)
        model.zero_grad()
        loss.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in params:
            p.data -= lr * p.grad
        return loss.data

    return step, model


def plain_float_step_factory(model):
    """The same step by hand over plain floats: the speed limit of an interpreter.

    Parameters are read from (and written back to) ``model``'s Values in its own order
    (neuron by neuron, weights then bias), so its gradients can be compared with the engine's.
    """
    X, y = moons_data()
    params = model.parameters()
    sizes = [2, 16, 16, 1]

    def unpack(flat):
        layers, i = [], 0
        for nin, nout in zip(sizes, sizes[1:]):
            W, b = [], []
            for _ in range(nout):
                W.append(flat[i : i + nin])
                b.append(flat[i + nin])
                i += nin + 1
            layers.append((W, b))
        return layers

    def loss_and_grads(flat):
        layers = unpack(flat)
        grads = [[([0.0] * len(w), [0.0]) for w in W] for W, _ in layers]
        n = len(X)
        total = 0.0
        for x, t in zip(X, y):
            acts, zs = [x], []
            for li, (W, b) in enumerate(layers):
                z = [sum(wi * ai for wi, ai in zip(w, acts[-1])) + bj for w, bj in zip(W, b)]
                zs.append(z)
                acts.append(z if li == len(layers) - 1 else [v if v > 0 else 0.0 for v in z])
            margin = 1.0 - t * acts[-1][0]
            if margin > 0:
                total += margin
                delta = [-t / n]
                for li in range(len(layers) - 1, -1, -1):
                    W, _ = layers[li]
                    a = acts[li]
                    for j, dj in enumerate(delta):
                        gw, gb = grads[li][j]
                        for k in range(len(a)):
                            gw[k] += dj * a[k]
                        gb[0] += dj
                    if li:
                        back = [
                            sum(W[j][k] * delta[j] for j in range(len(delta)))
                            for k in range(len(a))
                        ]
                        delta = [d if zs[li - 1][k] > 0 else 0.0 for k, d in enumerate(back)]
        total /= n
        total += 1e-4 * sum(p * p for p in flat)
        out = []
        for layer in grads:
            for gw, gb in layer:
                out.extend(gw)
                out.append(gb[0])
        return total, [g + 2e-4 * p for g, p in zip(out, flat)]

    def step(k: int = 0) -> float:
        flat = [p.data for p in params]
        loss, g = loss_and_grads(flat)
        lr = 1.0 - 0.9 * k / 100
        for p, v, gi in zip(params, flat, g):
            p.grad = gi
            p.data = v - lr * gi
        return loss

    return step, loss_and_grads


def figure_library(rounds: int = 7, rows: bool = False) -> dict:
    """Figure 2: the moons step with nn vs the hand-written plain-float step; with
    ``rows=True`` the model is called row by row, as micrograd users write it."""
    step, model = nn_step_factory(rows=rows)
    plain, loss_and_grads = plain_float_step_factory(model)
    # The two compute the same thing: check before timing.
    params = model.parameters()
    from nn.losses import hinge_loss, l2_penalty

    X, y = moons_data()
    loss = hinge_loss([model(x) for x in X], y) + l2_penalty(params, 1e-4)
    model.zero_grad()
    loss.backward()
    ref_loss, ref_grads = loss_and_grads([p.data for p in params])
    worst = max(abs(p.grad - g) for p, g in zip(params, ref_grads))
    assert abs(loss.data - ref_loss) < 1e-12 and worst < 1e-12, (loss.data, ref_loss, worst)
    t = interleaved({"nn": step, "plain": plain}, rounds=rounds)
    return {
        "nn_ms": t["nn"] * 1e3,
        "plain_ms": t["plain"] * 1e3,
        "slowdown": t["nn"] / t["plain"],
        "max_grad_diff": worst,
    }


def figure_demo(steps: int = 100) -> dict:
    """Figure 5: the whole moons demo, model creation to the last step, and its accuracy."""
    t = time.perf_counter()
    step, model = nn_step_factory()
    for k in range(steps):
        loss = step(k)
    elapsed = time.perf_counter() - t
    X, y = moons_data()
    correct = sum((model(x).data > 0) == (t > 0) for x, t in zip(X, y))
    return {"seconds": elapsed, "loss": loss, "accuracy": correct / len(X)}
