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

What comes out, and when:

- ``write_json`` writes atomically: the text goes to a temporary file beside the target (for
  a symlink, beside the file it points to: the link is written through, not replaced), which
  is then renamed over it. On any failure, that file is removed and the target is as it was.
  Problems with the path are ``OSError``\\ s (``IsADirectoryError``, ``FileNotFoundError``
  for a missing folder, ``PermissionError``, ...) whose message names the user's path.
- ``read_json`` raises the same ``OSError`` kinds for a file that cannot be read (missing, a
  folder, no permission), and a ``StateDictError`` naming the file for anything about its
  contents: not UTF-8, not JSON, a key given twice, a number that is no float (NaN,
  Infinity, too large, too long). Such a number is kept as a ``BadNumber`` and reported by
  ``check_state`` with the key it is under.
"""

from __future__ import annotations

import contextlib
import json
import math
import numbers
import os
import reprlib
import secrets
import stat
from collections.abc import Mapping
from typing import Any

from autograd import Value

__all__ = ["StateDictError"]


class StateDictError(ValueError):
    """A state dict or model file that does not fit the module; nothing was loaded."""


#: The longest number a model file may hold, in characters. The longest exact decimal
#: expansion of a finite double (the smallest subnormal, 0.000...494...) is 1077 characters;
#: ``save`` writes at most 24.
MAX_NUMBER_CHARS = 1100


class BadNumber:
    """A number in a file that is no finite float, with the reason; reported with its key."""

    __slots__ = ("text", "reason")

    def __init__(self, text: str, reason: str) -> None:
        self.text, self.reason = text, reason

    def __repr__(self) -> str:
        return self.text if len(self.text) <= 40 else f"{self.text[:20]}..."


_REPR = reprlib.Repr()
# long enough for any parameter name a model gives, short enough for a damaged file's junk
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxstring, _REPR.maxother = 2, 4, 4, 100, 40


def _show(value: object) -> str:
    """``repr(value)``, cut short: a damaged file may hold a huge string, list or number."""
    if type(value) is int and value.bit_length() > 1000:  # repr may refuse to write it
        return f"an integer of about {int(value.bit_length() * math.log10(2))} digits"
    try:
        text = _REPR.repr(value)
    except Exception:  # an int beyond Python's digit limit, a broken __repr__
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 120 else text[:117] + "..."


def _kind(value: object) -> str:
    return "number" if isinstance(value, BadNumber) else type(value).__name__


def _number(value: object, name: str) -> float:
    # exact types first (the common case); bool is an int subclass, and a JSON true is no
    # weight: refuse it, and NumPy's bool_, which is no numbers.Real.
    if type(value) is not float and type(value) is not int:
        if isinstance(value, BadNumber):
            raise StateDictError(f"{name} holds {value!r}, {value.reason}")
        if not isinstance(value, numbers.Real) or isinstance(value, bool):
            raise StateDictError(
                f"{name} holds {_kind(value)} {_show(value)}, expected a finite number"
            )
    try:
        x = float(value)
    except OverflowError:  # an integer too large for a float
        raise StateDictError(f"{name} holds {_show(value)}, too large for a float") from None
    if not math.isfinite(x):
        raise StateDictError(f"{name} holds {_show(value)}, expected a finite number")
    return x


def _list(given: object, name: str, n: int) -> list[Any]:
    if isinstance(given, (list, tuple)):
        if len(given) != n:
            raise StateDictError(f"{name} has {len(given)} numbers, expected {n}")
        return list(given)
    hint = " (convert it with .tolist())" if hasattr(given, "tolist") else ""
    raise StateDictError(
        f"{name} holds {_kind(given)} {_show(given)}, expected a list of {n} numbers{hint}"
    )


def _some(names: list[Any]) -> str:
    more = f" (and {len(names) - 1} more)" if len(names) > 1 else ""
    return f"{_show(names[0])}{more}"


def check_state(
    entries: list[tuple[str, Value | list[Value]]], state: Any, strict: bool = True
) -> list[tuple[Value, float]]:
    """Each parameter of ``entries`` with the number ``state`` gives it, or a ``StateDictError``.

    With ``strict=False`` (PyTorch's), an entry that ``state`` lacks is left alone and an
    entry that the module lacks is ignored; but a state that matches no entry at all is
    still refused (it is surely the wrong file). Nothing is assigned here: the caller
    assigns only once everything has passed.
    """
    if not isinstance(state, Mapping):
        raise StateDictError(
            f"a state dict is an object mapping parameter names to numbers, "
            f"got {_kind(state)} {_show(state)}"
        )
    names = [name for name, _ in entries]
    known = set(names)
    missing = [n for n in names if n not in state]
    extra = [k for k in state if k not in known]
    if strict and (missing or extra):
        problems = []
        if missing:
            problems.append(f"missing parameter {_some(missing)}")
        if extra:
            problems.append(f"unexpected parameter {_some(extra)}: this model has no such entry")
        raise StateDictError("; ".join(problems))
    if not strict and entries and len(missing) == len(entries) and state:
        raise StateDictError(
            f"no entry matches a parameter of this model: it has {_some(names)}, "
            f"the state has {_some(list(state))}"
        )
    out: list[tuple[Value, float]] = []
    for name, entry in entries:
        if name not in state:
            continue
        given = state[name]
        if isinstance(entry, Value):
            if isinstance(given, (list, tuple)):
                raise StateDictError(f"{name} is a list of {len(given)}, expected one number")
            out.append((entry, _number(given, name)))
        else:
            given = _list(given, name, len(entry))
            out += [(v, _number(x, f"{name}.{i}")) for i, (v, x) in enumerate(zip(entry, given))]
    return out


# -- paths ---------------------------------------------------------------------------------


def user_path(path: object, verb: str) -> str:
    """``path`` as a string (``str``, ``pathlib.Path`` or bytes), or a ``TypeError`` /
    ``ValueError`` saying what was given instead."""
    if isinstance(path, (str, bytes, os.PathLike)):
        where = os.fspath(path)
        text = os.fsdecode(where) if isinstance(where, bytes) else where
        if not text:
            raise ValueError(f"cannot {verb}: the path is empty (give a file name, 'model.json')")
        if "\x00" in text:
            raise ValueError(f"cannot {verb} {text!r}: a path cannot hold a NUL character")
        return text
    if hasattr(path, "read") or hasattr(path, "write"):
        raise TypeError(
            f"{verb} takes a file name (a str or pathlib.Path), not an open file: "
            f"pass its name, model.{verb}('model.json')"
        )
    raise TypeError(
        f"{verb} takes a file name (a str or pathlib.Path), got {_kind(path)} {_show(path)}"
    )


def _os_error(error: OSError, message: str) -> OSError:
    """An error of the same kind as ``error`` (so ``except FileNotFoundError`` still works),
    with ``message`` and the same ``errno``."""
    try:
        out = type(error)(message)
    except Exception:
        out = OSError(message)
    out.errno = error.errno
    return out


def _why(error: OSError) -> str:
    return error.strerror or str(error)


def _check_target(where: str) -> tuple[str, str]:
    """The file to write for the user's ``where`` (through a symlink), and how to name it in
    messages; or an error that names ``where`` and what is wrong with it."""
    try:
        target = os.path.realpath(where)
        is_link = os.path.islink(where)
        loop = os.path.islink(target)  # realpath stops where links go round in a circle
        kind = os.stat(target).st_mode if os.path.exists(target) else None
        parent = os.path.dirname(target)
        parent_is_dir, parent_exists = os.path.isdir(parent), os.path.exists(parent)
    except OSError as error:
        raise _os_error(error, f"cannot save to {where!r}: {_why(error)}") from None
    shown = f"{where!r} (a link to {target!r})" if is_link else repr(where)
    folder = parent if is_link else (os.path.dirname(where) or ".")
    if loop:
        raise OSError(f"cannot save to {where!r}: it is a loop of symbolic links")
    if kind is not None and stat.S_ISDIR(kind):
        raise IsADirectoryError(
            f"cannot save to {shown}: it is a folder; give a file name in it, "
            f"such as {os.path.join(where, 'model.json')!r}"
        )
    if kind is not None and not stat.S_ISREG(kind):
        raise OSError(
            f"cannot save to {shown}: it is not a regular file (a device, a pipe or a socket)"
        )
    # The rename that makes a save atomic needs only the folder's permission: without this,
    # a file made read-only would be replaced all the same (open() for writing refuses).
    if kind is not None and not os.access(target, os.W_OK):
        raise PermissionError(f"cannot save to {shown}: the file is read-only (no permission)")
    if not parent_is_dir:
        if parent_exists:
            raise NotADirectoryError(f"cannot save to {shown}: {folder!r} is a file, not a folder")
        raise FileNotFoundError(
            f"cannot save to {shown}: the folder {folder!r} does not exist "
            "(create it first: os.makedirs)"
        )
    return target, folder


def _open_temp(target: str) -> tuple[int, str]:
    """A new file beside ``target``, open for writing: its descriptor and path. A fresh
    name each time (``O_EXCL`` never opens a file that is there already); hidden, and cut
    short so that a long target name does not make it too long."""
    directory, base = os.path.split(target)
    while True:
        tmp = os.path.join(directory, f".{base[:100]}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue


def write_json(state: dict[str, float | list[float]], path: str | os.PathLike[str]) -> None:
    """Write a state dict, one entry per line; refuse non-finite numbers (JSON has none).

    Atomic: a temporary file beside the target is written, then renamed over it; on any
    failure it is removed, and the target is as it was.
    """
    where = user_path(path, "save")
    lines = []
    for name, value in state.items():
        xs = value if isinstance(value, list) else [value]
        for i, x in enumerate(xs):
            if not math.isfinite(x):
                at = f"{name}.{i}" if isinstance(value, list) else name
                raise ValueError(
                    f"cannot save to {where!r}: parameter {at} is {x!r}, and JSON has no "
                    f"{x!r} (nothing was written)"
                )
        lines.append(f"  {json.dumps(name)}: {json.dumps(value)}")
    text = "{\n" + ",\n".join(lines) + "\n}\n"

    target, folder = _check_target(where)
    tmp = ""
    try:
        fd, tmp = _open_temp(target)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if os.path.exists(target):  # keep the file's permissions (os.open gave umask's)
            with contextlib.suppress(OSError):
                os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(tmp, target)
    except BaseException as error:
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if not isinstance(error, OSError):
            raise
        if isinstance(error, PermissionError):
            message = f"cannot save to {where!r}: no permission to write in {folder!r}"
        else:
            message = f"cannot save to {where!r}: {_why(error)}"
        raise _os_error(error, message) from None


# -- reading -------------------------------------------------------------------------------


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise StateDictError(f"the key {_show(key)} appears twice")
        out[key] = value
    return out


def _parse_int(text: str) -> int | float | BadNumber:
    if len(text) > 310:  # beyond any float, and int() would be slow to find it out
        return BadNumber(
            text, f"an integer of {len(text.lstrip('-'))} digits, too large for a float"
        )
    return -0.0 if text == "-0" else int(text)  # JSON's -0 is negative zero: no int is


def _parse_float(text: str) -> float | BadNumber:
    if len(text) > MAX_NUMBER_CHARS:
        return BadNumber(text, f"a number of {len(text)} characters, too long for a float")
    x = float(text)
    if math.isinf(x):
        return BadNumber(text, "too large for a float")
    return x


def _parse_constant(text: str) -> BadNumber:
    return BadNumber(text, f"which is not a finite number (JSON has no {text})")


def _what_it_is(raw: bytes) -> str:
    if raw.startswith(b"PK\x03\x04"):
        return "a zip archive (torch.save writes those)"
    if raw[:1] == b"\x80" and raw[1:2] in b"\x02\x03\x04\x05":
        return "a pickle (torch.save or pickle.dump)"
    return "not UTF-8 text"


def _read(where: str) -> bytes:
    """The bytes of the user's file, or an ``OSError`` that names it and what is wrong."""
    try:
        kind = os.stat(where).st_mode
        if stat.S_ISREG(kind):
            with open(where, "rb") as f:
                return f.read()
    except FileNotFoundError as error:
        if os.path.islink(where):
            to = os.readlink(where)
            message = f"cannot load {where!r}: it is a link to {to!r}, which does not exist"
        else:
            message = f"cannot load {where!r}: no such file"
        raise _os_error(error, message) from None
    except PermissionError as error:
        raise _os_error(error, f"cannot load {where!r}: no permission to read it") from None
    except NotADirectoryError as error:
        message = f"cannot load {where!r}: a part of the path is a file, not a folder"
        raise _os_error(error, message) from None
    except OSError as error:
        raise _os_error(error, f"cannot load {where!r}: {_why(error)}") from None
    if stat.S_ISDIR(kind):
        raise IsADirectoryError(f"cannot load {where!r}: it is a folder, not a model file")
    # a pipe or a device: reading it might never end
    raise OSError(f"cannot load {where!r}: it is not a regular file (a device, a pipe or a socket)")


def read_json(path: str | os.PathLike[str]) -> Any:
    """The JSON value in ``path``; a ``StateDictError`` naming it if the file is not valid
    JSON, an ``OSError`` naming it if it cannot be read (see the module)."""
    where = user_path(path, "load")
    raw = _read(where)
    if not raw.strip():
        raise StateDictError(f"{where} is not a model file: it is empty")
    try:
        text = raw.decode("utf-8-sig")  # a byte order mark, as some editors write, is fine
    except UnicodeDecodeError as error:
        raise StateDictError(
            f"{where} is not a model file: {_what_it_is(raw)}; model files are the JSON "
            f"that Module.save writes ({error.reason} at byte {error.start})"
        ) from None
    try:
        return json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
        )
    except json.JSONDecodeError as error:
        raise StateDictError(f"{where} is not valid JSON: {error}") from None
    except StateDictError as error:
        raise StateDictError(f"{where}: {error}") from None
    except RecursionError:
        raise StateDictError(f"{where} is not a model file: nested too deeply") from None
    except ValueError as error:  # anything else the parser finds wrong
        raise StateDictError(f"{where} is not a model file: {error}") from None
