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
    "label_of",
    "BAD_COLOUR",
    "FALLBACK_WIDER",
    "FONT",
    "LABEL_WIDTH",
    "OP_SYMBOLS",
    "ZERO_COLOUR",
    "fmt",
    "grad_colour",
    "legend_label",
    "one_line",
    "plain_text",
    "record",
    "record_text",
    "room",
    "shorten",
    "tooltip",
]

#: The one font of every text in a picture (labels, frames' captions, legend, edges).
#: Graphviz sizes every box from a table of character widths, which it has for few
#: families: Helvetica (shared by Arial, Arimo and Liberation Sans), Times and Courier;
#: any other name, a CSS list such as "Helvetica,Arial" too, is measured as Times. graphviz-pure
#: also draws PNGs only in those three (its bundled Arimo, Tinos, Cousine), and writes
#: Helvetica into SVG as "Helvetica,sans-Serif", so a viewer without it has a fallback.
FONT = "Helvetica"

#: A viewer without Helvetica or a font of its widths (Arial, Liberation Sans, Arimo) draws
#: its sans-serif instead: DejaVu Sans, the usual one on Linux, is up to 15% wider (its
#: digits), so boxes leave that much more room beside their text.
FALLBACK_WIDER = 0.15


def room(lines: list[str], fontsize: float) -> float:
    """Points to add on each side of the longest of ``lines`` so that a fallback font's
    wider text still fits: estimated from the character count (Helvetica's characters
    average under 0.6 em)."""
    longest = max((len(line) for line in lines), default=0)
    return FALLBACK_WIDER * 0.6 * fontsize * longest / 2


#: Labels longer than this many characters are cut, with "...", in the picture (the whole
#: text is in the tooltip): about 220 points of 11-point Helvetica.
LABEL_WIDTH = 40

#: Operators read better as their symbols; every other primitive shows its name.
OP_SYMBOLS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**", "neg": "-"}

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


def tooltip(text: str) -> str:
    """``text`` escaped to be a tooltip that shows as written, line breaks included.

    Graphviz expands escapes in a tooltip twice over (``\\N`` would show the node's internal
    name, ``v0``), so each backslash is written as four; ``&`` as in ``plain_text``.
    """
    text = "".join(c if c >= " " or c == "\n" else " " for c in text)
    text = text.replace("\\", "\\" * 4).replace('"', '\\"').replace("&", "&amp;")
    return graphviz.nohtml(text.replace("\n", "\\n"))


def shorten(text: str, width: int = LABEL_WIDTH) -> str:
    """``text`` on one line, at most ``width`` characters: a longer one keeps its start and
    more of its end (where a module path names the neuron) around ``...``.

    ASCII dots, not one ellipsis character: Graphviz has no width for that one and would
    measure it narrower than it is drawn.

    >>> shorten("model.encoder.blocks.7.layers.0.neurons.3", 24)
    'model.e...rs.0.neurons.3'
    """
    text = one_line(text)
    if len(text) <= width:
        return text
    head = max(width - 3, 0) // 3
    return text[:head] + "..." + text[len(text) - (width - 3 - head) :]


def label_of(v: object) -> str:
    """A value's label as text (a label set to a non-string after construction too)."""
    label = getattr(v, "label", "")
    return label if isinstance(label, str) else str(label)


def one_line(text: str) -> str:
    """``text`` with control characters (newlines, tabs) as spaces."""
    return "".join(" " if c < " " or c == "\x7f" else c for c in text)


_LEGEND_STEPS: tuple[tuple[float, str], ...]
_LEGEND_STEPS = ((0.0, "0"), (1e-8, "1e-8"), (1e-6, "1e-6"), (1e-4, "1e-4"))
_LEGEND_STEPS += ((1e-2, "0.01"), (1.0, "1"), (10.0, "10"), (1e2, "100+"))


def legend_label(lines: list[str]) -> str:
    """An HTML-like label: the colour scale, then ``lines`` of text (escaped here)."""
    pad = 3 + round(room(["nan/inf"], 11))  # each cell's own room for a wider font
    cells = "".join(
        f'<td bgcolor="{grad_colour(g)}" cellpadding="{pad}">{text}</td>'
        for g, text in _LEGEND_STEPS
    )
    cells += (
        f'<td bgcolor="{BAD_COLOUR}" cellpadding="{pad}"><font color="white">nan/inf</font></td>'
    )
    span = len(_LEGEND_STEPS) + 1
    title = "fill: |grad| on a log scale"
    # The rows span the table, as wide as its widest: at least what the longest line takes
    # in a wider fallback font (Helvetica's characters average about 0.5 em).
    least = round((1 + FALLBACK_WIDER) * 0.5 * 11 * max(map(len, [title, *lines])))
    rows = [f'<tr><td colspan="{span}" width="{least}"><b>{title}</b></td></tr>']
    rows.append(f"<tr>{cells}</tr>")
    rows += [f'<tr><td colspan="{span}">{html.escape(line)}</td></tr>' for line in lines]
    return (
        '<<table border="0" cellborder="1" cellspacing="0" cellpadding="3">'
        + "".join(rows)
        + "</table>>"
    )
