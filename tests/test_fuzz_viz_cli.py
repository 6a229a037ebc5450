"""Fuzzing ``python -m autograd.viz EXPRESSION --set NAME=NUMBER``: its parser and its command line.

What must hold for any input, however hostile (docs/viz.md, "From the command line"):

- The parser accepts exactly the documented arithmetic: numbers, names, ``+ - * / **``, unary
  ``-`` and ``+``, and calls by name of the documented functions with positional arguments.
  Everything else is an ``ExpressionError`` (a ``ValueError``) with a message: never another
  exception, never a ``RecursionError``, ``MemoryError`` or ``SyntaxError``.
- Nothing is evaluated as Python. While the parser runs, the interpreter's audit hooks
  (PEP 578) see no code executed, no module imported, no file opened, no process started,
  no restricted attribute read; a function planted in the builtins is never called and
  ``__import__`` never runs.
- What is accepted gives the numbers, and the gradients, of the same computation written
  directly with ``Value``s; every label in the graph is the source text of its value.
- The command line exits 0, 1 or 2; on failure it prints one line ``error: ...`` on stderr
  and nothing else (no warning of Python's parser either), writes no file, and exits 2
  exactly when the command line itself is wrong: a ``--set`` that is not ``NAME=NUMBER``, a
  variable set twice (``ﬁ`` and ``fi`` are one name), a ``--digits`` that is not a number.
  On success it prints the numbers of the direct computation.

Most examples call the parser and ``main()`` in-process (fast; ``-o`` a ``.dot`` file, so no
renderer runs); a handful of the hardest inputs go through a real ``python -m autograd.viz``.
Examples per test: the hypothesis profile in tests/conftest.py (CHAINRULE_HYPOTHESIS=deep).
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import math
import operator
import os
import re
import subprocess
import sys
import threading
import types
import unicodedata
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from autograd import Value
from autograd.viz.__main__ import main
from autograd.viz.expression import FUNCTIONS, MAX_LENGTH, ExpressionError, evaluate, parse

DOCS = Path(__file__).resolve().parent.parent / "docs" / "viz.md"


# -- the specification, as docs/viz.md states it -----------------------------------------------
def documented_functions() -> list[str]:
    """The function names docs/viz.md lists as callable in an expression."""
    text = DOCS.read_text(encoding="utf-8")
    found = re.search(r"calls by name of the engine's functions \(`([^`]*)`", text)
    assert found, "docs/viz.md no longer lists the functions an expression may call"
    return found.group(1).split()


FUNCTION_NAMES = documented_functions()
#: How many arguments each function takes: one, and ``leaky_relu(x, slope)`` an optional slope.
ARITY = {name: (1, 2) if name == "leaky_relu" else (1, 1) for name in FUNCTION_NAMES}
BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
# Unary plus is documented, and is the identity (Value itself has no __pos__).
UNARY = {ast.USub: operator.neg, ast.UAdd: lambda a: a}


def name_of(text: str) -> str:
    """A name as Python reads it: identifiers are NFKC-normalised (ﬁ is fi, 𝑥 is x)."""
    return unicodedata.normalize("NFKC", text)


def allowed(tree: ast.AST) -> bool:
    """Whether every node of ``tree`` is one of the documented constructs."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Expression, ast.Load, ast.Name)):
            continue
        if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
            continue
        if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
            continue
        if type(node) in BINARY or type(node) in UNARY:  # the operator nodes themselves
            continue
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            continue
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ARITY
            and not node.keywords
            and ARITY[node.func.id][0] <= len(node.args) <= ARITY[node.func.id][1]
        ):
            continue
        return False
    return True


class Unset(Exception):
    """The direct computation met a name with no value."""


