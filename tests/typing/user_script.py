# mypy: disallow-untyped-defs, disallow-untyped-calls, disallow-any-generics, warn-return-any
"""A user's script over chainrule's whole public API, written to the contract and nothing else.

``make lint`` type-checks it with mypy, more strictly than the packages (the line above): a
user's script must type-check clean without a cast or an ignore, with plain numbers on
either side of every operator. ``assert_type`` pins the exact type mypy infers, so a
method that answers ``Any`` fails here too. tests/test_typing_script.py runs it and checks
the numbers against closed forms; ``python tests/typing/user_script.py`` prints them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import autograd
import nn.losses
import nn.optim
from autograd import Value
from nn import MLP, Layer, Neuron

if TYPE_CHECKING:
    from typing_extensions import assert_type
else:

    def assert_type(value, typ, /):  # typing.assert_type is Python 3.11+; a no-op at run time
        return value


#: (value, d/dx, d/dy) of one operation on two inputs.
Partials = tuple[float, float, float]


def _partials(out: Value, x: Value, y: Value) -> Partials:
    dx, dy = autograd.grad(out, [x, y])
    return out.data, dx.data, dy.data


def operators(a: float = 1.5, b: float = 0.5) -> dict[str, Partials]:
    """Every operator, with a Value on both sides and a plain number on either side."""
    x, y = Value(a, label="x"), Value(b, label="y")
    results: dict[str, Value] = {
        "x + y": assert_type(x + y, Value),
        "x + 2.0": assert_type(x + 2.0, Value),
        "2 + x": assert_type(2 + x, Value),
        "x - y": assert_type(x - y, Value),
        "x - 2": assert_type(x - 2, Value),
        "2.0 - x": assert_type(2.0 - x, Value),
        "x * y": assert_type(x * y, Value),
        "x * 2.0": assert_type(x * 2.0, Value),
        "2.0 * x": assert_type(2.0 * x, Value),
        "x / y": assert_type(x / y, Value),
        "x / 2": assert_type(x / 2, Value),
        "2 / x": assert_type(2 / x, Value),
        "x ** y": assert_type(x**y, Value),
        "x ** 3": assert_type(x**3, Value),
        "2 ** x": assert_type(2**x, Value),
        "2.0 ** x": assert_type(2.0**x, Value),
        "-x": assert_type(-x, Value),
        "abs(y - x)": assert_type(abs(y - x), Value),
    }
    c = x
    c += y  # rebinds c to a new node; x is untouched
    results["c += y"] = assert_type(c, Value)
    return {name: _partials(out, x, y) for name, out in results.items()}


def methods(a: float = 0.7) -> dict[str, tuple[float, float]]:
    """Every one-operand method at ``a``, and ``leaky_relu`` on both sides of its kink:
    (value, derivative)."""
    x = Value(a)
    negative = Value(-a)
    results: dict[str, Value] = {
        "exp": assert_type(x.exp(), Value),
        "log": assert_type(x.log(), Value),
        "tanh": assert_type(x.tanh(), Value),
        "sigmoid": assert_type(x.sigmoid(), Value),
        "relu": assert_type(x.relu(), Value),
        "sin": assert_type(x.sin(), Value),
        "cos": assert_type(x.cos(), Value),
        "sqrt": assert_type(x.sqrt(), Value),
        "log1p": assert_type(x.log1p(), Value),
        "softplus": assert_type(x.softplus(), Value),
        "reciprocal": assert_type(x.reciprocal(), Value),
        "leaky_relu(0.1)": assert_type(x.leaky_relu(0.1), Value),
        "leaky_relu()": assert_type(x.leaky_relu(), Value),
    }
    out: dict[str, tuple[float, float]] = {}
    for name, node in results.items():
        (d,) = autograd.grad(node, [x])
        out[name] = (node.data, d.data)
    below = negative.leaky_relu(0.1)
    below.backward()
    out["leaky_relu(0.1) at -a"] = (below.data, negative.grad)
    return out


def attributes() -> dict[str, object]:
    """A node's attributes, the Value protocol (float, comparisons, hashing) and backward."""
    x = Value(3, label="x")  # an int is stored as a float
    y = Value(-2.0)
    z = x * y + 1.0
    z.label = "z"
    data: float = assert_type(z.data, float)
    grad_before: float = assert_type(x.grad, float)
    op: str = assert_type(z.op, str)
    label: str = assert_type(z.label, str)
    parents: tuple[Value, ...] = assert_type(z.parents, tuple[Value, ...])
    assert_type(float(z), float)
    assert_type(repr(z), str)

    z.backward()
    first = (x.grad, y.grad)
    z.backward()  # leaves accumulate: the same amount again
    second = (x.grad, y.grad)

    compared: list[bool] = [x > y, x >= 3, y < 0.0, y <= x, x > 5]
    biggest = assert_type(max(x, y), Value)
    ordered = sorted([x, y, z])
    seen = {x: "x", y: "y"}  # hashing and equality stay by identity
    detached = assert_type(z.detach(), Value)
    return {
        "data": data,
        "float": float(z),
        "grad_before": grad_before,
        "op": op,
        "label": label,
        "parents": parents,
        "product_parents": parents[0].parents,
        "first": first,
        "second": second,
        "compared": compared,
        "biggest": biggest,
        "ordered": [v.data for v in ordered],
        "lookup": seen[x],
        "x == Value(3)": x == Value(3),
        "detached": (detached.data, detached.parents, detached.op),
    }


