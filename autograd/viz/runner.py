"""Finding and running a dot renderer: Graphviz's own ``dot``, else ``graphviz-pure``.

Graphviz's ``dot`` is used when it is on PATH (it also writes PDF). Otherwise the
``graphviz-pure`` executable, a port of dot that pip installs next to the interpreter, so a
picture works right after ``pip install`` on a machine with no Graphviz, with or without
the virtual environment activated.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

__all__ = ["PURE_FORMATS", "RenderError", "pipe", "renderers"]

#: What graphviz-pure writes; other formats need Graphviz's own dot.
PURE_FORMATS = ("svg", "png", "jpeg")
_GRAPHVIZ = "Graphviz, which provides dot (https://graphviz.org/download/)"
_INSTALL_HINT = (
    "install the graphviz-pure wheel into this Python (python -m pip install graphviz-pure) "
    f"or {_GRAPHVIZ}"
)


class RenderError(RuntimeError):
    """No renderer could draw the picture. The message says why and what to install."""


def renderers() -> list[str]:
    """The renderer executables found, in the order they are tried.

    The system ``dot`` first, then ``graphviz-pure`` from the running interpreter's own
    scripts directory (found through ``sys.executable`` and ``sysconfig``, so an inactive
    venv works), the user scripts directory, then PATH.
    """
    found = []
    dot = shutil.which("dot")
    if dot:
        found.append(dot)
    dirs = [Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))]
    try:
        dirs.append(Path(sysconfig.get_path("scripts", f"{os.name}_user")))
    except KeyError:  # no user scheme on this platform
        pass
    names = ["graphviz-pure.exe", "graphviz-pure"] if os.name == "nt" else ["graphviz-pure"]
    for d in dirs:
        for name in names:
            exe = d / name
            if exe.is_file() and os.access(exe, os.X_OK):
                found.append(str(exe))
    on_path = shutil.which("graphviz-pure")
    if on_path:
        found.append(on_path)
    # in order, without repeats: the same file reached by two paths counts once
    return list({os.path.realpath(exe): exe for exe in reversed(found)}.values())[::-1]


def pipe(source: str, fmt: str, *, timeout: float | None = 300.0) -> bytes:
    """DOT ``source`` rendered to ``fmt`` (``"svg"``, ``"png"``, ...) by the first renderer
    that manages; RenderError, saying what to install, if none does."""
    data = source.encode("utf-8")
    failures = []
    for exe in renderers():
        try:
            command = [exe, f"-T{fmt}"]
            done = subprocess.run(command, input=data, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            failures.append(f"{exe} took longer than {timeout} s (draw fewer nodes: max_nodes=)")
            continue
        except OSError as error:  # not executable, wrong architecture, vanished
            failures.append(f"{exe} did not start: {error}")
            continue
        if done.returncode == 0 and done.stdout:
            return done.stdout
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        failures.append(f"{exe} failed: {message[-1] if message else f'exit {done.returncode}'}")
    why = "; ".join(failures) if failures else "no dot and no graphviz-pure found"
    if fmt in PURE_FORMATS:
        hint = f"To render pictures, {_INSTALL_HINT}."
    else:
        hint = f"For {fmt} install {_GRAPHVIZ}; graphviz-pure writes svg, png and jpeg."
    raise RenderError(f"{why}. {hint}")