def direct(tree: ast.AST, values: Mapping[str, float]) -> tuple[Value | float, dict[str, Value]]:
    """The expression computed the way one would write it with Values: each variable one
    leaf Value, numbers as Python floats in their operations (``x * 2``), numbers alone
    through the engine too (``Value(2) ** 0.5``, whose rules allow no complex result), a
    function of a number alone applied to ``Value(number)``. Returns the result and the
    leaf of each variable. Iterative: a chain of thousands of terms is fine."""
    values = {name_of(k): v for k, v in values.items()}
    leaves: dict[str, Value] = {}
    results: list[Value | float] = []
    todo: list[tuple[ast.AST, bool]] = [
        (tree.body if isinstance(tree, ast.Expression) else tree, False)
    ]
    while todo:
        node, ready = todo.pop()
        if isinstance(node, ast.BinOp):
            kids: list[ast.expr] = [node.left, node.right]
        elif isinstance(node, ast.UnaryOp):
            kids = [node.operand]
        elif isinstance(node, ast.Call):
            kids = list(node.args)
        else:
            kids = []
        if kids and not ready:
            todo.append((node, True))
            todo.extend((kid, False) for kid in reversed(kids))
            continue
        args = results[len(results) - len(kids) :]
        del results[len(results) - len(kids) :]
        if isinstance(node, ast.Constant):
            results.append(float(node.value))
        elif isinstance(node, ast.Name):
            name = name_of(node.id)
            if name not in leaves:
                if name not in values:
                    raise Unset(name)
                leaves[name] = Value(values[name], label=name)
            results.append(leaves[name])
        elif isinstance(node, ast.UnaryOp):
            results.append(UNARY[type(node.op)](args[0]))
        elif isinstance(node, ast.BinOp):
            a, b = args
            op = BINARY[type(node.op)]
            if isinstance(a, Value) or isinstance(b, Value):
                results.append(op(a, b))
            else:
                results.append(op(Value(a), b).data)
        else:
            assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            first = args[0] if isinstance(args[0], Value) else Value(args[0])
            fn = abs if node.func.id == "abs" else getattr(Value, node.func.id)
            results.append(fn(first, *args[1:]))
    (out,) = results
    return out, leaves


def short(text: str) -> str:
    """``text`` for a failure message: a 10,000-character input would drown it."""
    return repr(text) if len(text) <= 200 else f"{text[:100]!r} ... ({len(text):,} characters)"


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


# -- watching for anything being evaluated ----------------------------------------------------
MARKER_MODULE = "chainrule_fuzz_marker"
_watch = threading.local()
_sentinel_calls: list[tuple] = []
_marker_imports: list[str] = []


def _audit(event: str, args: tuple) -> None:
    seen = getattr(_watch, "events", None)
    if seen is None or event == "compile":  # ast.parse compiles to a tree: expected
        return
    if event == "object.__getattr__" and isinstance(args[0], types.FrameType):
        return  # hypothesis's tracer reading frame.f_code; reaching a frame takes another event
    seen.append((event, args))


sys.addaudithook(_audit)  # cannot be removed; costs nothing when no one is watching


def chainrule_sentinel(*args, **kwargs):
    """Planted in the builtins and in the parser's module: a call means code was run."""
    _sentinel_calls.append(args)
    return 1.0


@pytest.fixture(scope="module", autouse=True)
def planted():
    """The sentinel in the builtins and in the parser's globals; ``__import__`` wrapped so
    that importing the marker module is recorded (and the module does not exist)."""
    import autograd.viz.expression as expression

    real_import = builtins.__import__

    def recording_import(name, *args, **kwargs):
        if name.startswith(MARKER_MODULE):
            _marker_imports.append(name)
        return real_import(name, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(builtins, "chainrule_sentinel", chainrule_sentinel, raising=False)
        patch.setattr(expression, "chainrule_sentinel", chainrule_sentinel, raising=False)
        patch.setattr(builtins, "__import__", recording_import)
        yield


@contextlib.contextmanager
def nothing_runs(allowed_opens: tuple[str, ...] = ()) -> Iterator[None]:
    """Fail if, inside the block, Python code is evaluated, a module imported, a file other
    than ``allowed_opens`` opened, a process started or the sentinel called."""
    _watch.events = []
    calls, imports = len(_sentinel_calls), len(_marker_imports)
    try:
        yield
    finally:
        events, _watch.events = _watch.events, None
    unexpected = [
        (event, args)
        for event, args in events
        if not (event == "open" and str(args[0]) in allowed_opens)
    ]
    assert unexpected == [], f"the parser did something: {unexpected[:5]}"
    assert len(_sentinel_calls) == calls, "the planted sentinel was called"
    assert len(_marker_imports) == imports, "__import__ ran on the marker module"


def parse_outcome(text: str) -> ast.Expression | ExpressionError:
    """parse(text), watched: the checked tree, or the ExpressionError it raised. Any other
    exception propagates and fails the test."""
    with nothing_runs(), warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        try:
            return parse(text)
        except ExpressionError as error:
            assert str(error).strip(), "an error without a message"
            return error
        finally:  # a warning would be a second line on the command line's stderr
            assert [str(w.message) for w in warned] == []


def python_reads(text: str) -> ast.Expression | None:
    """Python's own tree of ``text`` (surrounding whitespace ignored, as documented), or
    None when Python cannot parse it without a warning, or it is over the length limit."""
    if len(text) > MAX_LENGTH:
        return None
    try:
        with warnings.catch_warnings():  # what Python warns about ("1if x") is refused too
            warnings.simplefilter("error")
            return ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError, Warning):
        return None


