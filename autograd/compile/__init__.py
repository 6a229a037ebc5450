"""Trace once, replay fast: a loss function recorded once and replayed as straight-line code.

A training loop builds the same graph on every step: same operations, same shape, new
numbers. ``compile(fn, params)`` calls ``fn()`` once, and writes one Python function that
does that step's forward and backward pass over plain local floats, with no ``Value``
objects and no graph. The pipeline, a module a stage:

1. ``trace``: run ``fn()`` on the engine, logging every comparison of a Value, every error
   ``fn`` caught and every number it read off a Value (``detach`` and ``no_grad`` inside
   ``fn`` are ``stop_gradient`` nodes of the graph).
2. ``ir``: lower the graph to a ``Program``, a list of equations (primitive, inputs,
   output) over Vars, with the comparisons as guards: the intermediate form, printed by
   ``step.ir``.
3. ``loops``: find a loss summed over samples whose per-sample part can be written once.
4. ``codegen``: write the Program as one Python function (``step.source``), from the
   primitive table's own formulas (``autograd.rules``), n-ary rules run on symbols
   (``symbolic``).
5. ``step``: the public ``CompiledStep``: its checks, its branches, and the engine as the
   fallback wherever compiled code cannot promise the engine's numbers.

Every gradient adds the same terms in the same order as the dynamic backward pass, so the
results are the engine's, bit for bit. What is frozen at trace time, what is checked on
every call, and how big graphs are handled: docs/compile.md.

>>> from autograd import Value
>>> w = Value(2.0)
>>> step = compile(lambda: (w * w - 3.0).tanh(), [w])
>>> loss = step()
>>> w.grad == (1 - loss * loss) * 4.0
True
>>> print(step.ir)
params v0
  v1 = mul(v0, v0)
  v2 = sub(v1, 3.0)
  v3 = tanh(v2)
loss v3
"""

from .step import CompiledStep, TraceInfo
from .step import compile as compile  # noqa: A004 - the function, named as jax.jit's module

# compile is public as autograd.compile, but a star import must not shadow the builtin
__all__ = ["CompiledStep", "TraceInfo"]
