"""``dense``: a layer of neurons, ``activation(W x + b)``, one node per neuron.

A neuron is a weighted sum followed by an activation. Recorded op by op that is 2n + 1
nodes for n inputs; as one ``dot`` node and one activation node it is two; here it is one
node, ``relu(dot)`` say (``autograd.primitives.Activated``), whose local derivatives are
the chain rule done once, in the forward pass:

    d out / d w_i = act'(s) * x_i      d out / d x_i = act'(s) * w_i      d out / d b = act'(s)

where ``s = b + w . x``. A relu that is off (act'(s) = 0) keeps no edges, so the backward
pass never visits the weights and inputs of a dead unit.

The loop over a layer's neurons (``_LOOP`` below) has the activation's formulas written in
from the table by ``autograd.rules``, as the ``Value`` methods do, and reads the inputs'
numbers once per layer rather than once per neuron. On the moons training step this made
the whole step about 3x faster than a ``dot`` node and a ``relu`` node per neuron.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import mul
from typing import Any

from . import modes
from .node import MANY, next_number
from .primitives import FLOAT_FUNCTIONS, NARY_PRIMITIVES, PRIMITIVES, Activated
from .rules import float_rules, formula, run_source
from .value import Value, _number, _outside_domain, apply_nary, nary_node

__all__ = ["activated", "dense"]

_DOT = NARY_PRIMITIVES["dot"]
_activated: dict[str, Activated] = {}


def activated(name: str) -> Activated:
    """The primitive ``name(dot)``: a neuron with activation ``name``."""
    p = _activated.get(name)
    if p is None or p.act is not PRIMITIVES.get(name):
        act = PRIMITIVES.get(name)
        if act is None or act.arity != 1:
            choices = ", ".join(q.name for q in PRIMITIVES.values() if q.arity == 1)
            why = "" if act is None else " (it takes a second operand)"
            raise ValueError(f"dense: unknown activation {name!r}{why}; choose one of {choices}")
        p = _activated[name] = Activated(_DOT, act)
    return p


# One sample through a layer whose weights and biases are all Values. The activation's
# forward formula and derivative are the table's text, written in by autograd.rules, so a
# neuron costs no call beyond its weighted sum (which runs in C): this loop is most of a
# training step. The formulas call their operand x; here that is the weighted sum.
_LOOP = """\
def layer(rows, wds, bts, bds, xs, xd, xv, labels):
    nodes = []
    for ws, wd, bt, bd, label in zip(rows, wds, bts, bds, labels):
        x = sum(map(mul, wd, xd), bd)
        try:
            out = {forward}
        except (ArithmeticError, ValueError) as error:
            out = outside_domain(error, "{act}", x)
        d = {slope}
        # d out / d w_i = d * x_i, d out / d x_i = d * w_i, d out / d b = d
        if d == 1.0:  # a relu that is on: the partials of the weighted sum as they are
            parents = ws + xv + bt
            partials = (*xd, *wd, 1.0) if xv else (*xd, 1.0)
        elif {gate} and not d:  # a gate that is off: no edges, the unit is skipped
            parents = partials = ()
        else:
            parents = ws + xv + bt
            partials = tuple([d * q for q in ((*xd, *wd, 1.0) if xv else (*xd, 1.0))])
        if active.threads:  # no_grad, detect_anomaly or a trace: the checked constructor
            check("dot", x, (*wd, *xd, bd))
            groups = (ws, xs, bt)
            nodes.append(nary_node(p, out, parents, partials, groups, (wd, xd, (x,)), label))
            continue
        # value.nary_node inlined: a call per neuron was 3% of a training step
        node = new(Value)
        node.data = out
        node.grad = 0.0
        node.label = label
        node._seq = next_number()
        node._op = p
        node._x = parents
        node._dx = partials
        node._y = (ws, xs, bt)
        node._dy = MANY
        nodes.append(node)
    return nodes