def check_parser_against_spec(text: str) -> ast.Expression | None:
    """The parser accepts ``text`` exactly when Python reads it as documented arithmetic;
    returns the tree when accepted."""
    outcome = parse_outcome(text)
    event(f"refused: {_kind(outcome)}" if isinstance(outcome, ExpressionError) else "accepted")
    tree = python_reads(text)
    if tree is None:
        # Python cannot read it (or it is too long): refused, with a message. (Nesting that
        # Python's parser only just manages may be refused as "too deeply nested" too.)
        assert isinstance(outcome, ExpressionError), short(text)
        return None
    if isinstance(outcome, ExpressionError) and "too deeply nested" in str(outcome):
        return None
    assert isinstance(outcome, ExpressionError) != allowed(tree), (short(text), outcome)
    return None if isinstance(outcome, ExpressionError) else tree


def _kind(error: Exception) -> str:
    """What an error message is about, without the user's text: for the statistics."""
    return re.sub(r"'[^']*'|\d+", "_", str(error)).split(":")[0].split(" (")[0][:40]


def check_evaluation(text: str, values: Mapping[str, float], tree: ast.AST) -> None:
    """evaluate(text, values) against the direct computation of ``tree``: the same numbers,
    the same gradients, the same failures; and every label is its value's source text."""
    with nothing_runs():
        try:
            out, leaves = evaluate(text, values)
            error = None
        except ExpressionError as caught:
            error = caught
    try:
        expected, expected_leaves = direct(tree, values)
    except Unset as unset:
        assert error is not None and repr(unset.args[0]) in str(error), (short(text), error)
        event("evaluated: unset variable")
        return
    except (ArithmeticError, ValueError, TypeError) as failure:
        assert error is not None, f"{short(text)}: the direct computation failed: {failure!r}"
        event("evaluated: domain error")
        return
    assert error is None, f"{short(text)} was refused ({error}) but computes directly"
    event("evaluated: computed")
    want = expected.data if isinstance(expected, Value) else expected
    assert same(out.data, want), (short(text), out.data, want)
    assert sorted(leaves) == sorted(expected_leaves)
    for name, leaf in leaves.items():
        assert leaf.label == name and same(leaf.data, expected_leaves[name].data)
    out.backward()
    if isinstance(expected, Value):
        expected.backward()
    for name, leaf in leaves.items():
        assert same(leaf.grad, expected_leaves[name].grad), (short(text), name)
    check_labels(out, values)


def check_labels(out: Value, values: Mapping[str, float]) -> None:
    """Each labelled value's label, computed on its own, gives that value."""
    seen, stack = {out}, [out]
    while stack:
        v = stack.pop()
        if v.label:
            assert "\n" not in v.label and len(v.label) <= 40
            again, _ = evaluate(v.label, values)
            assert same(again.data, v.data), (v.label, again.data, v.data)
        for p in v.parents:
            if p not in seen:
                seen.add(p)
                stack.append(p)


# -- strategies: arithmetic the parser must accept ----------------------------------------------
# Spellings of names: "ﬁ" and "𝑥" are the names "fi" and "x" to Python.
VARIABLE_SPELLINGS = ["x", "y", "w", "b", "x1", "_t", "é", "ﬁ", "fi", "𝑥", "Δ"]


@st.composite
def number_literals(draw) -> tuple[str, float]:
    """(source text, value) of a non-negative number literal, in Python's spellings."""
    kind = draw(st.sampled_from(["int", "float", "exp", "underscore", "hex", "dot"]))
    if kind == "int":
        n = draw(st.integers(0, 10**20))
        return str(n), n
    if kind == "underscore":
        n = draw(st.integers(1000, 10**9))
        return f"{n:_}", n
    if kind == "hex":
        n = draw(st.integers(0, 2**64))
        return hex(n), n
    f = draw(st.floats(min_value=0, max_value=1e308, allow_nan=False, allow_infinity=False))
    if kind == "exp":
        text = f"{f:e}"
        return text, float(text)
    if kind == "dot" and f < 1:
        text = repr(f)[1:] if repr(f).startswith("0.") else repr(f)  # .5
        return text, float(text)
    return repr(f), f


def _gap(draw, inside: bool) -> str:
    """Whitespace between tokens; line breaks only inside brackets, where Python allows them
    (or after a backslash)."""
    choices = ["", "", " ", "  ", "\t", "\x0c", " \\\n"]  # form feed, explicit line joining
    choices += ["\n", "\r\n", "\r", " \n  "] if inside else []
    return draw(st.sampled_from(choices))