def edges(a: float = 2.0, b: float = -3.0) -> list[tuple[Value, float]]:
    """The chain rule made visible: each parent of ``a * b`` with d(a * b) / d(parent)."""
    x, y = Value(a), Value(b)
    out: list[tuple[Value, float]] = []
    for parent, local in (x * y).edges:
        out.append((assert_type(parent, Value), assert_type(local, float)))
    return out


def functional() -> dict[str, object]:
    """grad (first and second order), hessian, gradcheck and its error."""
    x, y = Value(2.0), Value(3.0)
    f = x * x * y
    grads: tuple[Value, ...] = assert_type(autograd.grad(f, [x, y]), tuple[Value, ...])
    (dx,) = autograd.grad(x**3, [x], create_graph=True)
    (d2x,) = autograd.grad(dx, [x])
    (unused,) = autograd.grad(f, [Value(1.0)])

    def g(v: list[Value]) -> Value:
        return v[0] * v[0] * v[1] + v[1].sin()

    hess: list[list[float]] = assert_type(autograd.hessian(g, [1.0, 2.0]), list[list[float]])
    ok: bool = assert_type(autograd.gradcheck(g, [0.3, -0.2], eps=1e-6, atol=1e-5), bool)

    def kink(v: list[Value]) -> Value:
        return v[0].relu()  # at 0: the engine says 0, central differences say 0.5

    try:
        autograd.gradcheck(kink, [0.0])
        message = ""
    except autograd.GradcheckError as error:
        message = str(error)
    return {
        "grads": [v.data for v in grads],
        "dx": dx.data,
        "d2x": d2x.data,
        "unused": unused.data,
        "hessian": hess,
        "gradcheck": ok,
        "gradcheck_error": message,
    }


def many_terms() -> dict[str, object]:
    """autograd.sum, autograd.dot and autograd.dense: many terms as one node."""
    a, b = Value(1.0), Value(2.0)
    total = assert_type(autograd.sum([a, b, 3.0]), Value)
    d = assert_type(autograd.dot([a, b], [3.0, 4.0], 0.5), Value)
    d.backward()
    weights = [[Value(1.0), Value(-2.0)], [Value(0.5), Value(0.5)]]
    biases = [Value(0.0), Value(1.0)]
    layer: list[Value] = autograd.dense(weights, [3.0, 1.0], biases, "relu")
    batch: list[list[Value]] = autograd.dense(
        weights, [[3.0, 1.0], [0.0, 2.0]], biases, None, batch=True
    )
    return {
        "sum": total.data,
        "sum_parents": len(total.parents),
        "dot": d.data,
        "dot_grads": (a.grad, b.grad),
        "dense": [v.data for v in layer],
        "dense_batch": [[v.data for v in row] for row in batch],
    }


@autograd.no_grad()
def _triple(v: Value) -> Value:
    return v * 3.0


