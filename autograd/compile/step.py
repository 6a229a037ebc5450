"""The public face of ``autograd.compile``: the step object, its checks and its branches.

``CompiledStep`` runs the pipeline (``trace`` → ``ir`` → ``loops`` → ``codegen``) for each
branch ``fn`` takes, keeps the compiled branches by the outcomes of their comparisons, and
runs ``fn`` on the engine whenever the compiled code cannot promise the engine's numbers
(a comparison came out differently, an operation left its domain, a gradient came out
inf or nan behind a gate).
"""

from __future__ import annotations

import builtins
import inspect
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import cast

from .. import modes
from ..value import Value
from . import arrays, codegen, ir, loops, trace
from .codegen import BranchChanged, NotFinite

# compile is public as autograd.compile, but a star import must not shadow the builtin
__all__ = ["CompiledStep", "TraceInfo"]

#: What ``compile(backend=...)`` takes.
BACKENDS = ("python", "numpy")

#: Calls in a row with non-finite gradients after which a branch stays on the engine.
_MAX_NOT_FINITE = 4


@dataclass(frozen=True)
class TraceInfo:
    """What one trace cost: graph size, generated code size, and the time of each stage."""

    nodes: int  #: interior nodes reached from the loss
    statements: int  #: lines of the generated function
    trace_seconds: float  #: running ``fn()`` once, on the engine
    codegen_seconds: float  #: lowering, planning and writing the source
    compile_seconds: float  #: Python's ``compile()`` of that source


def compile(  # noqa: A001 - autograd.compile, named as jax.jit and torch.compile are
    fn: Callable[[], Value],
    params: Iterable[Value],
    *,
    inputs: Iterable[Value] = (),
    max_traces: int = 8,
    backend: str = "python",
) -> CompiledStep:
    """Trace ``fn`` once and return a step that replays it: ``loss = step()``.

    ``fn()`` takes no arguments and returns the loss, a ``Value`` built from ``params``
    (leaf Values). Each call of the step reads every param's ``.data``, computes the loss
    and its gradient, sets (does not add to) every param's ``.grad`` and returns the loss
    as a float: ``zero_grad(); loss = fn(); loss.backward()`` in one call, with the same
    numbers. Every other number ``fn`` used is frozen at its value during the trace, except
    the ``.data`` of ``inputs`` (leaf Values that get no gradient), read on every call.
    Comparisons between Values made in ``fn`` (``if v > 0``, ``max(a, b)``) are checked on
    every call; when one comes out differently, the step runs ``fn`` again on the engine and
    compiles the branch it takes (at most ``max_traces`` branches; beyond that, new branches
    run on the engine).

    ``backend="numpy"`` runs a loss summed over samples as array code along the sample
    axis (``autograd.compile.arrays``; ``pip install 'chainrule[fast]'``): several times
    faster: its forward pass is the engine's, its gradients are summed in another order
    (within a few units in the last place of their largest terms, not equal).
    ``step.backend`` says which one the branch in use runs.

    >>> from autograd import Value
    >>> a, b = Value(1.5), Value(-0.5)
    >>> step = compile(lambda: (a * b).exp() + a, [a, b])
    >>> round(step(), 6), round(a.grad, 6), round(b.grad, 6)
    (1.972367, 0.763817, 0.70855)
    """
    return CompiledStep(fn, params, inputs=inputs, max_traces=max_traces, backend=backend)


@dataclass
class _Variant:
    """One compiled branch of ``fn``."""

    run: Callable[[], float]
    program: ir.Program
    loop: loops.Loop | None
    source: str
    signature: tuple
    info: TraceInfo
    backend: str