@st.composite
def arithmetic(
    draw, depth: int = 0, inside: bool = False, names: bool = True
) -> tuple[str, ast.expr]:
    """(source text, tree) of an expression made only of documented constructs, written with
    random spacing, line breaks and redundant parentheses; with ``names`` False, of numbers
    alone. The tree is built here, not parsed: it is what the text means."""
    leaf = depth >= 4 or draw(st.integers(0, 4 - depth)) == 0  # likelier further down
    names = names and draw(st.integers(0, 3)) > 0  # some subtrees of numbers alone: 2 ** 0.5
    if leaf:
        if names and draw(st.booleans()):
            name = draw(st.sampled_from(VARIABLE_SPELLINGS))
            text, node = name, ast.Name(name, ast.Load())
        else:
            text, value = draw(number_literals())
            node = ast.Constant(value)
    else:
        kind = draw(st.sampled_from(["binary", "binary", "unary", "call"]))
        if kind == "binary":
            op = draw(st.sampled_from(list(BINARY)))
            symbol = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}[op]
            lt, left = draw(arithmetic(depth + 1, True, names))
            rt, right = draw(arithmetic(depth + 1, True, names))
            text = f"({lt}){_gap(draw, inside)}{symbol}{_gap(draw, inside)}({rt})"
            node = ast.BinOp(left, op(), right)
        elif kind == "unary":
            op = draw(st.sampled_from(list(UNARY)))
            ot, operand = draw(arithmetic(depth + 1, True, names))
            text = f"{'-' if op is ast.USub else '+'}{_gap(draw, inside)}({ot})"
            node = ast.UnaryOp(op(), operand)
        else:
            name = draw(st.sampled_from(FUNCTION_NAMES))
            least, most = ARITY[name]
            args = [
                draw(arithmetic(depth + 1, True, names))
                for _ in range(draw(st.integers(least, most)))
            ]
            sep = "," + _gap(draw, True)
            trailing = draw(st.sampled_from(["", ","]))
            text = f"{name}({_gap(draw, True)}{sep.join(t for t, _ in args)}{trailing})"
            node = ast.Call(ast.Name(name, ast.Load()), [a for _, a in args], [])
    if draw(st.integers(0, 4)) == 0:  # redundant parentheses, inside which lines may break
        text = f"({_gap(draw, True)}{text}{_gap(draw, True)})"
    return text, node


variable_values = st.one_of(
    st.floats(-10, 10),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, math.inf, -math.inf, math.nan]),
    st.floats(allow_nan=True, allow_infinity=True),
)


def names_in(tree: ast.AST) -> list[str]:
    """The variable spellings used in ``tree``, one spelling per name, in order."""
    spellings: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not (node.id in ARITY and _is_called(tree, node)):
            spellings.setdefault(name_of(node.id), node.id)
    return list(spellings.values())


def _is_called(tree: ast.AST, name: ast.Name) -> bool:
    return any(isinstance(n, ast.Call) and n.func is name for n in ast.walk(tree))


@st.composite
def arithmetic_with_values(draw) -> tuple[str, ast.expr, dict[str, float]]:
    """An arithmetic expression, maybe with a trailing comment and surrounding whitespace,
    and a value for each of its variables, set under a spelling of its name that may differ
    from the one the expression uses (ﬁ for fi)."""
    text, tree = draw(arithmetic())
    if draw(st.booleans()):
        text += draw(st.sampled_from(["  # a comment", " #é ü", "\t# ( not closed"]))
    text = draw(st.sampled_from(["", " ", "\n", "\t "])) + text + draw(st.sampled_from(["", " \n"]))
    values = {}
    for spelling in names_in(tree):
        # Set it as written, or as another spelling of the same name.
        others = [s for s in VARIABLE_SPELLINGS if name_of(s) == name_of(spelling)]
        values[draw(st.sampled_from(others))] = draw(variable_values)
    return text, tree, values


# -- strategies: anything at all ------------------------------------------------------------------
EXPRESSION_CHARACTERS = list("xywb()+-*/.,0123456789e_ \t\n#:=[]{}'\"\\@%&|^~<>!;") + [
    "tanh", "log", "leaky_relu", "lambda", "**", "__", "import", "f'", "é", "ﬁ", "\0", "\ud800",
]  # fmt: skip
random_text = st.one_of(
    st.text(),
    st.text(st.characters(exclude_categories=())),  # lone surrogates too
    st.lists(st.sampled_from(EXPRESSION_CHARACTERS), max_size=40).map("".join),
)


