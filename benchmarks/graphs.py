"""Graphs the benchmarks and the picture tests share (one builder, not two copies)."""

from __future__ import annotations

import random

from autograd import Value


def demo_loss(points=100, sizes=(2, 16, 16, 1), tag=True, seed=0):
    """micrograd's demo loss, op by op: an MLP over ``points`` examples, the SVM hinge loss
    and L2 regularisation. With ``tag``, labels follow nn's convention: parameters by their
    dotted names, each neuron's forward values ``"<neuron>/<role>"``.

    Returns the loss (after backward) and each neuron's parameters.
    """
    rng = random.Random(seed)
    layers, params = [], {}
    for li, (nin, nout) in enumerate(zip(sizes, sizes[1:])):
        layer = []
        for ni in range(nout):
            name = f"layers.{li}.neurons.{ni}"
            w = [
                Value(rng.uniform(-1, 1), label=f"{name}.w.{i}" if tag else "") for i in range(nin)
            ]
            b = Value(0.0, label=f"{name}.b" if tag else "")
            params[name] = [*w, b]
            layer.append((name, w, b))
        layers.append(layer)
    losses = []
    for _ in range(points):
        x = [Value(rng.uniform(-2, 2)) for _ in range(sizes[0])]
        for li, layer in enumerate(layers):
            out = []
            for name, w, b in layer:
                act = b
                for wi, xi in zip(w, x):
                    m = wi * xi
                    act = act + m
                    if tag:
                        m.label = act.label = f"{name}/dot"
                if li < len(layers) - 1:
                    act = act.relu()
                    if tag:
                        act.label = f"{name}/relu"
                out.append(act)
            x = out
        y = rng.choice([-1.0, 1.0])
        losses.append((1 + -y * x[0]).relu())
    data_loss = sum(losses) * (1.0 / len(losses))
    loss = data_loss + 1e-4 * sum(p * p for ps in params.values() for p in ps)
    loss.backward()
    return loss, params


def count_values(root) -> int:
    seen, stack = {root}, [root]
    while stack:
        for p in stack.pop().parents:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return len(seen)
