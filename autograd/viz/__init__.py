"""Pictures of the computation graph.

>>> from autograd import Value
>>> from autograd.viz import draw_dot, render
>>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
>>> o = (x * w + 6.88).tanh()
>>> o.backward()
>>> dot = draw_dot(o)              # a graphviz.Digraph: displays inline in Jupyter
>>> render(o, "neuron.svg")        # doctest: +SKIP
PosixPath('neuron.svg')

``explore(o, "neuron.html")`` writes a page that steps through the forward and backward
passes, each chain-rule product written out (``explore(o)`` shows it inline in Jupyter).

From a shell: ``python -m autograd.viz "tanh(x*w + b)" --set x=2 --set w=-3 --set b=6.88 -o
neuron.svg``.
"""

from .draw import MAX_NODES, draw_dot
from .explore import Explorer, explore
from .render import render
from .runner import RenderError, renderers

__all__ = [
    "MAX_NODES",
    "Explorer",
    "RenderError",
    "draw_dot",
    "explore",
    "render",
    "renderers",
]
