"""From rule text to code: the one way the engine reads the primitive table.

A row of the table (``autograd.primitives``) gives a primitive's forward formula and its
local derivatives as Python expressions over ``x``, ``y`` and ``out``. Every part of the
engine that needs a rule as code gets it here, from a ``Formula``:

* ``autograd.generate`` writes the ``Value`` methods (checked in, in ``value.py``);
* ``float_rules`` gives a one-operand rule as float functions (``dense``, ``define_primitive``);
* ``value_rules`` gives the derivatives as functions of Values (``grad(create_graph=True)``);
* ``autograd.compile`` renders the formulas into the code it writes.

A formula is parsed once, and only its names are rewritten: a textual replace would also
hit the ``x`` in ``exp``. Code made at run time is registered with ``linecache`` under a
name of its own, so tracebacks and ``inspect.getsource`` show it.

>>> Formula("1.0 - out * out").render(out="t")
'1.0 - t * t'
>>> Formula("0.0 if x <= 0 else x").render(x="v3")
'0.0 if v3 <= 0.0 else v3'
"""

from __future__ import annotations

import ast
import itertools
import linecache
from collections.abc import Callable, Mapping

from .primitives import FLOAT_FUNCTIONS, Primitive

__all__ = ["Formula", "float_rules", "formula", "run_source", "value_rules"]

#: The names a formula uses for its operands and its result.
OPERANDS = ("x", "y", "out")


class Formula:
    """One rule's text, parsed: render it over any names for its operands and functions."""

    def __init__(self, text: str) -> None:
        self.text = text.strip()
        tree = ast.parse(self.text, mode="eval")
        #: a single name, number or call: needs no parentheses as an operand
        self.atom = isinstance(tree.body, (ast.Name, ast.Constant, ast.Call))
        #: the number, when the formula is one (``"1.0"``)
        self.constant: float | None = _number(tree.body)
        self.names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        #: for a switch, ``1.0 if C else 0.0`` (a gate's derivative), the Formula of C
        self.condition: Formula | None = None
        body = tree.body
        if isinstance(body, ast.IfExp) and (_number(body.body), _number(body.orelse)) == (1, 0):
            self.condition = Formula(ast.get_source_segment(self.text, body.test) or "")
        self._edits = _name_edits(self.text, tree)
        self._templates: dict[tuple, str] = {}

    def template(self, functions: Mapping[str, str] | None = None) -> str:
        """The formula as a ``str.format`` template with fields ``{x}``, ``{y}``, ``{out}``;
        each function name replaced by its entry in ``functions`` (if any)."""
        key = tuple(sorted(functions.items())) if functions else ()
        text = self._templates.get(key)
        if text is None:
            pieces, at = [], 0
            raw = self.text.encode()
            for start, end, name in self._edits:
                if name in OPERANDS:
                    new = "{" + name + "}"
                elif name.startswith("="):  # an int compared with a float, written as one
                    new = name[1:]
                else:
                    new = (functions or {}).get(name, name)
                pieces += [_escape(raw[at:start].decode()), new]
                at = end
            pieces.append(_escape(raw[at:].decode()))
            text = self._templates[key] = "".join(pieces)
        return text

    def render(self, functions: Mapping[str, str] | None = None, **operands: str) -> str:
        """The formula as code, its operands named as given (``x="a"``)."""
        fields = {name: operands.get(name, name) for name in OPERANDS}
        return self.template(functions).format(**fields)

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"


def _name_edits(text: str, tree: ast.AST) -> list[tuple[int, int, str]]:
    """(start, end, name) in UTF-8 byte offsets for each name to rewrite; ``=literal`` for
    an int compared with a float, written as a float (``x > 0`` is ``x > 0.0``): the same
    outcome, and CPython compares two floats twice as fast as a float and an int."""
    starts = [0]
    for line in text.encode().splitlines(keepends=True):
        starts.append(starts[-1] + len(line))

    def span(n: ast.expr) -> tuple[int, int]:
        end_line = n.end_lineno or n.lineno
        end_col = n.end_col_offset if n.end_col_offset is not None else n.col_offset
        return starts[n.lineno - 1] + n.col_offset, starts[end_line - 1] + end_col

    edits = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Name):
            edits.append((*span(n), n.id))
        elif isinstance(n, ast.Compare):
            for c in (n.left, *n.comparators):
                if isinstance(c, ast.Constant) and type(c.value) is int and abs(c.value) <= 2**53:
                    edits.append((*span(c), "=" + repr(float(c.value))))
    return sorted(edits)


def _number(node: ast.expr) -> float | None:
    value = node.value if isinstance(node, ast.Constant) else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


_formulas: dict[str, Formula] = {}


def formula(text: str) -> Formula:
    """The parsed ``Formula`` of ``text`` (parsed once, then shared)."""
    f = _formulas.get(text)
    if f is None:
        f = _formulas[text] = Formula(text)
    return f


# -- code made at run time ---------------------------------------------------------------

_serial = itertools.count(1)


def run_source(source: str, what: str, namespace: dict) -> dict:
    """Execute ``source`` (definitions) in ``namespace`` and return it.

    The text is registered with ``linecache`` under ``<chainrule WHAT #n>``, so a traceback
    through it shows its lines and ``inspect.getsource`` finds it.
    """
    filename = f"<chainrule {what} #{next(_serial)}>"
    lines = source.splitlines(keepends=True)
    linecache.cache[filename] = (len(source), None, lines, filename)
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - rule text, parsed above
    return namespace


def _float_names(p: Primitive) -> dict[str, object]:
    return {**FLOAT_FUNCTIONS, **p.functions}


def float_rules(p: Primitive) -> tuple[Callable, ...]:
    """``(forward, dx)`` or ``(forward, dx, dy)`` of ``p`` as functions of floats:
    ``forward(x, y)`` and ``dx(x, y, out)``. Cached on the primitive's text."""
    key = (p.name, p.forward, p.dx, p.dy)
    rules = _float_cache.get(key)
    if rules is None:
        forward = f"def forward(x, y=None):\n    return {formula(p.forward).render()}\n"
        source = forward + _derivatives_source(p)
        names = run_source(source, f"float rules of {p.name}", _float_names(p))
        rules = tuple(names[n] for n in ("forward", "dx", "dy") if n in names)
        _float_cache[key] = rules
    return rules


_float_cache: dict[tuple, tuple[Callable, ...]] = {}


def value_rules(p: Primitive, namespace: Mapping[str, object]) -> tuple[Callable | None, ...]:
    """d/dx and d/dy of ``p`` as functions ``(x, y, out)`` evaluated in ``namespace``,
    where the names a formula calls mean what the caller says (for ``create_graph``: the
    primitives themselves, over Values)."""
    names = run_source(_derivatives_source(p), f"derivatives of {p.name}", dict(namespace))
    return names.get("dx"), names.get("dy")


def _derivatives_source(p: Primitive) -> str:
    """``def dx(x, y, out): ...`` (and ``dy``) for ``p``'s derivative formulas."""
    return "".join(
        f"def {which}(x, y, out):\n    return {formula(text).render()}\n"
        for which, text in (("dx", p.dx), ("dy", p.dy))
        if text is not None
    )
