"""Adding a primitive from outside the package: the mechanism the built-in ones use.

A primitive is one row of the table (``autograd.primitives``): a name, a forward formula
and the local derivative of its output with respect to each operand, written as Python
expressions over ``x`` (and ``y``) and ``out``. The forward formula may call the float
functions you pass in ``functions``; the derivative formulas should be built from
arithmetic and primitives (the built-in ones, or ones you defined), because they are
compiled over Values too, for higher-order derivatives.

>>> import math
>>> from autograd import Value, define_primitive, check_primitive
>>> erf = define_primitive(
...     "erf", "erf(x)", dx="1.1283791670955126 * exp(-x * x)", functions={"erf": math.erf}
... )
>>> x = Value(0.5)
>>> y = erf(x)                      # or x.erf()
>>> y.backward()
>>> round(x.grad, 12) == round(2 / math.sqrt(math.pi) * math.exp(-0.25), 12)
True
>>> check_primitive("erf")          # first and second derivatives vs central differences
True
"""

from __future__ import annotations

import ast
import keyword
import math
from collections.abc import Callable, Sequence

from . import derivatives, value
from .generate import constant_name, methods_source
from .primitives import FLOAT_FUNCTIONS, PRIMITIVES, Primitive
from .rules import float_rules, run_source
from .value import Value

__all__ = ["define_primitive"]

_OPERAND_NAMES = {"x", "y", "out"}


def define_primitive(
    name: str,
    forward: str,
    dx: str,
    dy: str | None = None,
    *,
    functions: dict[str, Callable] | None = None,
    method: str | None = None,
    default: float | None = None,
    kinks: Sequence[float] = (),
) -> Callable:
    """Add primitive ``name`` and return a function applying it to Values or numbers.

    ``forward`` computes ``out`` from ``x`` (and ``y`` for a two-operand primitive, which
    also needs ``dy``). The primitive becomes a ``Value`` method called ``method`` (by
    default its name) and works with ``grad``, ``hessian``, ``gradcheck`` and pictures.
    Formulas are parsed, and every name in them must be an operand, a float function of the
    table or of ``functions``, or a primitive; anything else is a ``ValueError`` here,
    not a ``NameError`` in the middle of a backward pass.
    """
    functions = dict(functions or {})
    method = method or name
    if not (isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)):
        raise ValueError(f"define_primitive: name must be an identifier, got {name!r}")
    if name in PRIMITIVES:
        raise ValueError(f"define_primitive: a primitive named {name!r} exists already")
    if not method.isidentifier() or method.startswith("_") or hasattr(Value, method):
        raise ValueError(f"define_primitive: Value already has an attribute {method!r}")
    for k in kinks:
        if isinstance(k, bool) or not isinstance(k, (int, float)) or not math.isfinite(k):
            raise ValueError(f"define_primitive {name}: kinks must be finite numbers, got {k!r}")
    for fname, fn in functions.items():
        if not callable(fn):
            raise TypeError(f"define_primitive: functions[{fname!r}] is not callable")
    known = _OPERAND_NAMES | set(FLOAT_FUNCTIONS) | set(functions) | set(PRIMITIVES) | {name}
    if dy is not None and isinstance(forward, str) and "y" not in _names(forward):
        raise ValueError(
            f"define_primitive {name}: dy is given but forward {forward!r} does not use y "
            "(a one-operand primitive has no dy)"
        )
    formulas = {"forward": forward, "dx": dx, "dy": dy}
    for what, formula in formulas.items():
        if formula is not None:
            _check_formula(name, what, formula, known, two_operands=dy is not None)
    p = Primitive(
        name,
        forward,
        dx,
        dy,
        method=method,
        default=default,
        kinks=tuple(kinks),
        functions=functions,
    )
    PRIMITIVES[name] = p
    FLOAT_FUNCTIONS.setdefault(name, float_rules(p)[0])
    _install(p)
    derivatives.forget(name)
    return derivatives.apply_function(name)


def _install(p: Primitive) -> None:
    """Write ``p``'s Value methods as the built-in ones are written, and add them to
    ``Value``. Their source is registered under ``<chainrule ...>``, so tracebacks and
    ``inspect.getsource`` show it."""
    namespace = {**vars(value), **FLOAT_FUNCTIONS, **p.functions, constant_name(p): p}
    # In a class body, as in value.py: a method named like the function its formula calls
    # (``erf`` calls ``erf``) must not replace that function in the namespace.
    source = "class _Methods:\n" + methods_source(p)
    defined = run_source(source, f"primitive {p.name}", namespace)["_Methods"]
    for name in p.methods:
        method = vars(defined)[name]
        method.__qualname__ = f"Value.{name}"
        setattr(Value, name, method)


def _check_formula(name: str, what: str, formula: str, known: set, two_operands: bool) -> None:
    if not isinstance(formula, str):
        raise TypeError(f"define_primitive {name}: {what} must be a str formula, got {formula!r}")
    try:
        tree = ast.parse(formula, mode="eval")
    except SyntaxError as error:
        raise ValueError(f"define_primitive {name}: {what} {formula!r}: {error.msg}") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in known:
            raise ValueError(f"define_primitive {name}: {what} uses unknown name {node.id!r}")
        if isinstance(node, ast.Name) and node.id == "y" and not two_operands:
            raise ValueError(f"define_primitive {name}: {what} uses y, but no dy was given")
        if isinstance(node, (ast.Attribute, ast.Lambda, ast.Subscript)):
            raise ValueError(
                f"define_primitive {name}: {what} may only use names, numbers and calls"
            )


def _names(formula: str) -> set[str]:
    try:
        return {n.id for n in ast.walk(ast.parse(formula, mode="eval")) if isinstance(n, ast.Name)}
    except SyntaxError:
        return set()  # _check_formula says what is wrong with it
