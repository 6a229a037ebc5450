"""``Neuron``, ``Layer`` and ``MLP``: micrograd's network, with activations and initialisations.

The signatures, defaults and parameter order are micrograd's, so micrograd code runs with
only its import changed and weights copy across one to one. A neuron, weighted sum, bias
and activation, is one node (``autograd.dense``; micrograd makes 2n + 1 nodes for n
inputs), and a layer's neurons are computed together, which is most of why training here
is fast.

Every node a neuron makes in its forward pass is tagged ``<neuron path>/<role>``: a
neuron's one node ``layers.0.neurons.3/relu`` (``/tanh``, ``/sigmoid``), or
``layers.0.neurons.3/dot`` if it is linear. A ``leaky_relu`` neuron makes two nodes, the
weighted sum ``.../dot`` and on top of it ``.../leaky_relu`` (its slope is a second operand,
so it is not fused). A neuron that is not part of a bigger module has the empty path:
``/relu``, ``/dot``.
"""

from __future__ import annotations

import numbers
import random
from collections.abc import Callable, Iterable, Sequence

from autograd import PRIMITIVES, Value, dense

from . import init as _init
from .dropout import Dropout
from .module import Module

#: Every accepted ``activation=`` name.
ACTIVATIONS: tuple[str, ...] = ("relu", "tanh", "sigmoid", "leaky_relu", "linear")

Input = Sequence[Value | float]


def _activation(name: str, negative_slope: float) -> Callable[[Value], Value] | None:
    """What follows a neuron's fused node: nothing, except for leaky_relu (its slope is a
    second operand, so it is not fused into the neuron's node)."""
    if name == "leaky_relu":
        return lambda v: v.leaky_relu(negative_slope)
    if name in ACTIVATIONS:
        return None
    raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")


def forward(neurons: Sequence[Neuron], x: Input) -> list[Value]:
    """Each neuron's output on the inputs ``x``: one ``autograd.dense`` call per run of
    neurons that share an activation (a layer's all do)."""
    return forward_batch(neurons, [x])[0]


def forward_batch(neurons: Sequence[Neuron], xs: Sequence[Input]) -> list[list[Value]]:
    """``[forward(neurons, x) for x in xs]``, each neuron's weights read once for all."""
    if not neurons:  # dropout dropped them all
        return [[] for _ in xs]
    first = neurons[0]
    widths = {len(u.w) for u in neurons}  # one, for a layer: a set lookup per row
    for x in xs:
        try:
            n = len(x)
        except TypeError:
            raise TypeError(
                f"{first!r} takes a list of {len(first.w)} inputs, got {type(x).__name__}"
            ) from None
        if n not in widths or len(widths) > 1:
            wrong = next(u for u in neurons if len(u.w) != n)
            raise ValueError(f"{wrong!r} takes {len(wrong.w)} inputs, got {n}")
    out: list[list[Value]] = [[] for _ in xs]
    i = 0
    while i < len(neurons):
        first = neurons[i]
        j = i + 1
        while j < len(neurons) and neurons[j]._fused == first._fused and neurons[j]._act is None:
            j += 1
        run = neurons[i:j] if first._act is None else [first]
        rows = dense(
            [u.w for u in run],
            xs,
            [u.b for u in run],
            first._fused,
            [u._label for u in run],
            batch=True,
        )
        for nodes, row in zip(out, rows):
            if first._act is not None:  # leaky_relu: its own node on top of the sum
                row = [first._act(row[0])]
                row[0].label = first._act_label
            nodes.extend(row)
        i += len(run)
    return out


def is_batch(x: object) -> bool:
    """A list of input rows (``[[x0, x1], [x0, x1], ...]``) rather than one row."""
    if not isinstance(x, (list, tuple)) and not hasattr(x, "__len__"):
        return False
    if len(x) == 0:
        return False
    row = x[0]
    return hasattr(row, "__len__") and not isinstance(row, (str, bytes))  # numpy rows too


def _count(n: object, what: str) -> int:
    if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return int(n)


class Neuron(Module):
    """``activation(w . x + b)``, micrograd's neuron.

    ``nonlin=False`` makes it linear whatever ``activation`` says (micrograd's switch).
    ``fan_out`` is the width of the layer the neuron belongs to; only Xavier init uses it,
    and ``Layer`` sets it. ``seed`` is an int, a ``random.Random`` or None (fresh entropy).

    >>> n = Neuron(2, seed=0)
    >>> n.b.data, len(n.w)
    (0.0, 2)
    >>> n([1.0, 2.0]).op
    'relu(dot)'
    """

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        *,
        activation: str = "relu",
        init: str = "uniform",
        seed: int | random.Random | None = None,
        fan_out: int = 1,
        negative_slope: float = 0.01,
    ) -> None:
        nin = _count(nin, "nin")
        activation = activation if nonlin else "linear"
        self._act = _activation(activation, negative_slope)
        # the activation fused into the neuron's node (see autograd.dense)
        self._fused = activation if activation in PRIMITIVES and self._act is None else None
        self.init = _init.check_scheme(init)
        rng = _init.make_rng(seed)
        draws = _init.weights(
            init, nin, _count(fan_out, "fan_out"), activation, rng, negative_slope
        )
        self.w = [Value(x) for x in draws]
        self.b = Value(0.0)
        self.nonlin = activation != "linear"
        self.activation = activation
        self.negative_slope = negative_slope
        self._scan()

    def _set_path(self, path: str) -> None:
        self._path = path
        self._label = f"{path}/{self._fused or 'dot'}"  # the fused node's tag
        self._act_label = f"{path}/{self.activation}"

    def __call__(self, x: Input | Sequence[Input]) -> Value | list[Value]:
        """The output for one input row; for a list of rows (a batch), one per row."""
        if is_batch(x):
            return [out[0] for out in forward_batch([self], x)]
        return forward([self], x)[0]

    def extra_repr(self) -> str:
        return f"{len(self.w)}, {self.activation}"


