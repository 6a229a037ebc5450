"""``Value``: one scalar node of the computation graph.

A node stores its number (``data``), the gradient a backward pass leaves in it (``grad``),
the primitive that made it, its operands and the local derivative of its output with
respect to each operand, computed as floats during the forward pass:

    node = x * y   ->   _x = x, _dx = y.data   (d node / d x)
                        _y = y, _dy = x.data   (d node / d y)

An operand that is a plain number (``x * 3``) is stored as that number, with its local
derivative ``None``: it is a constant, nothing flows back into it. Storing operands and
derivatives, never a closure, keeps the graph free of reference cycles, so dropping the
output frees the whole graph by reference counting alone; and one GC-tracked object per
node keeps Python's cycle collector from spending the time micrograd spends in it.

The operator and method bodies are generated from the primitive table
(``autograd.primitives``); ``Value.source(name)`` shows the code generated for one.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Sequence

from . import modes
from .primitives import FLOAT_FUNCTIONS, PRIMITIVES, NaryPrimitive, Primitive


class Value:
    """A scalar that remembers how it was computed.

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + a.exp()
    >>> c.backward()
    >>> round(a.grad, 6), b.grad
    (4.389056, 2.0)
    """

    # _seq: the node's creation number, which orders the backward pass (autograd.backward);
    # 0 for a leaf. A pass marks the nodes it finds by negating it, and restores it.
    __slots__ = ("data", "grad", "label", "_op", "_x", "_dx", "_y", "_dy", "_seq")

    def __init__(self, data: float, label: str = "") -> None:
        self.data = _as_float(data, "Value data")
        self.grad = 0.0
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__}: {label!r}")
        self.label = label
        self._op = self._x = self._dx = self._y = self._dy = None
        self._seq = 0

    # -- what the node is ------------------------------------------------------------
    @property
    def op(self) -> str:
        """The primitive that made this node, ``""`` for a leaf."""
        return "" if self._op is None else self._op.name

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Values this node was computed from, in operand order (constants left out)."""
        return tuple(_operands(self))

    def __repr__(self) -> str:
        return f"Value(data={self.data!r}, grad={self.grad!r})"

    def __float__(self) -> float:
        return self.data

    # Ordering compares the numbers, as tensors do. Equality and hashing are object's own
    # (identity), inherited rather than reassigned: a reassigned __hash__ is called through
    # Python and made every dict lookup of the backward pass three times slower.
    def __lt__(self, other: object) -> bool:
        return _compared("<", self, other, self.data < _compare_operand(other))

    def __le__(self, other: object) -> bool:
        return _compared("<=", self, other, self.data <= _compare_operand(other))

    def __gt__(self, other: object) -> bool:
        return _compared(">", self, other, self.data > _compare_operand(other))

    def __ge__(self, other: object) -> bool:
        return _compared(">=", self, other, self.data >= _compare_operand(other))

    # -- gradients -------------------------------------------------------------------
    def backward(self) -> None:
        """Add d(self)/d(leaf) into every leaf's ``.grad`` (PyTorch semantics).

        Leaves accumulate across calls; every intermediate node the pass reaches has its
        ``.grad`` set to the gradient of this call (a node only behind a relu that is off is
        not reached, and keeps what it had: 0.0 unless an earlier pass from another root
        set it). Works at any depth: nothing here recurses.
        """
        from .backward import backward

        backward(self)

    def __setstate__(self, state: tuple) -> None:
        # pickle and copy.deepcopy rebuild a node after its operands: a fresh creation
        # number keeps operands older than their consumers, which is the order backward()
        # relies on (numbers from another process, or an older graph, mean nothing here).
        for name, value in state[1].items():
            object.__setattr__(self, name, value)
        if self._seq:
            self._seq = _next()

    def detach(self) -> Value:
        """A new leaf with the same data."""
        return Value(self.data)

    @staticmethod
    def source(name: str) -> str:
        """The Python source generated from the table for primitive ``name``."""
        return _SOURCES[name]


def _as_float(value: object, what: str) -> float:
    f = _number(value)
    if f is not None:
        return f
    kind = (
        "a Value (use .data, or the Value itself)"
        if isinstance(value, Value)
        else type(value).__name__
    )
    raise TypeError(f"{what} must be an int or float, got {kind}: {value!r}")


def _compared(op: str, a: Value, b: object, result: bool) -> bool:
    # A trace (autograd.compile) logs the comparisons its function makes, so that the
    # replay can check they still come out the same.
    if modes.active.threads:
        modes.log_comparison(op, a, b, result)
    return result