def modes_and_compile() -> dict[str, object]:
    """no_grad as a context manager and as a decorator; compile a loss into a step."""
    x = Value(2.0)
    with autograd.no_grad():
        inside = x * x
    decorated = assert_type(_triple(x), Value)
    outside = x * x

    a, b = Value(1.5), Value(-0.5)

    def loss() -> Value:
        return (a * b).exp() + a

    step = autograd.compile(loss, [a, b])
    value: float = assert_type(step(), float)
    return {
        "inside": (inside.data, inside.parents),
        "decorated": (decorated.data, decorated.parents),
        "outside_parents": len(outside.parents),
        "compiled": (value, a.grad, b.grad),
    }


def _one(out: Value | list[Value]) -> Value:
    """The single output of a one-output model (a model returns a list otherwise)."""
    if isinstance(out, Value):
        return out
    raise TypeError(f"expected one output, got {len(out)}")


def networks(steps: int = 30) -> dict[str, object]:
    """Neuron, Layer, MLP (one row and a batch), the optimisers, the losses, model files."""
    neuron = Neuron(2, nonlin=False)
    n_out = neuron([1.0, -1.0])
    layer = Layer(2, 3)
    l_out = layer([Value(1.0), 2.0])
    model = MLP(2, [8, 1], seed=0)
    params: list[Value] = assert_type(model.parameters(), list[Value])

    xs: list[list[float]] = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
    ys = [1.0, -1.0, 1.0, -1.0]
    one_row = _one(model(xs[0]))
    batch = model(xs)
    assert isinstance(batch, list)
    preds = [_one(p) for p in batch]

    losses: dict[str, list[float]] = {}
    optimisers: list[tuple[str, Callable[[list[Value]], nn.optim.SGD | nn.optim.Adam]]] = [
        ("SGD", lambda ps: nn.optim.SGD(ps, lr=0.05, momentum=0.9)),
        ("Adam", lambda ps: nn.optim.Adam(ps, lr=0.05)),
        ("AdamW", lambda ps: nn.optim.AdamW(ps, lr=0.05, weight_decay=1e-3)),
    ]
    for name, make in optimisers:
        m = MLP(2, [8, 1], seed=0)
        opt = make(m.parameters())
        history: list[float] = []
        for _ in range(steps):
            scores = [_one(p) for p in _rows(m, xs)]
            loss = assert_type(nn.losses.mse_loss(scores, ys), Value)
            opt.zero_grad()
            loss.backward()
            opt.step()
            history.append(loss.data)
        losses[name] = history

    p, q = Value(1.0), Value(3.0)
    mse = nn.losses.mse_loss([p, q], [0.0, 1.0])
    mse.backward()
    loss_values = {
        "mse": mse.data,
        "mse_grads": (p.grad, q.grad),
        "hinge": nn.losses.hinge_loss([Value(0.5), Value(-2.0)], [1.0, -1.0]).data,
        "bce": nn.losses.binary_cross_entropy_with_logits(Value(0.0), 1.0).data,
        "bce_large": nn.losses.binary_cross_entropy_with_logits([Value(1000.0)], [0.0]).data,
        "cross_entropy": nn.losses.cross_entropy([Value(1000.0), Value(-1000.0)], 1).data,
    }

    model.zero_grad()
    state = model.state_dict()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.json"
        model.save(path)
        restored = MLP(2, [8, 1], seed=1).load(path)
        assert_type(restored, MLP)
        again = _one(restored(xs[0]))
    return {
        "neuron": n_out,
        "layer": l_out,
        "n_params": len(params),
        "one_row": one_row.data,
        "batch": [v.data for v in preds],
        "losses": losses,
        "loss_values": loss_values,
        "state": state,
        "restored_state": restored.state_dict(),
        "restored_out": again.data,
    }


def _rows(model: MLP, xs: list[list[float]]) -> list[Value | list[Value]]:
    out = model(xs)
    assert isinstance(out, list)
    return out


def main() -> None:
    """Print what each part computes."""
    parts: list[tuple[str, Callable[[], object]]] = [
        ("operators", operators),
        ("methods", methods),
        ("attributes", attributes),
        ("edges", edges),
        ("functional", functional),
        ("many_terms", many_terms),
        ("modes_and_compile", modes_and_compile),
        ("networks", networks),
    ]
    for name, part in parts:
        print(f"{name}: {part()!r}")


if __name__ == "__main__":
    main()