class Layer(Module):
    """``nout`` neurons reading the same inputs; keywords go to each ``Neuron``.

    Returns one Value when ``nout`` is 1, else a list, as micrograd's layer does.

    >>> Layer(3, 2, activation="tanh", seed=0)
    Layer(3 -> 2, tanh)
    """

    def __init__(self, nin: int, nout: int, **kwargs: object) -> None:
        nout = _count(nout, "nout")
        rng = _init.make_rng(kwargs.pop("seed", None))
        self.neurons = [Neuron(nin, seed=rng, fan_out=nout, **kwargs) for _ in range(nout)]
        self._scan()

    def __call__(self, x: Input | Sequence[Input]) -> Value | list:
        """The outputs for one input row; for a list of rows (a batch), those of each row."""
        if is_batch(x):
            return [out[0] if len(out) == 1 else out for out in forward_batch(self.neurons, x)]
        out = forward(self.neurons, x)
        return out[0] if len(out) == 1 else out

    def extra_repr(self) -> str:
        first = self.neurons[0]
        return f"{len(first.w)} -> {len(self.neurons)}, {first.activation}"

    def __repr__(self) -> str:  # one line: sixteen identical neurons say nothing more
        return f"Layer({self.extra_repr()})"


class MLP(Module):
    """A multi-layer perceptron: hidden layers use ``activation``, the last ``final_activation``.

    ``MLP(nin, nouts)`` is micrograd's (ReLU hidden layers, linear output, uniform(-1, 1)
    weights). ``dropout`` (a probability, or a ``Dropout`` to choose its seed) applies
    inverted dropout to every hidden layer's outputs while training; a dropped neuron is
    never computed, so it adds nothing to the graph. ``seed`` makes the weights (and the
    dropout masks) reproducible without touching the global ``random`` state; with the
    default init, ``seed=s`` draws the weights micrograd draws after ``random.seed(s)``.

    >>> model = MLP(2, [16, 16, 1], seed=0)
    >>> len(model.parameters())
    337
    >>> model([0.5, -1.0]).op
    'dot'
    """

    def __init__(
        self,
        nin: int,
        nouts: Iterable[int],
        *,
        activation: str = "relu",
        final_activation: str = "linear",
        init: str = "uniform",
        seed: int | random.Random | None = None,
        dropout: float | Dropout = 0.0,
        negative_slope: float = 0.01,
    ) -> None:
        if isinstance(nouts, numbers.Number):
            raise TypeError(f"nouts is a list of layer widths, e.g. [16, 16, 1]; got {nouts!r}")
        sizes = [_count(nin, "nin")] + [_count(n, "each layer width") for n in nouts]
        if len(sizes) < 2:
            raise ValueError("an MLP needs at least one layer: nouts is empty")
        rng = _init.make_rng(seed)
        last = len(sizes) - 2
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                activation=final_activation if i == last else activation,
                init=init,
                seed=rng,
                negative_slope=negative_slope,
            )
            for i in range(last + 1)
        ]
        if not isinstance(dropout, Dropout):
            # Drawn after the weights, so dropout never changes a seed's weights.
            dropout = Dropout(dropout, seed=rng) if dropout else None
        self.dropout = dropout
        self._scan()

    def __call__(self, x: Input | Sequence[Input]) -> Value | list:
        """The output for one input row; for a list of rows (a batch), a list of outputs.

        A batch builds the same graph as calling the model row by row, faster: each layer
        reads its weights' numbers once for the whole batch.
        """
        drop = self.dropout
        if drop is not None and not (drop.training and drop.p > 0.0):
            drop = None
        if is_batch(x):
            if drop is not None:  # masks are drawn row by row, in order
                return [self(row) for row in x]
            xs = x
            for layer in self.layers:
                xs = forward_batch(layer.neurons, xs)
            return [out[0] if len(out) == 1 else out for out in xs]
        # Layers always pass lists between them (micrograd passes a bare Value out of a
        # one-neuron hidden layer, and the next layer then fails to iterate over it).
        for layer in self.layers[:-1]:
            neurons = layer.neurons
            x = forward(neurons, x) if drop is None else drop.through(neurons, x, forward)
        out = forward(self.layers[-1].neurons, x)
        return out[0] if len(out) == 1 else out

    def extra_repr(self) -> str:
        widths = [len(layer.neurons) for layer in self.layers]
        return f"{len(self.layers[0].neurons[0].w)} -> {widths}"
