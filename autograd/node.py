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

import copy
import itertools
import threading
from operator import attrgetter
from typing import Any, TypeVar, cast

from . import modes

__all__ = ["MANY", "Node", "below", "operands"]

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
        if modes.active.threads and modes.is_tracing():  # compile warns: numbers, frozen
            modes.log_read(self)
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

    # -- copies ------------------------------------------------------------------------
    # pickle and copy.deepcopy recurse into an object's references: a graph as deep as the
    # backward pass handles (a million nodes) would overflow the stack. So the outermost
    # node pickled or deep-copied takes every node below it, operands first, in one flat
    # table, and the nodes in it are saved without their links, which the table restores.
    # Each copy gets fresh creation numbers, in the table's order: operands stay older than
    # their consumers, the order backward() relies on.

    def __getstate__(self) -> dict[str, Any]:
        _note_read(self)
        return {name: getattr(self, name) for name in _FIELDS}

    def __setstate__(self, state: dict[str, Any] | tuple[dict[str, Any], list[tuple]]) -> None:
        fields, table = (state, []) if isinstance(state, dict) else state
        for name in _FIELDS:
            object.__setattr__(self, name, fields.get(name))
        for name in _LINKS:
            object.__setattr__(self, name, None)
        _link(table)

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        _note_read(self)
        fields = {name: getattr(self, name) for name in _SHALLOW}
        if self._op is None or id(self) in getattr(_pickling, "marked", ()):
            return (_shell, (type(self),), fields)  # a leaf, or a node of a table below
        gen = next(_generations)
        nodes = below(self)
        # the nodes of the table, by id: alive as long as the table is being pickled
        _pickling.gen, _pickling.marked = gen, {id(v) for v in nodes}
        table: list[Any] = [(v, v._x, v._dx, v._y, v._dy) for v in nodes]
        table.append(_Done(gen))  # pickled last: the table is over
        return (_shell, (type(self),), (fields, table))

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        _note_read(self)
        if self._op is None:
            twin = _shell(type(self))
            twin.__setstate__(self.__getstate__())
            memo[id(self)] = twin
            return twin
        table: list[tuple] = []
        for v in below(self):
            if id(v) in memo:
                continue
            twin = _shell(type(v))
            twin.__setstate__({name: getattr(v, name) for name in _SHALLOW})
            memo[id(v)] = twin
            copies = [copy.deepcopy(part, memo) for part in (v._x, v._dx, v._y, v._dy)]
            table.append((twin, *copies))
        _link(table)
        return memo[id(self)]

    def __copy__(self) -> Any:
        _note_read(self)
        twin = _shell(type(self))
        for name in _FIELDS:
            object.__setattr__(twin, name, getattr(self, name))
        return twin


_LINKS = ("_x", "_dx", "_y", "_dy")
_SHALLOW = ("data", "grad", "label", "_op", "_seq")
_FIELDS = (*_SHALLOW, *_LINKS)
_pickling = threading.local()
_generations = itertools.count(1)


def _shell(cls: type) -> Any:
    return object.__new__(cls)


def _link(table: list[Any]) -> None:
    """Restore the links of a copied table's nodes, and number them afresh in order."""
    for entry in table:
        if isinstance(entry, _Done):
            continue
        node, x, dx, y, dy = entry
        node._x, node._dx, node._y, node._dy = x, dx, y, dy
        node._seq = next_number()


class _Done:
    """The end of a pickled table: later nodes are outermost nodes again. Should pickling
    fail half-way, dropping the unfinished table ends it too."""

    def __init__(self, gen: int) -> None:
        self.gen = gen

    def _end(self) -> None:
        if getattr(_pickling, "gen", None) == self.gen:
            _pickling.gen, _pickling.marked = None, ()

    def __reduce__(self) -> tuple[Any, ...]:
        self._end()
        return (_Done, (0,))

    def __del__(self) -> None:
        self._end()


def _note_read(node: Node) -> None:
    """A copy (copy, deepcopy, pickle) reads the node's numbers: frozen in a compiled step,
    which warns about it."""
    if modes.active.threads and modes.is_tracing():
        modes.log_read(node)


def below(node: N) -> list[N]:
    """``node`` and every interior node below it, operands first (creation order)."""
    found = [node]
    seen = {node}
    for v in found:
        for u in operands(v):
            if u._op is not None and u not in seen:
                seen.add(u)
                found.append(u)
    found.sort(key=_creation)
    return found


_creation = attrgetter("_seq")


def operands(node: N) -> tuple[N, ...]:
    """``node.parents``: its Value operands in operand order, read straight off the slots
    (graph walks call this once per node)."""
    x, y = node._x, node._y
    if node._dy is MANY:  # _x has them unless a gate is off
        return x or tuple(v for group in y for v in group if isinstance(v, Node))
    if isinstance(x, Node):
        return cast("tuple[N, ...]", (x, y) if isinstance(y, Node) else (x,))
    return cast("tuple[N, ...]", (y,) if isinstance(y, Node) else ())
