"""Arithmetic from text, turned into engine operations: parsed with ``ast``, never ``eval``-ed.

The whole tree is checked before anything is computed, and only these are allowed: numbers,
names (variables), ``+ - * / **``, unary ``-`` and ``+``, and calls of the engine's functions by
name with positional arguments. Anything else (attributes, subscripts, other calls, strings,
lambdas, comprehensions, keywords, ...) is an ``ExpressionError``, so nothing a user types can
reach Python's builtins or any object's attributes.

>>> out, leaves = evaluate("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.88})
>>> round(out.data, 4), sorted(leaves)
(0.7064, ['b', 'w', 'x'])
"""

from __future__ import annotations

import ast
import re
import unicodedata
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import cast

import autograd
from autograd import PRIMITIVES, Value

__all__ = [
    "FUNCTIONS",
    "MAX_LABEL",
    "MAX_LENGTH",
    "ExpressionError",
    "evaluate",
    "parse",
    "variable_name",
]

#: Longer expressions are refused: a picture of them would not be read anyway.
MAX_LENGTH = 10_000
#: An intermediate value is labelled with its source text when it is at most this long.
MAX_LABEL = 40


class ExpressionError(ValueError):
    """The expression is not one this parser accepts, or computing it failed."""


def variable_name(name: str) -> str:
    """``name`` as Python reads it in an expression: identifiers are NFKC-normalised, so
    ``ﬁ`` (a ligature) and ``𝑥`` (mathematical italic) are the names ``fi`` and ``x``."""
    return unicodedata.normalize("NFKC", name)


def _functions() -> dict[str, tuple[Callable, int, int]]:
    """name -> (function of Values, least and most arguments), from the primitive table.

    The engine's own primitives only: one added with ``define_primitive`` is left out, so
    that what an expression may call does not depend on what was defined before this
    module was first imported (and ``python -m autograd.viz`` never sees one anyway).
    """
    table: dict[str, tuple[Callable, int, int]] = {"abs": (abs, 1, 1)}
    engine = Path(autograd.__file__).resolve().parent
    for p in PRIMITIVES.values():
        method = p.method or p.name
        if method.startswith("__"):  # operators: written as + - * / ** in the expression
            continue
        code = getattr(getattr(Value, method), "__code__", None)
        if code is None or not Path(code.co_filename).resolve().is_relative_to(engine):
            continue  # defined at run time: its code is "<chainrule primitive ...>"
        least = 1 if p.arity == 1 or p.default is not None else 2
        table[method] = (getattr(Value, method), least, p.arity)
    return table


#: The functions an expression may call: the engine's unary methods, ``abs`` and
#: ``leaky_relu(x, slope)`` (the slope defaults to the engine's).
FUNCTIONS = _functions()

_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
_UNARY = {ast.USub: lambda a: -a, ast.UAdd: lambda a: a}

# What a refused construct is called in the error message.
_NAMES = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambdas",
    ast.Compare: "comparisons",
    ast.BoolOp: "and/or",
    ast.IfExp: "conditional expressions",
    ast.NamedExpr: "assignments (:=)",
    ast.JoinedStr: "f-strings",
    ast.Starred: "starred arguments",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Set: "sets",
    ast.Dict: "dicts",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "generator expressions",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slices",
}


def _refuse(node: ast.AST) -> None:
    """Raise ExpressionError unless ``node`` is one of the allowed constructs."""
    if isinstance(node, (ast.Expression, ast.Load)) or type(node) in _BINARY:
        return
    if type(node) in _UNARY or isinstance(node, ast.Name):
        return
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise ExpressionError(f"operator not allowed: {_op_symbol(node.op)}")
        return
    if isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY:
            raise ExpressionError(f"operator not allowed: {_op_symbol(node.op)}")
        return
    if isinstance(node, ast.Constant):
        v = node.value
        if type(v) not in (int, float):  # bool is not int here: True is refused
            kind = "strings" if isinstance(v, (str, bytes)) else f"the constant {v!r}"
            raise ExpressionError(f"not allowed in an expression: {kind}")
        return
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            raise ExpressionError("only functions called by name are allowed, like tanh(x)")
        name = node.func.id
        if name not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise ExpressionError(f"unknown function {name!r} (known: {known})")
        if node.keywords:
            raise ExpressionError(f"{name}: keyword arguments are not allowed")
        _, least, most = FUNCTIONS[name]
        if not least <= len(node.args) <= most:
            want = str(least) if least == most else f"{least} or {most}"
            raise ExpressionError(f"{name} takes {want} argument(s), got {len(node.args)}")
        return
    what = _NAMES.get(type(node), type(node).__name__)
    raise ExpressionError(f"not allowed in an expression: {what}")