"""

_layers: dict[Activated | None, Callable[..., list[Value]]] = {}


def _layer_function(p: Activated | None) -> Callable[..., list[Value]]:
    """The loop for activation ``p`` (None: a linear layer), written once and kept."""
    fn = _layers.get(p)
    if fn is None:
        if p is None:
            fields = {"forward": "x", "act": "dot", "slope": "1.0", "gate": False}
            functions: dict[str, Any] = {}
        else:
            act = p.act
            fields = {
                "forward": formula(act.forward).render(),
                "act": act.name,
                "slope": formula(act.dx).render(),
                "gate": act.gate,
            }
            functions = act.functions
        namespace = {
            **FLOAT_FUNCTIONS,
            **functions,
            "mul": mul,
            "outside_domain": _outside_domain,
            "active": modes.active,
            "check": modes.check,
            "nary_node": nary_node,
            "p": _DOT if p is None else p,
            "new": object.__new__,
            "next_number": next_number,
            "Value": Value,
            "MANY": MANY,
        }
        what = f"dense layer of {'dot' if p is None else p.name}"
        fn = _layers[p] = run_source(_LOOP.format(**fields), what, namespace)["layer"]
    return fn




def dense(
    weights: Sequence[Sequence[Value]],
    x: Sequence,
    biases: Sequence[Value],
    activation: str | None = None,
    labels: Sequence[str] | None = None,
    *,
    batch: bool = False,
) -> list:
    """``[activation(b_j + w_j . x) for each row w_j of weights]``, one node per row.

    ``activation`` names a one-operand primitive (``"relu"``, ``"tanh"``, ...) or is None
    for none (the nodes are then ``dot`` nodes). ``labels``, one per row, names the nodes.
    Weights and biases are normally Values (parameters); inputs are Values or numbers.
    With ``batch=True``, ``x`` is a list of input rows and the result one list per row:
    the weights' numbers are then read once for the whole batch.

    >>> w = [[Value(1.0), Value(-2.0)], [Value(0.5), Value(0.5)]]
    >>> b = [Value(0.0), Value(1.0)]
    >>> [v.data for v in dense(w, [3.0, 1.0], b, "relu")]
    [1.0, 3.0]
    >>> dense(w, [3.0, 1.0], b, "relu")[0].op
    'relu(dot)'
    >>> [[v.data for v in row] for row in dense(w, [[3.0, 1.0], [0.0, 2.0]], b, batch=True)]
    [[1.0, 3.0], [-4.0, 2.0]]
    """
    p = None if activation is None else activated(activation)
    layer = _layer_function(p)
    rows = [tuple(w) for w in weights]
    biases = list(biases)
    if len(rows) != len(biases):
        raise ValueError(f"dense: {len(rows)} rows of weights but {len(biases)} biases")
    if labels is None:
        labels = [""] * len(rows)
    elif len(labels) != len(rows):
        raise ValueError(f"dense: {len(rows)} rows of weights but {len(labels)} labels")
    # The weights' numbers, read once: the fast loop needs every weight and bias a Value.
    wds = [[w.data for w in ws if type(w) is Value] for ws in rows]
    fast = all(type(b) is Value for b in biases) and all(map(_same_length, wds, rows))
    if fast:
        bts = [(b,) for b in biases]
        bds = [b.data for b in biases]
        widths = {len(ws) for ws in rows}
    samples = x if batch else (x,)
    out = []
    for sample in samples:
        xs = tuple(sample)
        xd = [v.data for v in xs if type(v) is Value]
        if len(xd) == len(xs):  # every input a Value: each gets a gradient
            xv = xs
        elif not xd:  # every input a number (a first layer's): constants
            xv = ()
            numbers = [_number(v) for v in xs]
            if None in numbers:
                bad = next(v for v, f in zip(xs, numbers) if f is None)
                raise TypeError(f"dense: inputs must be Values or numbers, got {bad!r}")
            xd = numbers  # type: ignore[assignment]  # no None left
        else:  # a mix (a dropped input is a 0.0): the general path
            for v in xs:
                if type(v) is not Value and _number(v) is None:
                    raise TypeError(f"dense: inputs must be Values or numbers, got {v!r}")
            xv = None
        if fast and xv is not None and widths <= {len(xs)}:
            out.append(layer(rows, wds, bts, bds, xs, xd, xv, labels))
        else:
            out.append([_general(*r, xs, activation) for r in zip(rows, biases, labels)])
    return out if batch else out[0]


def _same_length(a: Sequence, b: Sequence) -> bool:
    return len(a) == len(b)


def _general(w: Sequence, b: object, label: str, xs: tuple, activation: str | None) -> Value:
    """One row with constants among its operands (say a dropped input): ``dot`` over the
    groups, then the activation's rule, to the same numbers the fast loop gives."""
    w = tuple(w)
    if len(w) != len(xs):
        raise ValueError(f"dense: a row of {len(w)} weights for {len(xs)} inputs")
    node = apply_nary(_DOT, w, xs, (b,))
    node.label = label
    if activation is not None:
        node = _activate(node, activated(activation))
    return node


def _activate(node: Value, p: Activated) -> Value:
    """The ``dot`` node ``node`` made into the ``p`` node: the same operands, the
    activation applied to its number and its slope multiplied into the partials."""
    forward, slope = float_rules(p.act)[:2]
    s = node.data
    try:
        out = forward(s)
    except (ArithmeticError, ValueError) as error:
        out = _outside_domain(error, p.act.name, s)
    if node._op is None:  # under no_grad: a number, no graph
        modes.check(p.act.name, out, (s,))
        return Value(out, label=node.label)
    d = slope(s, None, out)
    parents, partials = node._x, node._dx
    if d == 1.0:
        pass
    elif p.act.gate and not d:
        parents = partials = ()
    else:
        partials = tuple([d * q for q in partials])
    rows = [[v.data if isinstance(v, Value) else v for v in g] for g in node._y]
    return nary_node(p, out, parents, partials, node._y, [*rows[:2], [s]], node.label)
