"""``render``: write the picture of a graph to a file, in the format its suffix names."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import graphviz

from autograd import Value

from .draw import draw_dot
from .runner import RenderError, pipe

__all__ = ["FORMATS", "SOURCE_SUFFIXES", "render"]

#: File suffix -> dot's output format.
FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".jpg": "jpeg", ".jpeg": "jpeg"}
#: Suffixes written as DOT source, without running a renderer.
SOURCE_SUFFIXES = (".dot", ".gv")


def render(
    root: Value | graphviz.Digraph,
    path: str | os.PathLike[str],
    *,
    timeout: float | None = 300.0,
    **draw_options: Any,
) -> Path:
    """Draw ``root`` (see ``draw_dot``, which takes ``draw_options``) and write it to ``path``.

    The suffix picks the format: ``.svg``, ``.png``, ``.jpg``, ``.pdf`` (system Graphviz only),
    or ``.dot``/``.gv`` for the DOT source alone. ``root`` may also be a Digraph from
    ``draw_dot``. If no renderer can write the file, raises ``RenderError`` saying what to
    install, having written the DOT source next to ``path`` (``.dot`` suffix).

    >>> from autograd import Value
    >>> y = Value(2.0, label="x").tanh()
    >>> y.backward()
    >>> render(y, "tanh.svg", rankdir="TB")  # doctest: +SKIP
    PosixPath('tanh.svg')
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        raise ValueError(
            f"render writes pictures; for an HTML page of {str(path)!r} use "
            "autograd.viz.explore(root, path)"
        )
    if suffix not in FORMATS and suffix not in SOURCE_SUFFIXES:
        known = ", ".join([*FORMATS, *SOURCE_SUFFIXES])
        raise ValueError(f"cannot tell the format of {str(path)!r}: use a suffix among {known}")
    if isinstance(root, graphviz.Digraph):
        if draw_options:
            raise TypeError("draw options apply to a Value, not to an already drawn Digraph")
        graph = root
    else:
        graph = draw_dot(root, **draw_options)
    if suffix in SOURCE_SUFFIXES:
        path.write_text(graph.source, encoding="utf-8")
        return path
    try:
        picture = pipe(graph.source, FORMATS[suffix], timeout=timeout)
    except RenderError as error:
        dot_path = path.with_suffix(".dot")
        dot_path.write_text(graph.source, encoding="utf-8")
        raise RenderError(
            f"could not write {path}: {error} The DOT source is in {dot_path}."
        ) from None
    path.write_bytes(picture)
    return path