class CompiledStep:
    """A traced loss function replayed as generated float code. Call it: ``loss = step()``.

    ``source`` is the generated code of the branch in use, ``ir`` its intermediate form,
    ``info`` what its trace cost, ``traces`` how many branches were compiled so far (more
    than one when a comparison in ``fn`` changed outcome).
    """

    def __init__(
        self,
        fn: Callable[[], Value],
        params: Iterable[Value],
        *,
        inputs: Iterable[Value] = (),
        max_traces: int = 8,
        backend: str = "python",
    ) -> None:
        if not callable(fn) or not _takes_no_arguments(fn):
            raise TypeError(f"compile: fn must be a function of no arguments, got {fn!r}")
        self.params = _leaves(params, "params")
        self.inputs = _leaves(inputs, "inputs")
        if not self.params:
            raise ValueError("compile: params is empty; pass the leaves to differentiate")
        both = set(self.params).intersection(self.inputs)
        if both:
            raise ValueError(
                f"compile: {_describe(both.pop(), self.params)} is in both params and inputs"
            )
        if isinstance(max_traces, bool) or not isinstance(max_traces, int) or max_traces < 1:
            raise ValueError(f"compile: max_traces must be a positive int, got {max_traces!r}")
        if backend not in BACKENDS:
            raise ValueError(
                f"compile: backend must be one of {', '.join(map(repr, BACKENDS))}, got {backend!r}"
            )
        if backend == "numpy" and not arrays.AVAILABLE:
            warnings.warn(
                "compile: backend='numpy' needs numpy (pip install 'chainrule[fast]'); "
                "using the plain replay",
                RuntimeWarning,
                stacklevel=3,
            )
            backend = "python"
        if not modes.is_grad_enabled():
            raise ValueError(
                "compile: called inside no_grad, where fn would record no gradient; call "
                "compile outside it (no_grad inside fn is fine: it is replayed)"
            )
        self.fn = fn
        self.max_traces = max_traces
        self.requested = backend
        self.traces = 0
        self._variants: dict[tuple, _Variant | None] = {}
        self._variant: _Variant | None = None
        self._warned = False
        self._not_finite = 0  # calls in a row the compiled branch could not answer
        traced = trace.run(fn)
        self._install(self._build(traced), traced.signature)

    def __call__(self) -> float:
        """Forward and backward at the params' current data: set each ``.grad``, return the
        loss. Inside ``detect_anomaly`` the step runs on the engine, which names anomalies."""
        variant = self._variant
        if variant is not None and not (modes.active.threads and modes.is_anomaly_enabled()):
            try:
                loss = variant.run()
                self._not_finite = 0
                return loss
            except (ArithmeticError, ValueError, BranchChanged):
                # A comparison came out differently, or an operation left its domain: the
                # engine decides (nan from inf operands, its own error messages).
                pass
            except NotFinite:
                # Gradients came out inf or nan behind a gate: the engine's are the answer.
                # Data that stays non-finite would pay for both on every call, so after a
                # run of such calls the step stays on the engine.
                self._give_up(variant, "gradients came out inf or nan")
            except Exception as error:  # noqa: BLE001 - the engine gives the answer
                # A function fn reaches only on another branch (the checks come after the
                # forward pass), or a rule that fails on these numbers: the engine decides,
                # raising fn's own error if it is one; a run of them is said out loud.
                self._give_up(variant, f"the compiled code raised {error!r}")
        return self._dynamic_step()

    def _give_up(self, variant: _Variant, why: str) -> None:
        """Count a call the compiled branch could not answer; after a run of them, the
        branch stays on the engine (both would be paid for on every call), with a warning."""
        self._not_finite += 1
        if self._not_finite >= _MAX_NOT_FINITE:
            self._variant = self._variants[variant.signature] = None
            warnings.warn(
                f"compile: {why} in {_MAX_NOT_FINITE} calls in a row of {self.fn!r}; "
                "this branch runs on the engine",
                RuntimeWarning,
                stacklevel=3,
            )

    @property
    def source(self) -> str:
        """The generated code of the branch in use (empty while running on the engine)."""
        return "" if self._variant is None else self._variant.source

    @property
    def ir(self) -> str:
        """The intermediate form of the branch in use, as text: its equations, checks and
        loop over samples, if any (empty while running on the engine)."""
        variant = self._variant
        if variant is None:
            return ""
        text = str(variant.program)
        if variant.loop is not None:
            head, _, last = text.rpartition("\n")
            text = f"{head}\n{variant.loop}\n{last}"
        return text

    @property
    def backend(self) -> str:
        """What the branch in use runs: ``"numpy"`` (array code along the samples),
        ``"python"`` (plain float code), or ``"engine"`` (``fn`` on the engine)."""
        return "engine" if self._variant is None else self._variant.backend

    @property
    def info(self) -> TraceInfo | None:
        """What the trace of the branch in use cost."""
        return None if self._variant is None else self._variant.info

    def __repr__(self) -> str:
        return f"<CompiledStep of {self.fn!r}: {len(self.params)} params, {self.traces} trace(s)>"

    def __reduce_ex__(self, protocol: object) -> tuple:
        # its code reads and writes the very params it was compiled for: a copy (or a
        # pickle) would be bound to the originals. Compile again for new params.
        raise TypeError(
            "a CompiledStep cannot be copied or pickled (its code is bound to the params it "
            "was compiled for); call autograd.compile again"
        )

    def __deepcopy__(self, memo: dict) -> CompiledStep:
        return self.__reduce_ex__(0)  # type: ignore[return-value]

    def _build(self, traced: trace.Trace) -> _Variant | None:
        """Compile the branch just traced; None where it must run on the engine."""
        if traced.log.errors:
            # fn caught an error an operation raised: the compiled code would not raise and
            # would go the other way. Such calls run on the engine; a call where nothing
            # raises traces a branch of its own (see Trace.signature), whose code, if the
            # operation raises after all, falls back to the engine as any domain error does.
            trace.warn_caught_error(traced)
            return None
        if traced.log.backward_calls:
            trace.warn_backward_inside(traced)
            return None
        start = time.perf_counter()
        program, var_of = ir.lower(
            traced.root, traced.log.comparisons, self.params, self.inputs, traced.log.made
        )
        before = [v for v in var_of if v._op is not None and v._seq < traced.first]
        if before:  # made from the params before fn ran: the engine keeps their numbers
            trace.warn_built_before(traced, before)
            return None
        loop = loops.plan(program)
        code = None
        if self.requested == "numpy" and loop is not None:
            code = arrays.write(program, loop)
        backend = "python" if code is None else "numpy"
        if code is None:
            code = codegen.write(program, loop)
        codegen_seconds = time.perf_counter() - start
        trace.warn_frozen_reads(traced, set(self.params).union(self.inputs), var_of)
        start = time.perf_counter()
        # Not registered with linecache (as define_primitive's small rules are): a step's
        # code can be megabytes, kept for good; step.source shows it.
        name = f"<autograd.compile: {program.nodes} nodes>"
        compiled = builtins.compile(code.source, name, "exec")
        namespace = {**code.namespace, "_P": self.params, "_I": self.inputs}
        exec(compiled, namespace)  # noqa: S102 - the code written just above, from the table
        info = TraceInfo(
            program.nodes,
            code.source.count("\n"),
            traced.seconds,
            codegen_seconds,
            time.perf_counter() - start,
        )
        run = cast("Callable[[], float]", namespace["_step"])
        return _Variant(run, program, loop, code.source, traced.signature, info, backend)

    def _install(self, variant: _Variant | None, signature: tuple) -> None:
        self.traces += 1
        self._variants[signature] = variant  # None: this branch runs on the engine
        self._variant = variant

    def _dynamic_step(self) -> float:
        """Run ``fn`` on the engine, then switch to (or compile) the branch it took."""
        if not modes.is_grad_enabled():
            raise RuntimeError(
                "compile: this call needs fn's graph (a comparison changed outcome, or an "
                "operation left its domain), and no_grad is on; call the step outside no_grad"
            )
        # zero_grad(); fn(); backward(), as the engine's step (fn may call backward() too);
        # a call that raises leaves every .grad as it was
        grads = [p.grad for p in self.params]
        for p in self.params:
            p.grad = 0.0
        try:
            traced = trace.run(self.fn)
        except BaseException:
            for p, g in zip(self.params, grads):
                p.grad = g
            raise
        traced.root.backward()  # also into other leaves' .grad, as on the engine
        signature = traced.signature
        if signature in self._variants:
            variant = self._variants[signature]  # None: a branch kept on the engine
        elif self.traces < self.max_traces:
            variant = self._build(traced)
            self._install(variant, signature)
        else:
            variant = None
        self._variant = variant
        if variant is None and signature not in self._variants and not self._warned:
            self._warned = True
            warnings.warn(
                f"compile: comparisons in {self.fn!r} changed outcome {self.traces} times; "
                "new branches run on the dynamic engine (use relu, abs or leaky_relu for "
                "kinks, or raise max_traces)",
                RuntimeWarning,
                stacklevel=3,
            )
        return traced.root.data


def _takes_no_arguments(fn: Callable) -> bool:
    try:
        inspect.signature(fn).bind()
    except TypeError:
        return False
    except ValueError:  # no signature to read (some builtins): let the call decide
        pass
    return True


def _leaves(values: Iterable[Value], what: str) -> tuple[Value, ...]:
    if isinstance(values, Value):
        values = [values]
    try:
        out = tuple(values)
    except TypeError:
        raise TypeError(f"compile: {what} must be a list of Values, got {values!r}") from None
    seen: set = set()
    for i, v in enumerate(out):
        if not isinstance(v, Value):
            raise TypeError(f"compile: {what}[{i}] must be a Value, got {type(v).__name__}: {v!r}")
        if v._op is not None:
            raise ValueError(
                f"compile: {what}[{i}] is not a leaf (it was made by {v.op}); "
                "pass the Values you update, not results computed from them"
            )
        if v in seen:
            raise ValueError(f"compile: {what}[{i}] appears twice")
        seen.add(v)
    return out


def _describe(v: Value, params: Sequence[Value]) -> str:
    where = f"params[{params.index(v)}]" if v in params else "an input"
    return f"{where} ({v.label!r})" if v.label else where
