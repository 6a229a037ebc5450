"""How a value looks: its numbers, its text made safe for DOT, its colour, the legend.

The colour is the gradient's magnitude on a log scale, so a picture shows at a glance where
gradients vanish (pale blue), where they are healthy (green), where they explode (orange),
and where something went wrong (red: ``nan`` or ``inf``).
"""

from __future__ import annotations

import html
import math

import graphviz

__all__ = [
    "BAD_COLOUR",
    "ZERO_COLOUR",
    "fmt",
    "grad_colour",
    "legend_label",
    "one_line",
    "plain_text",
    "record",
    "record_text",
]

#: |grad| at or below this gets the first colour of the ramp, at or above ``GRAD_HIGH`` the last.
GRAD_LOW, GRAD_HIGH = 1e-8, 1e2

# (log10 |grad|, RGB): vanishing is cold and pale, healthy green, exploding warm. Every stop
# is light enough for black text. Red is kept for nan/inf only, so it never means "large".
_RAMP = (
    (-8.0, (0xEE, 0xF3, 0xFB)),
    (-6.0, (0xC6, 0xDB, 0xEF)),
    (-4.0, (0x9E, 0xCA, 0xE1)),
    (-2.0, (0xA1, 0xD9, 0x9B)),
    (0.0, (0xD9, 0xEF, 0x8B)),
    (1.0, (0xFE, 0xE0, 0x8B)),
    (2.0, (0xFD, 0x8D, 0x3C)),
)
#: A zero gradient (or no backward pass yet): neutral grey, apart from the ramp.
ZERO_COLOUR = "#dcdcdc"
#: nan or inf in data or grad.
BAD_COLOUR = "#d7191c"


def grad_colour(grad: float, data: float = 0.0) -> str:
    """The fill colour for a node with this gradient (and data), as ``#rrggbb``.

    >>> grad_colour(0.0), grad_colour(float("nan"))
    ('#dcdcdc', '#d7191c')
    """
    if not (math.isfinite(grad) and math.isfinite(data)):
        return BAD_COLOUR
    if grad == 0.0:
        return ZERO_COLOUR
    x = min(max(math.log10(abs(grad)), _RAMP[0][0]), _RAMP[-1][0])
    for (x0, c0), (x1, c1) in zip(_RAMP, _RAMP[1:]):
        if x <= x1:
            t = (x - x0) / (x1 - x0)
            rgb = (round(a + (b - a) * t) for a, b in zip(c0, c1))
            return "#" + "".join(f"{c:02x}" for c in rgb)
    raise AssertionError("unreachable: x is clamped to the ramp")


def fmt(x: float, digits: int) -> str:
    """``x`` with ``digits`` significant digits: ``fmt(0.70710678, 4) == '0.7071'``."""
    return format(x, f".{digits}g")


# In a record label these characters structure the record (fields, ports, nesting); a
# backslash starts an escape sequence (\n, \N, \G, ...) and a quote ends the DOT string.
_RECORD_SPECIAL = {c: "\\" + c for c in '{}|<>"\\'}
# Graphviz copies entities such as "&lt;" into the SVG as they are (so a label "&lt;b&gt;"
# would show as "<b>"); writing every "&" as "&amp;" makes it show literally.
_RECORD_SPECIAL["&"] = "&amp;"


def record_text(text: str) -> str:
    """``text`` escaped to be one literal field of a record label.

    Control characters (newlines, tabs) become spaces; runs of spaces show as one space.

    >>> print(record_text('a|b<c>'))
    a\\|b\\<c\\>
    """
    return "".join(_RECORD_SPECIAL.get(c, c) for c in one_line(text))


def record(*fields: str) -> str:
    """A record label with these (unescaped) fields, laid across the rank direction.

    The braces turn the fields across ``rankdir``: side by side for ``LR``, stacked for ``TB``.
    The label starts with ``{``, so it is never taken for an HTML-like label.
    """
    return "{" + "|".join(record_text(f) for f in fields) + "}"


def plain_text(text: str) -> str:
    """``text`` escaped for a plain (non-record) label; a newline starts a new line."""
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;")
    # nohtml: the graphviz package would pass "<b>x</b>" on as an HTML-like label.
    return graphviz.nohtml(text.replace("\n", "\\n"))


def one_line(text: str) -> str:
    """``text`` with control characters (newlines, tabs) as spaces."""
    return "".join(" " if c < " " or c == "\x7f" else c for c in text)


_LEGEND_STEPS: tuple[tuple[float, str], ...]
_LEGEND_STEPS = ((0.0, "0"), (1e-8, "1e-8"), (1e-6, "1e-6"), (1e-4, "1e-4"))
_LEGEND_STEPS += ((1e-2, "0.01"), (1.0, "1"), (10.0, "10"), (1e2, "100+"))


def legend_label(lines: list[str]) -> str:
    """An HTML-like label: the colour scale, then ``lines`` of text (escaped here)."""
    cells = "".join(f'<td bgcolor="{grad_colour(g)}">{text}</td>' for g, text in _LEGEND_STEPS)
    cells += f'<td bgcolor="{BAD_COLOUR}"><font color="white">nan/inf</font></td>'
    span = len(_LEGEND_STEPS) + 1
    rows = [f'<tr><td colspan="{span}"><b>fill: |grad| on a log scale</b></td></tr>']
    rows.append(f"<tr>{cells}</tr>")
    rows += [f'<tr><td colspan="{span}">{html.escape(line)}</td></tr>' for line in lines]
    return (
        '<<table border="0" cellborder="1" cellspacing="0" cellpadding="3">'
        + "".join(rows)
        + "</table>>"
    )
