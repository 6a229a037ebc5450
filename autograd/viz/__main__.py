"""The command line: ``python -m autograd.viz EXPRESSION --set NAME=NUMBER ... -o FILE``.

Parses the expression (``autograd.viz.expression``: never evaluated as Python), computes it
with the engine, runs backward from the result and renders the graph (an ``-o`` ending in
``.html`` writes the explorer page, ``autograd.viz.explore``, instead). Every failure is one
line on stderr and a non-zero exit status: 2 for a bad command line, 1 for the rest.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from typing import TextIO

from .draw import MAX_NODES, RANKDIRS
from .explore import explore
from .expression import FUNCTIONS, ExpressionError, evaluate, variable_name
from .render import render
from .runner import RenderError

_EXAMPLE = 'python -m autograd.viz "tanh(x*w + b)" --set x=2 --set w=-3 --set b=6.88 -o neuron.svg'


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    # argparse prints the whole usage before its error; one line is what the CLI promises.
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="python -m autograd.viz",
        description="Draw the computation graph of an arithmetic expression, after backward.",
        epilog=(
            f"Functions: {', '.join(sorted(FUNCTIONS))}. Operators: + - * / ** and unary -. "
            f"Example: {_EXAMPLE}. An expression that starts with a minus sign goes last, "
            "after the options and --: ... --set x=2 -- -x*x"
        ),
    )
    p.add_argument("expression", help='for example "tanh(x*w + b)"')
    p.add_argument(
        "--set",
        metavar="NAME=NUMBER",
        action="append",
        default=[],
        dest="assignments",
        help="give a variable its value (repeat for each variable)",
    )
    p.add_argument(
        "-o",
        "--output",
        default="graph.svg",
        help="the file to write (graph.svg); .html writes the page that steps through backprop",
    )
    p.add_argument("--rankdir", choices=RANKDIRS, default="LR", help="layout direction (LR)")
    p.add_argument("--digits", type=int, default=4, help="significant digits shown (4)")
    p.add_argument(
        "--max-nodes", type=int, default=MAX_NODES, help=f"values drawn at most ({MAX_NODES})"
    )
    return p


def _assignments(items: list[str]) -> dict[str, float]:
    variables: dict[str, float] = {}
    for item in items:
        name, eq, number = item.partition("=")
        name = name.strip()
        if not eq or not name.isidentifier():
            raise _UsageError(f"--set {item!r}: write NAME=NUMBER, as in --set x=2.5")
        # As Python reads the name in the expression: --set ﬁ=1 sets the fi of "ﬁ * 2".
        name = variable_name(name)
        if name in FUNCTIONS:
            raise _UsageError(f"--set {item!r}: {name} is a function, not a variable")
        try:
            value = float(number)
        except ValueError:
            raise _UsageError(f"--set {item!r}: {number.strip()!r} is not a number") from None
        if name in variables:
            raise _UsageError(f"--set {item!r}: {name} is already set")
        variables[name] = value
    return variables


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    try:
        args = _parser().parse_args(argv)
        variables = _assignments(args.assignments)
        out, leaves = evaluate(args.expression, variables)
        out.backward()
        # group=None: an expression's labels are its own text, not nn's tags.
        options = {"rankdir": args.rankdir, "digits": args.digits, "max_nodes": args.max_nodes}
        if args.output.lower().endswith((".html", ".htm")):  # the explorer page
            path = explore(out, args.output, group=None, title=args.expression, **options)
        else:
            path = render(out, args.output, group=None, **options)
    except _UsageError as error:
        _say(f"error: {_one_line(error)}", sys.stderr)
        return 2
    except (ExpressionError, RenderError, ValueError, OSError) as error:
        _say(f"error: {_one_line(error)}", sys.stderr)
        return 1
    except Exception as error:  # a bug of ours: still one line, as promised, never a traceback
        _say(f"error: internal error: {type(error).__name__}: {_one_line(error)}", sys.stderr)
        return 1
    _say(f"{_one_line(args.expression)} = {_num(out.data)}", sys.stdout)
    for name, leaf in leaves.items():
        _say(f"  d/d{name} = {_num(leaf.grad)}", sys.stdout)
    _say(f"wrote {path}", sys.stdout)
    return 0


def _say(line: str, stream: TextIO) -> None:
    """Print ``line``, with what ``stream``'s encoding cannot write as backslash escapes.

    The expression, its variables' names and the output path are the user's text: a
    stdout that writes ASCII or cp1252 (a pipe on Windows, PYTHONIOENCODING) would
    otherwise fail with a traceback on ``日 * 2``, after the picture was written.
    """
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        line.encode(encoding, getattr(stream, "errors", None) or "strict")
    except UnicodeEncodeError:
        line = line.encode(encoding, "backslashreplace").decode(encoding, "replace")
    except LookupError:  # an encoding Python does not know: the stream will say so itself
        pass
    print(line, file=stream)


def _num(x: float) -> str:
    return format(x, ".6g") if math.isfinite(x) else str(x)


def _one_line(thing: object) -> str:
    """``str(thing)`` on one line (an error message, the expression echoed back)."""
    return " ".join(str(thing).split()) or type(thing).__name__


if __name__ == "__main__":
    sys.exit(main())
