"""``Neuron``: micrograd's neuron, ``activation(w . x + b)``, and ``compute``, which runs many.

A neuron (weighted sum, bias and activation) is one node (``autograd.dense``; micrograd
makes 2n + 1 nodes for n inputs), and ``compute`` runs several neurons on several rows with
one ``dense`` call per run of neurons that share an activation: each neuron's weights are
read once for all the rows. ``Layer`` computes its neurons through it.

Every node a neuron makes in its forward pass is tagged ``<neuron name>/<role>``: a
neuron's one node ``layers.0.neurons.3/relu`` (``/tanh``, ``/sigmoid``), or
``layers.0.neurons.3/dot`` if it is linear. A ``leaky_relu`` neuron makes two nodes, the
weighted sum ``.../dot`` and on top of it ``.../leaky_relu`` (its slope is a second operand,
so it is not fused). A neuron made on its own has the empty name: ``/relu``, ``/dot``, and
its parameters are labelled ``w.0``, ..., ``b``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any, overload

from autograd import PRIMITIVES, Value, dense

from .export import to_torch
from .init import check_scheme, make_rng
from .init import weights as draw_weights
from .module import Module
from .options import ACTIVATIONS, check_activation, check_name, real
from .shapes import Batch, Row, is_batch, positive_int

__all__ = ["ACTIVATIONS", "Neuron", "compute"]


def _activation(name: str, negative_slope: float) -> Callable[[Value], Value] | None:
    """What follows a neuron's fused node: nothing, except for leaky_relu (its slope is a
    second operand, so it is not fused into the neuron's node)."""
    if check_activation(name) == "leaky_relu":
        return lambda v: v.leaky_relu(negative_slope)
    return None


def _nonlin(value: object) -> bool:
    """micrograd's switch: True or False (0 or 1 too). A string is an activation given in
    its place, ``Neuron(2, "tanh")``, which would otherwise silently mean relu."""
    if isinstance(value, str):
        raise TypeError(
            f"nonlin is True or False; to choose the activation write activation={value!r}"
        )
    if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
        return bool(value)
    if type(value).__name__ == "bool_":  # NumPy's
        return bool(value)
    raise TypeError(f"nonlin must be True or False, got {type(value).__name__} {value!r}")


class Neuron(Module):
    """``activation(w . x + b)``, micrograd's neuron.

    ``nonlin=False`` makes it linear whatever ``activation`` says (micrograd's switch).
    ``fan_out`` is the width of the layer the neuron belongs to; only Xavier init uses it,
    and ``Layer`` sets it. ``seed`` is an int, a ``random.Random`` or None (fresh entropy).
    ``name`` is the neuron's path in its model (``Layer`` and ``MLP`` pass it down): its
    weights are labelled ``<name>.w.<i>``, its bias ``<name>.b``, here and now, once.

    >>> n = Neuron(2, seed=0)
    >>> n.b.data, len(n.w), n.b.label
    (0.0, 2, 'b')
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
        name: str = "",
    ) -> None:
        nin = positive_int(nin, "nin")
        check_activation(activation)  # checked even when nonlin=False makes it unused
        negative_slope = real(negative_slope, "negative_slope")
        name = check_name(name)
        activation = activation if _nonlin(nonlin) else "linear"
        self._act = _activation(activation, negative_slope)
        # the activation fused into the neuron's node (see autograd.dense)
        self._fused = activation if activation in PRIMITIVES and self._act is None else None
        self.init = check_scheme(init)
        rng = make_rng(seed)
        fan_out = positive_int(fan_out, "fan_out")
        draws = draw_weights(init, nin, fan_out, activation, rng, negative_slope)
        prefix = f"{name}." if name else ""
        self.w = [Value(x, label=f"{prefix}w.{i}") for i, x in enumerate(draws)]
        self.b = Value(0.0, label=f"{prefix}b")
        self.nonlin = activation != "linear"
        self.activation = activation
        self.negative_slope = negative_slope
        self.name = name
        # The tags of the nodes a call makes, made once here rather than on every call.
        self._tag = f"{name}/{self._fused or 'dot'}"
        self._act_tag = f"{name}/{activation}"

    @overload
    def __call__(self, x: Row) -> Value: ...
    @overload
    def __call__(self, x: Batch) -> list[Value]: ...
    def __call__(self, x: Row | Batch) -> Value | list[Value]:
        """The output for one input row; for a list of rows (a batch), one per row."""
        if is_batch(x):
            return [out[0] for out in compute([self], x)]
        return compute([self], [x])[0][0]

    def to_torch(self) -> Any:
        """An equivalent ``torch.nn.Sequential`` in float64 (see ``nn.to_torch``)."""
        return to_torch(self)

    def extra_repr(self) -> str:
        return f"{len(self.w)}, {self.activation}"


def compute(neurons: Sequence[Neuron], xs: Batch) -> list[list[Value]]:
    """For each row of ``xs``, each neuron's output: ``[[n(x) for n in neurons] for x in xs]``.

    One ``autograd.dense`` call per run of neurons that share an activation (a layer's all
    do), so each neuron's weights are read once for the whole batch.
    """
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
    out: list[list[Value]] = []
    i = 0
    while i < len(neurons):
        first = neurons[i]
        act = first._act
        j = i + 1
        while j < len(neurons) and neurons[j]._fused == first._fused and neurons[j]._act is None:
            j += 1
        run = neurons[i:j] if act is None else [first]
        rows: list[list[Value]] = dense(
            [u.w for u in run],
            xs,
            [u.b for u in run],
            first._fused,
            [u._tag for u in run],
            batch=True,
        )
        if act is not None:  # leaky_relu: its own node on top of the sum
            rows = [[act(row[0])] for row in rows]
            for row in rows:
                row[0].label = first._act_tag
        if i == 0:  # the first run (a layer's only one): dense's lists as they are
            out = rows
        else:
            for nodes, row in zip(out, rows):
                nodes.extend(row)
        i += len(run)
    return out