@st.composite
def long_or_deep(draw) -> str:
    """Repetition: near and over the length limit, and nesting far past Python's limits."""
    fragment = st.sampled_from(
        ["(", "-", "+", "tanh(", "[", "{", "x+", "x**", "-(", "lambda:", "not ", "f'{", "x.",
         "abs(", "x*", "1+", "x if x else ", "(x,", "𝑥+", "x[", "x(", " "]
    )  # fmt: skip
    prefix, suffix = draw(fragment), draw(st.sampled_from(["", ")", "]", "}", "x", "x)", "'}"]))
    core = draw(st.sampled_from(["x", "1", "tanh(x)", "", "x)", "é"]))
    n = draw(st.one_of(st.integers(0, 6000), st.sampled_from([199, 200, 201, 2999, 4999, 5000])))
    text = prefix * n + core + suffix * draw(st.sampled_from([0, n]))
    if draw(st.booleans()):  # exactly at, or just over, the length limit
        text = (text * (MAX_LENGTH // max(len(text), 1) + 1))[
            : MAX_LENGTH + draw(st.integers(-1, 1))
        ]
    return text


# Python syntax trees of every kind, rendered to source with ast.unparse.
NAMES = [
    "x", "y", "tanh", "log", "leaky_relu", "abs", "__import__", "eval", "exec", "open",
    "getattr", "globals", "vars", "compile", "print", "breakpoint", "input", "chainrule_sentinel",
    "__builtins__", "__class__", "__dict__", "Value", "os", "sys", "_", "ﬁ", "𝑥",
]  # fmt: skip
ATTRIBUTES = ["data", "grad", "__class__", "__globals__", "__subclasses__", "__code__", "system"]


def _leaves() -> st.SearchStrategy[ast.expr]:
    return st.one_of(
        st.sampled_from(NAMES).map(lambda n: ast.Name(n, ast.Load())),
        st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True).map(
            lambda n: ast.Name(n, ast.Load())
        ),
        st.one_of(
            st.integers(-(10**30), 10**30),
            st.floats(allow_nan=False),
            st.complex_numbers(allow_nan=False, allow_infinity=False),
            st.text(max_size=5),
            st.binary(max_size=3),
            st.sampled_from([True, False, None, Ellipsis, f"{MARKER_MODULE}"]),
        ).map(ast.Constant),
    )


def _compound(kids: st.SearchStrategy[ast.expr]) -> st.SearchStrategy[ast.expr]:
    ops = [ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.FloorDiv, ast.Mod, ast.MatMult,
           ast.LShift, ast.RShift, ast.BitAnd, ast.BitOr, ast.BitXor]  # fmt: skip
    unary = [ast.USub, ast.UAdd, ast.Not, ast.Invert]
    compares = [ast.Lt, ast.Eq, ast.Is, ast.In, ast.NotIn, ast.GtE]
    load = ast.Load()

    def comprehension(target: str, it: ast.expr) -> ast.comprehension:
        return ast.comprehension(ast.Name(target, ast.Store()), ast.List([it], load), [], 0)

    call_func = st.one_of(
        st.sampled_from(NAMES + FUNCTION_NAMES).map(lambda n: ast.Name(n, ast.Load())),
        st.builds(ast.Attribute, kids, st.sampled_from(ATTRIBUTES), st.just(load)),
        st.builds(lambda b: ast.Lambda(_no_arguments(), b), kids),
    )
    return st.one_of(
        st.builds(lambda a, op, b: ast.BinOp(a, op(), b), kids, st.sampled_from(ops), kids),
        st.builds(lambda op, a: ast.UnaryOp(op(), a), st.sampled_from(unary), kids),
        st.builds(
            lambda f, args, kws, star: ast.Call(
                f, args + ([ast.Starred(star, load)] if star is not None else []), kws
            ),
            call_func,
            st.lists(kids, max_size=3),
            st.lists(
                st.builds(ast.keyword, st.sampled_from(["x", "slope", None]), kids), max_size=1
            ),
            st.none() | kids,
        ),
        st.builds(lambda a, attr: ast.Attribute(a, attr, load), kids, st.sampled_from(ATTRIBUTES)),
        st.builds(lambda a, i: ast.Subscript(a, i, load), kids, kids | st.builds(ast.Slice, kids)),
        st.builds(lambda b: ast.Lambda(_no_arguments(), b), kids),
        st.builds(lambda e, it: ast.ListComp(e, [comprehension("_", it)]), kids, kids),
        st.builds(lambda e, it: ast.GeneratorExp(e, [comprehension("_", it)]), kids, kids),
        st.builds(lambda e, it: ast.SetComp(e, [comprehension("_", it)]), kids, kids),
        st.builds(lambda k, v, it: ast.DictComp(k, v, [comprehension("_", it)]), kids, kids, kids),
        st.builds(lambda v: ast.JoinedStr([ast.FormattedValue(v, -1, None)]), kids),
        st.builds(lambda v: ast.NamedExpr(ast.Name("y", ast.Store()), v), kids),
        st.builds(lambda a, b: ast.BoolOp(ast.And(), [a, b]), kids, kids),
        st.builds(
            lambda a, op, b: ast.Compare(a, [op()], [b]), kids, st.sampled_from(compares), kids
        ),
        st.builds(ast.IfExp, kids, kids, kids),
        st.builds(lambda xs: ast.Tuple(xs, load), st.lists(kids, max_size=3)),
        st.builds(lambda xs: ast.List(xs, load), st.lists(kids, max_size=3)),
        st.builds(lambda xs: ast.Set(xs), st.lists(kids, min_size=1, max_size=3)),
        st.builds(lambda k, v: ast.Dict([k], [v]), kids, kids),
        st.builds(ast.Await, kids),
        st.builds(ast.Yield, kids),
    )


