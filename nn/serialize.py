"""Model files: state dicts as JSON, and the checks a state must pass before it is loaded.

JSON, never pickle: loading a model file must not be able to run code. A file is one JSON
object, a parameter entry per line, each a number (a scalar parameter) or a list of numbers
(a list of parameters, such as a neuron's weights):

    {
      "layers.0.neurons.0.w": [0.23, -0.71],
      "layers.0.neurons.0.b": 0.0,
      ...
    }

Floats are written with ``repr`` precision, so a round trip is bit for bit.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

from autograd import Value


class StateDictError(ValueError):
    """A state dict or model file that does not fit the module; nothing was loaded."""


def _show(value: object) -> str:
    """``repr(value)``, cut short: a damaged file may hold a huge string or number."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(value: object, name: str) -> float:
    # bool is an int subclass, and a JSON true is no weight: refuse it by exact type.
    if type(value) is not int and type(value) is not float:
        raise StateDictError(
            f"{name} holds {type(value).__name__} {_show(value)}, expected a finite number"
        )
    try:
        x = float(value)
    except OverflowError:  # an integer too large for a float
        x = math.inf
    if not math.isfinite(x):
        raise StateDictError(f"{name} holds {_show(value)}, expected a finite number")
    return x


def check_state(
    entries: list[tuple[str, Value | list[Value]]], state: Any
) -> list[tuple[Value, float]]:
    """Each parameter of ``entries`` with the number ``state`` gives it, or a ``StateDictError``.

    Nothing is assigned here: the caller assigns only once everything has passed.
    """
    if not isinstance(state, dict):
        raise StateDictError(
            f"a state dict is an object mapping parameter names to numbers, "
            f"got {type(state).__name__}"
        )
    names = [name for name, _ in entries]
    missing = [n for n in names if n not in state]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise StateDictError(f"missing parameter {missing[0]!r}{more}")
    known = set(names)
    extra = [k for k in state if k not in known]
    if extra:
        more = f" (and {len(extra) - 1} more)" if len(extra) > 1 else ""
        raise StateDictError(
            f"unexpected parameter {extra[0]!r}{more}: this model has no such entry"
        )
    out: list[tuple[Value, float]] = []
    for name, entry in entries:
        given = state[name]
        if isinstance(entry, Value):
            if isinstance(given, (list, tuple)):
                raise StateDictError(f"{name} is a list of {len(given)}, expected one number")
            out.append((entry, _number(given, name)))
        else:
            if not isinstance(given, (list, tuple)):
                raise StateDictError(
                    f"{name} holds {type(given).__name__} {_show(given)}, "
                    f"expected a list of {len(entry)} numbers"
                )
            if len(given) != len(entry):
                raise StateDictError(f"{name} has {len(given)} numbers, expected {len(entry)}")
            out += [(v, _number(x, f"{name}.{i}")) for i, (v, x) in enumerate(zip(entry, given))]
    return out


def write_json(state: dict[str, float | list[float]], path: str | os.PathLike[str]) -> None:
    """Write a state dict, one entry per line; refuse non-finite numbers (JSON has none)."""
    lines = []
    for name, value in state.items():
        numbers = value if isinstance(value, list) else [value]
        for i, x in enumerate(numbers):
            if not math.isfinite(x):
                where = f"{name}.{i}" if isinstance(value, list) else name
                raise ValueError(f"cannot save {where} = {x!r}: JSON has no {x!r}")
        lines.append(f"  {json.dumps(name)}: {json.dumps(value)}")
    text = "{\n" + ",\n".join(lines) + "\n}\n"
    # Written beside the target, then renamed over it: an interrupted save never leaves a
    # half-written file where a good one was.
    tmp = f"{os.fspath(path)}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise StateDictError(f"parameter {key!r} appears twice")
        out[key] = value
    return out


def read_json(path: str | os.PathLike[str]) -> Any:
    """The JSON value in ``path``; a ``StateDictError`` if the file is not valid JSON."""
    with open(path, "rb") as f:
        raw = f.read()
    where = os.fspath(path)
    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except UnicodeDecodeError as error:
        raise StateDictError(f"{where} is not a model file: not UTF-8 text ({error})") from None
    except json.JSONDecodeError as error:
        raise StateDictError(f"{where} is not valid JSON: {error}") from None
    except StateDictError as error:
        raise StateDictError(f"{where}: {error}") from None
    except RecursionError:
        raise StateDictError(f"{where} is not a model file: nested too deeply") from None
