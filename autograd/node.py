"""What a node of the computation graph stores, and how to read it.

A node keeps its number (``data``), the gradient a backward pass leaves in it (``grad``),
the primitive that made it (``_op``, None for a leaf) and, for each operand, the operand
and the local derivative of the node with respect to it, computed as a float by the
forward pass. One or two operands live in four slots:

    node = x * y   ->   _x = x, _dx = y.data      (d node / d x)
                        _y = y, _dy = x.data      (d node / d y)

An operand that is a plain number (``x * 3``) is stored as that number with the derivative
``None``: a constant, nothing flows back into it. A derivative ``None`` next to a Value is
a gate that is off (a relu at x <= 0): no edge, so the backward pass does not go that way.

A node of an n-ary primitive (``sum``, ``dot``, a fused neuron) has its Value operands as
a tuple in ``_x``, their local derivatives as a tuple in ``_dx``, the operand groups as
given (numbers too) in ``_y``, and ``MANY`` in ``_dy``.

Storing operands and floats, never a closure, keeps the graph free of reference cycles:
dropping the output frees the whole graph by reference counting alone. ``edges`` reads
this layout for you; it is the only code outside the engine's hot paths that needs to.
"""

from __future__ import annotations

import itertools
from typing import Any, TypeVar, cast

N = TypeVar("N", bound="Node")


class _Many:
    """Marks an n-ary node (in its ``_dy``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MANY"

    def __reduce__(self) -> str:
        return "MANY"  # pickles as the one instance


MANY: Any = _Many()

#: Creation numbers: an operation's operands always have smaller ones than it has, which
#: is the order the backward pass relies on (``autograd.backward``).
next_number = itertools.count(1).__next__


class Node:
    """The storage of a ``Value``: see the module docstring for the layout."""

    # A dict of slots: help() shows each public one with its text.
    __slots__ = {
        "data": "The node's number, a float.",
        "grad": "d root / d this node from the last backward pass that reached it (0.0 before).",
        "label": "A name for pictures and messages ('' by default).",
        "_op": "The primitive that made the node; None for a leaf.",
        "_x": "The first operand (a Value or a number), or an n-ary node's Value operands.",
        "_dx": "d node / d _x as a float (None: no edge), or an n-ary node's partials.",
        "_y": "The second operand (a Value, a number or None), or an n-ary node's groups.",
        "_dy": "d node / d _y as a float (None: no edge), or MANY for an n-ary node.",
        "_seq": "The creation number (0 for a leaf): the backward pass's order.",
    }

    data: float
    grad: float
    label: str
    _op: Any
    _x: Any
    _dx: Any
    _y: Any
    _dy: Any
    _seq: int

    @property
    def op(self) -> str:
        """The name of the primitive that made this node, ``""`` for a leaf."""
        return "" if self._op is None else self._op.name

    @property
    def parents(self: N) -> tuple[N, ...]:
        """The Values this node was computed from, in operand order (constants left out).

        This is the graph's shape: it includes an input that gets no gradient from this
        node (a relu that is off)."""
        return operands(self)

    @property
    def edges(self: N) -> tuple[tuple[N, float], ...]:
        """Each parent with the local derivative of this node with respect to it, in
        operand order: what the backward pass multiplies the incoming gradient by.

        A relu that is off shows its input with derivative 0.0 (the backward pass, which
        multiplies by 0, skips that edge). Constants (``x * 3``'s 3) are not parents.

        >>> from autograd import Value
        >>> x, y = Value(2.0), Value(-3.0)
        >>> [(v is x, d) for v, d in (x * y).edges]
        [(True, -3.0), (False, 2.0)]
        """
        if self._dy is MANY:
            if self._x or not self._y:
                return tuple(zip(self._x, self._dx))
            # a fused neuron whose relu is off keeps no edges: its inputs, each with 0.0
            return tuple((v, 0.0) for g in self._y for v in g if isinstance(v, type(self)))
        out: list[tuple[N, float]] = []
        for v, d in ((self._x, self._dx), (self._y, self._dy)):
            if isinstance(v, type(self)):
                out.append((v, 0.0 if d is None else d))
        return tuple(out)

    def __getstate__(self) -> tuple[None, dict[str, Any]]:
        return None, {name: getattr(self, name) for name in Node.__slots__}

    def __setstate__(self, state: tuple[None, dict[str, Any]]) -> None:
        # pickle and copy.deepcopy rebuild a node after its operands: a fresh creation
        # number keeps operands older than their consumers, which is the order backward()
        # relies on (numbers from another process, or an older graph, mean nothing here).
        for name, value in state[1].items():
            object.__setattr__(self, name, value)
        if self._seq:
            self._seq = next_number()


def operands(node: N) -> tuple[N, ...]:
    """``node.parents``: its Value operands in operand order, read straight off the slots
    (graph walks call this once per node)."""
    x, y = node._x, node._y
    if node._dy is MANY:  # _x has them unless a gate is off
        return x or tuple(v for group in y for v in group if isinstance(v, Node))
    if isinstance(x, Node):
        return cast("tuple[N, ...]", (x, y) if isinstance(y, Node) else (x,))
    return cast("tuple[N, ...]", (y,) if isinstance(y, Node) else ())