def _no_arguments() -> ast.arguments:
    return ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[])


python_trees = st.one_of(
    st.recursive(_leaves(), _compound, max_leaves=12),
    # One construct of any kind over documented arithmetic: a single forbidden node
    # (x.data, tanh(x)[0], log(y, base=2)) must be enough to refuse the whole.
    _compound(st.one_of(_leaves(), arithmetic().map(lambda case: case[1]))),
)


FORBIDDEN_BINARY = [ast.FloorDiv, ast.Mod, ast.MatMult, ast.LShift, ast.RShift, ast.BitAnd,
                    ast.BitOr, ast.BitXor]  # fmt: skip
FORBIDDEN_UNARY = [ast.Not, ast.Invert]
FORBIDDEN_CONSTANTS = [True, False, None, Ellipsis, "x", b"x", 1j]


@st.composite
def one_forbidden(draw) -> ast.expr:
    """Documented arithmetic with one forbidden operator or constant somewhere inside."""
    _, tree = draw(arithmetic())
    kind = draw(st.sampled_from(["binary", "unary", "constant"]))
    if kind == "binary":
        bad: ast.expr = ast.BinOp(
            draw(arithmetic())[1], draw(st.sampled_from(FORBIDDEN_BINARY))(), draw(arithmetic())[1]
        )
    elif kind == "unary":
        bad = ast.UnaryOp(draw(st.sampled_from(FORBIDDEN_UNARY))(), draw(arithmetic())[1])
    else:
        bad = ast.Constant(draw(st.sampled_from(FORBIDDEN_CONSTANTS)))
    # Put it in place of one node of the tree (the root included).
    slots = [
        (parent, field, i)
        for parent in ast.walk(tree)
        for field in ("left", "right", "operand", "args")
        if hasattr(parent, field)
        for i in (range(len(parent.args)) if field == "args" else [None])
    ]
    if not slots or draw(st.integers(0, len(slots))) == 0:
        return bad
    parent, field, i = draw(st.sampled_from(slots))
    if i is None:
        setattr(parent, field, bad)
    else:
        parent.args[i] = bad
    return tree


def _source(tree: ast.expr) -> str | None:
    try:
        return ast.unparse(ast.fix_missing_locations(ast.Expression(tree)))
    except Exception:  # noqa: BLE001 - some generated combinations have no source form
        return None


#: Source text of random Python expressions (trees ast.unparse cannot write are skipped).
python_sources = python_trees.map(_source).filter(lambda text: text is not None)


# -- the parser, in-process -------------------------------------------------------------------
def test_the_documented_functions_are_the_parsers():
    assert sorted(FUNCTION_NAMES) == sorted(FUNCTIONS), "docs/viz.md and the parser disagree"


@settings(deadline=None)
@given(arithmetic_with_values())
def test_documented_arithmetic_computes_what_values_compute(case):
    text, tree, values = case
    assert check_parser_against_spec(text) is not None, short(text)
    check_evaluation(text, values, tree)


@settings(deadline=None)
@given(python_sources, st.dictionaries(st.sampled_from(["x", "y", "fi"]), variable_values))
def test_python_syntax_of_every_kind_is_refused_unless_documented(text, values):
    accepted = check_parser_against_spec(text)
    if accepted is not None:
        check_evaluation(text, values, accepted)


@settings(deadline=None)
@given(one_forbidden())
def test_one_forbidden_operator_or_constant_anywhere_refuses_the_whole(tree):
    text = _source(tree)
    assert text is not None and python_reads(text) is not None and not allowed(tree)
    outcome = parse_outcome(text)
    assert isinstance(outcome, ExpressionError), short(text)
    event(f"refused: {_kind(outcome)}")


@settings(deadline=None)
@given(random_text, st.dictionaries(st.sampled_from(["x", "y"]), variable_values))
def test_random_text_is_refused_with_a_message_or_computed_right(text, values):
    accepted = check_parser_against_spec(text)
    if accepted is not None:
        check_evaluation(text, values, accepted)


@settings(deadline=None)
@given(long_or_deep())
@example("-" * 9_999 + "x")  # Python's parser recurses once per sign
@example("(" * MAX_LENGTH)
@example("x+" * 4_999 + "x")  # flat to the eye, 5,000 deep to ast
@example("x**" * 3_000 + "x")
@example("x." * 4_999 + "x")
@example("x" + "[0]" * 3_300)
@example("tanh(" * 1_600 + "x" + ")" * 1_600)
def test_long_and_deeply_nested_input_never_escapes_as_another_error(text):
    accepted = check_parser_against_spec(text)
    if len(text) > MAX_LENGTH:
        assert accepted is None
    if accepted is not None:
        check_evaluation(text, {"x": 0.5}, accepted)


