"""``dense``: a layer of neurons, ``activation(W x + b)``, one node per neuron.

A neuron is a weighted sum followed by an activation. Recorded op by op that is 2n + 1
nodes for n inputs; as one ``dot`` node and one activation node it is two; here it is one
node, ``relu(dot)`` say (``autograd.primitives.Activated``), whose local derivatives are
the chain rule done once, in the forward pass:

    d out / d w_i = act'(s) * x_i      d out / d x_i = act'(s) * w_i      d out / d b = act'(s)

where ``s = b + w . x``. A relu that is off (act'(s) = 0) keeps no edges, so the backward
pass never visits the weights and inputs of a dead unit.

The loop over a layer's neurons is generated from the table's formula text for each
activation, as the ``Value`` methods are, and reads the inputs' numbers once per layer
rather than once per neuron. On the moons training step this made the whole step about
3x faster than a ``dot`` node and a ``relu`` node per neuron.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from operator import mul

from . import modes
from .primitives import FLOAT_FUNCTIONS, NARY_PRIMITIVES, PRIMITIVES, Activated, Primitive
from .value import _MANY, Value, _next, _number, _outside_domain, apply_nary

_DOT = NARY_PRIMITIVES["dot"]

_LOOP = """\
def _layer(rows, wds, bts, bds, xs, xd, xv, labels):
    nodes = []
    for ws, wd, bt, bd, label in zip(rows, wds, bts, bds, labels):
        x = sum(map(_mul, wd, xd), bd)
{activation}        node = _new(Value)
        node.data = out
        node.grad = 0.0
        node.label = label
        node._seq = _next()
        node._op = _prim
        node._y = (ws, xs, bt)
        node._dy = _MANY
{edges}        if _modes.threads:
            _observe(node, x, (*wd, *xd, bd))
        nodes.append(node)
    return nodes
"""

_ACTIVATION = """\
        try:
            out = {forward}
        except (ArithmeticError, ValueError) as error:
            out = _outside_domain(error, {name!r}, x)
        d = {dx}
"""

# d == 1.0 is the common case (a relu that is on): the inner partials as they are.
_EDGES = """\
        if d == 1.0:
            node._x = ws + xv + bt
            node._dx = (*xd, *wd, 1.0) if xv else (*xd, 1.0)
{gate}        else:
            node._x = ws + xv + bt
            node._dx = tuple([d * p for p in ((*xd, *wd, 1.0) if xv else (*xd, 1.0))])
"""

_GATE = """\
        elif not d:
            node._x = node._dx = ()
"""

_LINEAR = """\
        node._x = ws + xv + bt
        node._dx = (*xd, *wd, 1.0) if xv else (*xd, 1.0)
"""

_layers: dict[Activated | None, object] = {}
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


def _layer_function(activation: str | None):
    p = None if activation is None else activated(activation)
    fn = _layers.get(p)
    if fn is not None:
        return fn
    if p is None:
        src = _LOOP.format(activation="        out = x\n", edges=_LINEAR)
    else:
        act = p.act
        src = _LOOP.format(
            activation=_ACTIVATION.format(forward=act.forward, name=act.name, dx=act.dx),
            edges=_EDGES.format(gate=_GATE if act.gate else ""),
        )
    namespace = {
        **FLOAT_FUNCTIONS,
        **({} if p is None else p.act.functions),
        "Value": Value,
        "_MANY": _MANY,
        "_mul": mul,
        "_new": object.__new__,
        "_next": _next,
        "_prim": _DOT if p is None else p,
        "_modes": modes.active,
        "_observe": _observe,
        "_outside_domain": _outside_domain,
    }
    exec(compile(src, f"<autograd dense {activation}>", "exec"), namespace)  # noqa: S102
    fn = _layers[p] = namespace["_layer"]
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
    layer = _layer_function(activation)
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
            xd = [_number(v) for v in xs]
            if None in xd:
                bad = next(v for v, f in zip(xs, xd) if f is None)
                raise TypeError(f"dense: inputs must be Values or numbers, got {bad!r}")
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
    if activation is not None:
        _activate(node, activated(activation))
    node.label = label
    return node


_float_rules: dict[Primitive, tuple] = {}


def _activate(node: Value, p: Activated) -> None:
    """Turn the ``dot`` node ``node`` into the ``p`` node: the same operands, the activation
    applied to its number and its derivative multiplied into the partials."""
    act = p.act
    rules = _float_rules.get(act)
    if rules is None:
        names = {**FLOAT_FUNCTIONS, **act.functions}
        rules = _float_rules[act] = tuple(
            eval(compile(f"lambda x, out: {text}", f"<{act.name}>", "eval"), names)  # noqa: S307
            for text in ("None", act.forward, act.dx)
        )[1:]
    s = node.data  # the dot node's number, already checked by a mode (apply_nary)
    try:
        out = rules[0](s, None)
    except (ArithmeticError, ValueError) as error:
        out = _outside_domain(error, act.name, s)
    node.data = out
    if modes.active.threads:
        _check_activation(node, p.name, s)
    if node._op is None:  # under no_grad: a number, no graph
        return
    d = rules[1](s, out)
    node._op = p
    if d == 1.0:
        pass
    elif act.gate and not d:
        node._x = node._dx = ()
    else:
        node._dx = tuple([d * q for q in node._dx])


def _observe(node: Value, s: float, operands: tuple) -> None:
    """Under a mode (no_grad, detect_anomaly, a trace): what the engine does for each new
    node, here for the two a neuron stands for: its weighted sum ``s``, then the
    activation of ``s``. (An overflowing sum can hide behind tanh's 1.0.)"""
    out = node.data
    name = node._op.name
    node.data = s
    try:
        modes.observe(node, operands)
    finally:
        node.data = out
    _check_activation(node, name, s)


def _check_activation(node: Value, name: str, s: float) -> None:
    out = node.data
    if modes.is_anomaly_enabled() and not math.isfinite(out) and math.isfinite(s):
        where = modes.site(node) or "a line outside detect_anomaly"
        raise modes.AnomalyError(f"{name}({s!r}) gave {out!r}, in {where}")