def _op_symbol(op: ast.AST) -> str:
    symbols: dict[type[ast.AST], str]
    symbols = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<"}
    symbols.update({ast.RShift: ">>", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^"})
    symbols.update({ast.Invert: "~", ast.Not: "not"})
    return symbols.get(type(op), type(op).__name__)


def parse(text: str) -> ast.Expression:
    """The checked syntax tree of ``text``; ExpressionError if anything is not allowed."""
    if not isinstance(text, str):
        raise ExpressionError(f"the expression must be a str, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH:,} characters")
    try:
        # What Python's parser would only warn about ("1if x", "'\\d'") is an error here:
        # a warning would print a second line on stderr, and run in no expression anyway.
        # (catch_warnings swaps the process's filters: a warning another thread issues
        # at this moment may be filtered as here.)
        with warnings.catch_warnings():
            warnings.simplefilter("error", SyntaxWarning)
            warnings.simplefilter("error", DeprecationWarning)
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"not a valid expression: {error.msg}") from None
    except (RecursionError, MemoryError):  # Python's parser recurses: "-----...-x"
        raise ExpressionError("expression too deeply nested") from None
    except (ValueError, Warning) as error:  # a null byte; a warning not made a SyntaxError
        raise ExpressionError(f"not a valid expression: {error}") from None
    for node in ast.walk(tree):  # ast.walk keeps a queue: no recursion
        _refuse(node)
    return tree


def evaluate(text: str, variables: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
    """Compute ``text`` over Values: the result and the leaf Value of each variable used.

    Each variable becomes one leaf labelled with its name; each intermediate result is
    labelled with its source text when that is short. Numbers stay constants of their
    operations, as in Python code (``x * 2``); a function of a number alone makes the
    number a leaf. Domain errors of the engine (``log(-1)``) become ExpressionErrors.
    Variable names are matched as Python reads identifiers (see ``variable_name``).
    """
    tree = parse(text)
    variables = _normalised(variables)
    # Python's own line breaks (str.splitlines knows more, which would shift line numbers).
    lines = [line.encode("utf-8") for line in re.split(r"\r\n|\r|\n", text.strip())]
    leaves: dict[str, Value] = {}
    results: list[object] = []  # a stack of operand values
    todo: list[tuple[ast.expr, bool]] = [(tree.body, False)]
    try:
        while todo:  # post-order with an explicit stack: a long chain a+a+...+a is fine
            node, ready = todo.pop()
            if isinstance(node, ast.Constant):
                results.append(float(cast(float, node.value)))  # parse() let only numbers in
            elif isinstance(node, ast.Name):
                results.append(_variable(node.id, variables, leaves))
            elif not ready:
                todo.append((node, True))
                todo.extend((child, False) for child in reversed(_operands(node)))
            else:
                n = len(_operands(node))
                args = results[len(results) - n :]
                del results[len(results) - n :]
                results.append(_apply(node, args, lines))
    except (ArithmeticError, ValueError, TypeError) as error:
        raise ExpressionError(str(error)) from None
    (out,) = results
    if not isinstance(out, Value):  # no variables at all: "2 * 3"
        out = Value(cast(float, out), label=_label(tree.body, lines))
    return out, leaves


def _operands(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    return list(cast(ast.Call, node).args)  # parse() allowed nothing else


def _normalised(variables: Mapping[str, float]) -> dict[str, float]:
    """The variables keyed by their names as Python reads them; two spellings of one name
    are an error (which value would be meant?)."""
    names: dict[str, str] = {}
    normalised: dict[str, float] = {}
    for given, value in variables.items():
        name = variable_name(given) if isinstance(given, str) else given
        if name in names:
            raise ExpressionError(
                f"variables {names[name]!r} and {given!r} are the same name {name!r} to Python"
            )
        names[name] = given
        normalised[name] = value
    return normalised


def _variable(name: str, variables: Mapping[str, float], leaves: dict[str, Value]) -> Value:
    leaf = leaves.get(name)
    if leaf is None:
        if name not in variables:
            hint = f" ({name} is a function: call it, as {name}(x))" if name in FUNCTIONS else ""
            raise ExpressionError(
                f"unset variable {name!r}: give it with --set {name}=NUMBER{hint}"
            )
        leaf = leaves[name] = Value(variables[name], label=name)
    return leaf


def _apply(node: ast.expr, args: list, lines: list[bytes]) -> object:
    if isinstance(node, ast.BinOp):
        a, b = args
        if not isinstance(a, Value) and not isinstance(b, Value):
            # Numbers alone: through the engine too, for the same rules and messages.
            return _BINARY[type(node.op)](Value(a), b).data
        out = _BINARY[type(node.op)](a, b)
    elif isinstance(node, ast.UnaryOp):
        out = _UNARY[type(node.op)](args[0])
        if out is args[0]:  # unary plus: the same value, nothing new to label
            return out
    else:
        call = cast(ast.Call, node)  # parse() allowed nothing else
        fn = FUNCTIONS[cast(ast.Name, call.func).id][0]
        first = args[0]
        if not isinstance(first, Value):  # tanh(0.5): the number becomes a leaf
            first = Value(first, label=_label(call.args[0], lines))
        out = fn(first, *args[1:])
    if isinstance(out, Value):
        out.label = _label(node, lines)
    return out


def _label(node: ast.expr, lines: list[bytes]) -> str:
    """The node's source text, if it is on one line and short; else ``""``."""
    # Sliced from the node's own offsets (bytes of UTF-8): ast.get_source_segment splits
    # the whole source on every call, which made a 2,000-term sum take seconds.
    end = node.end_col_offset
    if end is None or node.lineno != node.end_lineno or end - node.col_offset > 4 * MAX_LABEL:
        return ""
    if node.lineno > len(lines):  # not expected; a missing label is better than a crash
        return ""
    line = lines[node.lineno - 1][node.col_offset : end]
    text = " ".join(line.decode("utf-8").split())
    return text if len(text) <= MAX_LABEL else ""