def test_input_too_deep_for_pythons_parser_is_refused_with_a_message():
    # Hypothesis raises the recursion limit while it runs, which lets Python's parser go
    # deeper than it does in a plain process (python -m autograd.viz): here, a plain limit.
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 200)
    try:
        for text in ["x+" * 4_999 + "x", "x." * 4_999 + "x", "-" * 9_999 + "x"]:
            outcome = parse_outcome(text)
            assert isinstance(outcome, ExpressionError) and "deeply nested" in str(outcome)
    finally:
        sys.setrecursionlimit(limit)


# -- the command line, in-process ------------------------------------------------------------------
@pytest.fixture(scope="module")
def out_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz-cli")


def run_main(argv: list[str], output: Path) -> tuple[int, str, str]:
    """main(argv) with stdout and stderr captured, watched: nothing but ``output`` opened."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with nothing_runs(allowed_opens=(str(output),)):
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            status = main(argv)
    return status, stdout.getvalue(), stderr.getvalue()


def bad_assignments(items: list[str]) -> bool:
    """Whether some --set is not NAME=NUMBER (NAME an identifier that is not a function,
    NUMBER what float() reads) or names a variable already set."""
    names = set()
    for item in items:
        name, eq, number = item.partition("=")
        name = name_of(name.strip()) if name.strip().isidentifier() else ""
        if not eq or not name or name in ARITY or name in names:
            return True
        try:
            float(number)
        except ValueError:
            return True
        names.add(name)
    return False


def variables_of(items: list[str]) -> dict[str, float]:
    return {name.strip(): float(number) for name, _, number in (i.partition("=") for i in items)}


names_for_set = st.one_of(
    st.sampled_from(VARIABLE_SPELLINGS + FUNCTION_NAMES + ["ｔａｎｈ", "if", "None", "1x", ""]),
    st.text(max_size=6),
)
numbers_for_set = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "-inf", " 2 ", "1_000", "1e999", "٣", "0x10", "", "1,5", "2=3"]),
    st.text(max_size=6),
)
assignments = st.lists(
    st.one_of(
        st.builds(lambda n, v: f"{n}={v}", names_for_set, numbers_for_set),
        st.text(max_size=12),
    ),
    max_size=4,
)
#: --digits and --max-nodes: in range, out of range, or not numbers at all.
picture_options = st.fixed_dictionaries(
    {},
    optional={
        "digits": st.one_of(st.integers(-2, 20).map(str), st.text(max_size=3)),
        "max-nodes": st.one_of(st.integers(-2, 400).map(str), st.text(max_size=3)),
    },
)


def _reads_as_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


#: (expression, values to --set): arithmetic with its values, or anything with none.
cli_cases = st.one_of(
    arithmetic_with_values().map(lambda case: (case[0], case[2])),
    st.tuples(
        st.one_of(arithmetic().map(lambda case: case[0]), random_text, python_sources), st.just({})
    ),
)


@settings(deadline=None)
@given(cli_cases, assignments, st.data())
def test_the_command_line_exits_cleanly_with_one_line_of_error(out_dir, case, extra, data):
    expression, values = case
    if not values and data.draw(st.booleans()):  # a value for each name used
        tree = python_reads(expression)
        values = {name: data.draw(variable_values) for name in names_in(tree or ast.Module())}
    items = [f"{name}={value!r}" for name, value in values.items()]
    if items and data.draw(st.booleans()):  # one variable set again, maybe as ﬁ
        spelling = data.draw(st.sampled_from(list(values)))
        twins = [s for s in VARIABLE_SPELLINGS if name_of(s) == name_of(spelling)]
        twins = [s for s in twins if s != spelling] or [spelling]
        items.append(f"{data.draw(st.sampled_from(twins))}=1")
    items += extra[: data.draw(st.integers(0, len(extra)))]
    options = data.draw(picture_options)
    output = out_dir / "graph.dot"
    output.unlink(missing_ok=True)
    # --set=VALUE and -- keep every generated string an argument, never an option.
    argv = [f"--set={item}" for item in items]
    argv += [f"--{name}={value}" for name, value in options.items()]
    argv += ["-o", str(output), "--", expression]
    status, stdout, stderr = run_main(argv, output)
    assert status in (0, 1, 2)
    event(f"exit status {status}")
    usage_error = bad_assignments(items) or any(
        not _reads_as_int(options.get(name, "1")) for name in ("digits", "max-nodes")
    )
    if status:
        assert stdout == "" and not output.exists()
        assert stderr.startswith("error: ") and stderr.count("\n") == 1, stderr
        assert "internal error" not in stderr and "Traceback" not in stderr
        assert (status == 2) == usage_error, (items, options, stderr)
        return
    assert stderr == "" and not usage_error
    assert 1 <= int(options.get("digits", "4")) <= 17 and int(options.get("max-nodes", "1")) >= 1
    assert output.read_text(encoding="utf-8").startswith("digraph")
    # The numbers it prints are those of the direct computation.
    tree = python_reads(expression)
    assert tree is not None and allowed(tree)
    expected, leaves = direct(tree, variables_of(items))
    want = expected.data if isinstance(expected, Value) else expected
    if isinstance(expected, Value):
        expected.backward()
    lines = stdout.splitlines()
    assert lines[0].endswith(f" = {want:.6g}") and lines[-1] == f"wrote {output}"
    printed = dict(line.strip().removeprefix("d/d").split(" = ") for line in lines[1:-1])
    assert printed == {name: f"{leaf.grad:.6g}" for name, leaf in leaves.items()}


def test_output_the_console_cannot_encode_is_escaped_not_a_traceback(out_dir, monkeypatch):
    # A stdout that writes only ASCII (a pipe on Windows writes cp1252): the expression
    # and its variable names are the user's text, and the picture is already written.
    output = out_dir / "ascii.dot"
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="strict")
    monkeypatch.setattr(sys, "stdout", stdout)
    assert main(["--set", "日=2", "-o", str(output), "--", "日 * 2  # ü"]) == 0
    stdout.seek(0)
    printed = stdout.read().splitlines()
    assert printed[0] == "\\u65e5 * 2 # \\xfc = 4" and printed[1] == "  d/d\\u65e5 = 2"


def test_a_name_is_set_as_python_reads_it():
    # Python reads the ligature ﬁ as fi, and 𝑥 as x: --set ﬁ=2 sets the fi in "ﬁ * x".
    out, leaves = evaluate("ﬁ * 𝑥", {"ﬁ": 2.0, "x": 3.0})
    assert out.data == 6.0 and sorted(leaves) == ["fi", "x"]
    with pytest.raises(ExpressionError, match="same name"):
        evaluate("fi", {"ﬁ": 1.0, "fi": 2.0})


# -- the command line, as a real process: a handful ------------------------------------------------
def cli(args: list[str | bytes], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PATH": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "-m", "autograd.viz", *args],
        capture_output=True,
        timeout=120,  # a hang guard, not a speed claim
        env=environment,
        cwd=tmp_path,
    )


def assert_one_line_of_error(done: subprocess.CompletedProcess) -> str:
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 1 and done.stdout == b"", stderr
    assert stderr.startswith("error: ") and stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    return stderr


HARD = [
    pytest.param("(" * 10_000, "nested parentheses", id="10000 open brackets"),
    pytest.param("-" * 9_999 + "x", "too deeply nested", id="9999 minus signs"),
    pytest.param("x" * (MAX_LENGTH + 1), "longer than", id="over the length limit"),
    pytest.param("(lambda: " * 50 + "x" + ")" * 50, "lambdas", id="nested lambdas"),
    pytest.param(b"tanh(x\xff)", "not a valid expression", id="bytes that are not UTF-8"),
    pytest.param(f"__import__('{MARKER_MODULE}')", "unknown function", id="__import__"),
    # Python's parser only warns about these: the warning would be a second line.
    pytest.param("1if x else 2", "invalid decimal literal", id="a SyntaxWarning"),
    pytest.param("'\\d'", "invalid escape sequence", id="a DeprecationWarning"),
]


@pytest.mark.parametrize("expression, message", HARD)
def test_hard_input_in_a_real_process_is_one_line_of_error(tmp_path, expression, message):
    # -W always: a warning Python's parser issues would show, whatever the defaults.
    done = cli(["--set", "x=1", "-o", "g.svg", "--", expression], tmp_path, PYTHONWARNINGS="always")
    assert message in assert_one_line_of_error(done)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written


def test_a_long_sum_and_unicode_names_in_a_real_process(tmp_path):
    terms = 2_000
    done = cli(
        ["--set", "ﬁ=2", "-o", "g.svg", "--", "+".join(["ﬁ"] * terms) + " # ü"],
        tmp_path,
        PYTHONIOENCODING="ascii",  # a console that cannot show ﬁ or ü
    )
    assert done.returncode == 0 and done.stderr == b"", done.stderr
    lines = done.stdout.decode("ascii").splitlines()
    assert lines[0].endswith(f" = {2 * terms}") and lines[1] == f"  d/dfi = {terms}"
    assert (tmp_path / "g.svg").read_bytes().startswith(b"<?xml")