def _compare_operand(other: object) -> float:
    return other.data if isinstance(other, Value) else _as_float(other, "comparison operand")


def _number(value: object) -> float | None:
    """A plain real number as a float, or None when ``value`` is not one (bools are not)."""
    t = type(value)
    if t is float:
        return value
    if t is bool or t.__name__ == "bool_":  # Python's and numpy's booleans
        return None
    if t is int or (isinstance(value, numbers.Real) and not isinstance(value, Value)):
        try:
            return float(value)
        except OverflowError:
            raise OverflowError(f"{str(value)[:20]}... is too large for a float") from None
    return None


def _operands(node: Value) -> tuple:
    """The Values ``node`` was computed from (constants left out), in operand order.

    This is the graph's shape: it includes an operand that gets no gradient from ``node``
    (the input of a relu that is off), which the backward pass does not visit.
    """
    x, y = node._x, node._y
    if node._dy is _MANY:  # _x has them unless a gate is off
        return x or tuple(v for group in y for v in group if isinstance(v, Value))
    if isinstance(x, Value):
        return (x, y) if isinstance(y, Value) else (x,)
    return (y,) if isinstance(y, Value) else ()


class _Many:
    """Marks an n-ary node (in its ``_dy``).

    ``_x`` holds its Value operands and ``_dx`` their local derivatives, both tuples in
    operand order; ``_y`` keeps the operand groups as given (constants too) for the
    derivative rule over Values.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "MANY"


_MANY = _Many()


def _outside_domain(error: Exception, name: str, *operands: float) -> float:
    """What an operation gives where Python's float function raised.

    A finite operand outside the domain (``log(-1)``, ``1 / 0``, ``exp(1000)``) re-raises the
    same exception type with a message naming the operation and its operands. A non-finite
    operand given by the user propagates as IEEE floats do: ``log(-inf)`` is nan.
    """
    if isinstance(error, ValueError) and not all(math.isfinite(v) for v in operands):
        return math.nan
    args = ", ".join(repr(v) for v in operands)
    raise type(error)(f"{name}({args}): {error}") from None


_chain = itertools.chain.from_iterable


def apply_nary(p: NaryPrimitive, *groups: Sequence) -> Value:
    """One node computing ``p`` over groups (sequences) of operands, Values or numbers.

    A neuron's weighted sum comes through here on every forward pass, so the common case,
    every operand a Value, takes one list comprehension per group and no other per-operand
    Python work. Groups holding plain numbers (a first layer's inputs) take the general path.
    """
    groups = tuple(map(tuple, groups))  # a snapshot; no copy for what is a tuple already
    rows = []
    for g in groups:
        row = [v.data for v in g if type(v) is Value]
        if len(row) != len(g):
            return _apply_general(p, groups)
        rows.append(row)
    node = _new(Value)
    node.data = float(p.forward(*rows))
    node.grad = 0.0
    node.label = ""
    node._seq = _next()
    node._op = p
    node._x = sum(groups, ())
    node._dx = tuple(_chain(p.partials(*rows)))
    node._y = groups
    node._dy = _MANY
    if modes.active.threads:
        modes.observe(node, list(_chain(rows)))
    return node


def _apply_general(p: NaryPrimitive, groups: tuple) -> Value:
    """Groups with plain numbers in them: the numbers are constants and get no gradient."""
    rows = []
    for g in groups:
        row = []
        for v in g:
            f = v.data if isinstance(v, Value) else _number(v)
            if f is None:
                raise TypeError(f"{p.name}: operands must be Values or numbers, got {v!r}")
            row.append(f)
        rows.append(row)
    node = Value(p.forward(*rows))
    node._seq = _next()
    pairs = [
        (v, d)
        for g, ds in zip(groups, p.partials(*rows))
        for v, d in zip(g, ds)
        if isinstance(v, Value)
    ]
    node._op = p
    node._x = tuple(v for v, _ in pairs)
    node._dx = tuple(d for _, d in pairs)
    node._y = groups
    node._dy = _MANY
    if modes.active.threads:
        modes.observe(node, list(_chain(rows)))
    return node


_new = object.__new__
# Creation numbers: an operation's operands always have smaller ones than it has.
_next = itertools.count(1).__next__


# -- generating the operators and methods from the table --------------------------------
# Each primitive becomes straight-line code with its formulas inlined: one function call
# per operation, no per-node closures, no lookups in the table at run time.

_RECORD = """\
    node = _new(Value)
    node.data = out
    node.grad = 0.0
    node.label = ""
    node._seq = _next()
    node._op = _prim
{links}    if _modes.threads:
        _observe(node, ({operands},))
    return node
"""

_FORWARD = """\
    try:
        out = {forward}
    except (ArithmeticError, ValueError) as error:
        out = _outside_domain(error, {name!r}, {operands})
"""


def _link(slot: str, operand: str, deriv: str | None) -> str:
    deriv_code = "None" if deriv is None else deriv
    return f"    node._{slot} = {operand}\n    node._d{slot} = {deriv_code}\n"


def _dx_code(p: Primitive) -> str:
    # A gate's 0 is stored as None: no edge, so a backward pass does not go that way.
    return f"({p.dx}) or None" if p.gate else p.dx


def _unary_source(p: Primitive, fname: str) -> str:
    return (
        f"def {fname}(self):\n    x = self.data\n"
        + _FORWARD.format(forward=p.forward, name=p.name, operands="x")
        + _RECORD.format(
            links=_link("x", "self", _dx_code(p)) + _link("y", "None", None), operands="x"
        )
    )


# A plain float operand (x + 1.0) is common enough to skip the call to _number.
_NUMBER = """\
    if type(other) is float:
        {var} = other
    else:
        {var} = _number(other)
        if {var} is None:
    {on_fail}"""


def _binary_source(p: Primitive, fname: str, reflected: bool) -> str:
    """``self op other``; reflected: ``other op self`` with ``other`` a plain number."""
    fwd = _FORWARD.format(forward=p.forward, name=p.name, operands="x, y")
    if reflected:
        return (
            f"def {fname}(self, other):\n    y = self.data\n"
            + _NUMBER.format(var="x", on_fail="        return NotImplemented\n")
            + fwd
            + _RECORD.format(
                links=_link("x", "x", None) + _link("y", "self", p.dy), operands="x, y"
            )
        )
    default = "" if p.default is None else f"={p.default!r}"
    not_number = (
        "        return NotImplemented\n"
        if p.method.startswith("__")
        else f"        raise TypeError('{p.name}: operand must be a Value or a number, '\n"
        "                        'got %r' % (other,))\n"
    )
    rename = "" if p.operand == "other" else f"    other = {p.operand}\n"
    return (
        f"def {fname}(self, {p.operand}{default}):\n{rename}    x = self.data\n"
        "    if isinstance(other, Value):\n        y = other.data\n"
        + _indent(fwd)
        + _indent(
            _RECORD.format(
                links=_link("x", "self", _dx_code(p)) + _link("y", "other", p.dy),
                operands="x, y",
            )
        )
        + _NUMBER.format(var="y", on_fail=not_number)
        + fwd
        + _RECORD.format(
            links=_link("x", "self", _dx_code(p)) + _link("y", "y", None), operands="x, y"
        )
    )


def _indent(code: str) -> str:
    return "".join("    " + line if line.strip() else line for line in code.splitlines(True))


_SOURCES: dict[str, str] = {}


def install(p: Primitive) -> None:
    """Compile primitive ``p`` into ``Value`` methods (and reflected operators)."""
    method = p.method or p.name
    namespace = {
        **FLOAT_FUNCTIONS,
        **p.functions,
        "Value": Value,
        "_new": object.__new__,
        "_next": _next,
        "_prim": p,
        "_modes": modes.active,
        "_observe": modes.observe,
        "_number": _number,
        "_outside_domain": _outside_domain,
    }
    sources = []
    if p.arity == 1:
        sources.append((method, _unary_source(p, method)))
    else:
        sources.append((method, _binary_source(p, method, reflected=False)))
        if method.startswith("__"):
            rmethod = "__r" + method[2:]
            sources.append((rmethod, _binary_source(p, rmethod, reflected=True)))
    for fname, src in sources:
        # Compiled as ``_method`` so that the method never shadows the float function of
        # the same name that its formulas call (``tanh`` calls ``tanh``).
        code = compile(
            src.replace(f"def {fname}(", "def _method(", 1),
            f"<autograd primitive {p.name}>",
            "exec",
        )
        exec(code, namespace)  # noqa: S102
        method_fn = namespace.pop("_method")
        method_fn.__name__ = method_fn.__qualname__ = fname
        setattr(Value, fname, method_fn)
    _SOURCES[p.name] = "\n".join(src for _, src in sources)


for _p in PRIMITIVES.values():
    install(_p)
