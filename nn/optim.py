"""Optimisers: ``SGD``, ``Adam`` and ``AdamW``, with PyTorch's update rules number for number.

Each holds a list of parameters and updates their ``.data`` with plain float arithmetic (no
graph is recorded), written in the same order of operations as PyTorch's reference
(single-tensor) implementation, so the trajectories agree to rounding. One parameter group
only: where PyTorch takes a list of dicts, build one optimiser per group.

>>> from autograd import Value
>>> w = Value(1.0)
>>> opt = SGD([w], lr=0.1)
>>> (w * w).backward(); opt.step()
>>> w.data
0.8
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from typing import Any, TypeVar, overload

from autograd import Value

from .options import flag, real

__all__ = ["SGD", "Adam", "AdamW", "Optimizer"]

_T = TypeVar("_T")


def _non_negative(value: object, what: str) -> float:
    return real(value, what, low=0.0)


def _parameters(params: object) -> list[Value]:
    """The parameter list, or an error that says what to pass instead."""
    if isinstance(params, Value):
        raise TypeError("pass a list of parameters, [w], not a single Value")
    if hasattr(params, "parameters") and not isinstance(params, (list, tuple)):
        raise TypeError("pass the parameters, model.parameters(), not the model itself")
    try:
        out = list(params)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(
            f"pass a list of parameters, model.parameters(), got {type(params).__name__}"
        ) from None
    for i, p in enumerate(out):
        if isinstance(p, Value):
            if p.op:  # PyTorch refuses too: a step would change a number fn recomputes
                raise ValueError(
                    f"params[{i}] is not a leaf (it was made by {p.op}): pass the Values you "
                    "update, such as model.parameters(), not results computed from them"
                )
            continue
        if isinstance(p, dict):
            raise TypeError(
                "nn optimisers take one parameter group, not PyTorch's list of dicts: pass "
                "the Values themselves, and make one optimiser per group that needs its "
                "own options"
            )
        if isinstance(p, tuple) and len(p) == 2 and isinstance(p[1], Value):
            raise TypeError("pass model.parameters(), not model.named_parameters()")
        raise TypeError(f"parameters must be Values, got {type(p).__name__}: {p!r}")
    return out


class ParamGroup(MutableMapping[str, Any]):
    """PyTorch's ``param_groups[0]``: a live view of the optimiser's one group.

    Reading gives the optimiser's current options; writing ``"lr"`` sets ``opt.lr`` (so a
    PyTorch loop's ``for g in opt.param_groups: g["lr"] = 0.01`` works). The other options
    are fixed when the optimiser is made: writing one is a ``KeyError`` that says so.
    """

    def __init__(self, optimizer: Optimizer) -> None:
        self._opt = optimizer

    def _keys(self) -> list[str]:
        return ["params", "lr", *self._opt._options]

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys():
            raise KeyError(key)
        return getattr(self._opt, key)

    def __setitem__(self, key: str, value: Any) -> None:
        if key == "lr":
            self._opt.lr = value
            return
        raise KeyError(
            f"only 'lr' can be changed in {type(self._opt).__name__}'s param group; "
            f"for another {key!r}, make a new optimiser"
        )

    def __delitem__(self, key: str) -> None:
        raise KeyError(f"the options of an optimiser cannot be deleted ({key!r})")

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def __repr__(self) -> str:
        shown = {k: f"<{len(self._opt.params)} Values>" if k == "params" else self[k] for k in self}
        return f"ParamGroup({shown})"


class Optimizer:
    """The parameter list, the learning rate ``lr`` and ``zero_grad``; subclasses give
    ``_update``, the update of every parameter, which ``step`` runs."""

    #: The options a subclass keeps as attributes (shown in ``param_groups``).
    _options: tuple[str, ...] = ()

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = _parameters(params)
        if not self.params:
            raise ValueError("optimiser got an empty parameter list")
        if len({id(p) for p in self.params}) != len(self.params):
            raise ValueError("a parameter appears twice in the list: it would be updated twice")
        self.lr = lr
        self.steps = 0  # how many times step() has run

    @property
    def lr(self) -> float:
        """The learning rate; schedules change it between steps."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _non_negative(value, "learning rate")

    @property
    def param_groups(self) -> list[ParamGroup]:
        """PyTorch's list of groups: here always one, a live view (see ``ParamGroup``)."""
        return [ParamGroup(self)]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Set every parameter's gradient to 0.0.

        ``set_to_none`` is accepted for PyTorch's sake and changes nothing: a gradient is
        read as a float, so 0.0 is "no gradient" here, with either value.
        """
        flag(set_to_none, "set_to_none")
        for p in self.params:
            p.grad = 0.0

    @overload
    def step(self) -> None: ...
    @overload
    def step(self, closure: Callable[[], _T]) -> _T: ...
    def step(self, closure: Callable[[], _T] | None = None) -> _T | None:
        """Update every parameter from its ``.grad``.

        ``closure``, as in PyTorch, is a function that clears the gradients, computes the
        loss, calls ``backward()`` and returns the loss: it is called first, and its loss
        returned.

        A gradient of ``None`` (PyTorch's ``set_to_none`` habit; the engine's backward
        takes it as "no gradient yet", so a parameter the loss does not reach keeps it) is
        set to 0.0 and the step goes on: what PyTorch does for a tensor only part of
        which the loss reaches. (PyTorch skips a parameter with no gradient at all;
        here weight decay and momentum still move it.)
        """
        loss = None if closure is None else closure()
        try:
            self._update(0)
        except TypeError:
            # The loops read each gradient before writing anything of its parameter, so
            # the parameters before the first that failed are updated and none after.
            # Found here, not checked for on every step.
            start = self._missing_grads()
            if start < 0:
                raise  # it came from something else
            self._update(start)
        return loss

    def _update(self, start: int) -> None:
        """Update ``self.params[start:]`` (the whole step when ``start`` is 0)."""
        raise NotImplementedError(f"{type(self).__name__} defines no update (_update)")

    def _missing_grads(self) -> int:
        """After an update failed on a TypeError: the first parameter whose gradient is
        None, with every None set to 0.0 (-1 if none is); or a clear error if a gradient
        is no number."""
        nones = [i for i, p in enumerate(self.params) if p.grad is None]
        bad = next(
            (
                i
                for i, p in enumerate(self.params)
                if p.grad is not None
                and (not isinstance(p.grad, numbers.Real) or isinstance(p.grad, bool))
            ),
            -1,
        )
        if bad >= 0:
            p, failed = self.params[bad], min([bad, *nones[:1]])
            label = f" ({p.label})" if p.label else ""
            done = f"parameters 0 to {failed - 1} were updated" if failed else "nothing changed"
            raise TypeError(
                f"parameter {bad}{label} has grad {type(p.grad).__name__} {p.grad!r}, not a "
                f"number ({done}); a gradient is a float, set by backward() and cleared to "
                "0.0 by opt.zero_grad()"
            ) from None
        for i in nones:
            self.params[i].grad = 0.0
        return nones[0] if nones else -1

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.params)} parameters, lr={self.lr})"


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, dampening, Nesterov and weight decay.

    As ``torch.optim.SGD``: ``g += weight_decay * p``; ``buf = g`` on the first step, then
    ``buf = momentum * buf + (1 - dampening) * g``; ``g = g + momentum * buf`` (Nesterov)
    or ``g = buf``; ``p -= lr * g``.

    The signature is chainrule's contract: ``dampening`` is keyword-only, so the fourth
    positional argument is ``weight_decay`` (PyTorch's fourth is ``dampening``: pass it by
    name).
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        dampening: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _non_negative(momentum, "momentum")
        self.dampening = real(dampening, "dampening")
        self.weight_decay = _non_negative(weight_decay, "weight_decay")
        if not isinstance(nesterov, bool) and type(nesterov).__name__ != "bool_":
            raise TypeError(
                f"nesterov must be True or False, got {type(nesterov).__name__} {nesterov!r} "
                "(PyTorch's positional order is lr, momentum, dampening, weight_decay, "
                "nesterov; here dampening is keyword-only: pass the options by name)"
            )
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum <= 0.0 or self.dampening != 0.0):
            raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening")
        self._buffers: list[float | None] = [None] * len(self.params)

    _options = ("momentum", "dampening", "weight_decay", "nesterov")

    def _update(self, start: int) -> None:
        lr, mu, damp, wd = self.lr, self.momentum, self.dampening, self.weight_decay
        buffers = self._buffers
        params = self.params if start == 0 else self.params[start:]
        for i, p in enumerate(params, start):
            g = p.grad
            if wd != 0.0:
                g = g + wd * p.data
            if mu != 0.0:
                buf = buffers[i]
                buf = g if buf is None else buf * mu + (1.0 - damp) * g
                buffers[i] = buf
                g = g + mu * buf if self.nesterov else buf
            p.data = p.data - lr * g
        self.steps += 1


class Adam(Optimizer):
    """Adam (Kingma and Ba), as ``torch.optim.Adam``, with optional AMSGrad.

    ``weight_decay`` adds ``weight_decay * p`` to the gradient (L2 regularisation, PyTorch's
    Adam); ``AdamW`` decays the weights directly instead.
    """

    _decoupled = False

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr)
        try:
            b1, b2 = betas
        except (TypeError, ValueError):
            raise TypeError(f"betas must be a pair of numbers, got {betas!r}") from None
        self.betas = (
            real(b1, "betas[0]", low=0.0, high=1.0, high_open=True),
            real(b2, "betas[1]", low=0.0, high=1.0, high_open=True),
        )
        # eps keeps the step's denominator above zero: at 0, a zero gradient divides 0 by 0.
        self.eps = real(eps, "eps", low=0.0, low_open=True)
        self.weight_decay = _non_negative(weight_decay, "weight_decay")
        self.amsgrad = flag(amsgrad, "amsgrad")
        n = len(self.params)
        self._m = [0.0] * n  # first moment (mean of gradients)
        self._v = [0.0] * n  # second moment (mean of squared gradients)
        self._vmax = [0.0] * n  # AMSGrad's running maximum of the second moment

    _options = ("betas", "eps", "weight_decay", "amsgrad")

    def _update(self, start: int) -> None:
        lr, eps, wd = self.lr, self.eps, self.weight_decay
        b1, b2 = self.betas
        t = self.steps + 1  # counted once the step is done: a failing one counts nothing
        step_size = lr / (1.0 - b1**t)
        bc2_sqrt = (1.0 - b2**t) ** 0.5
        w1 = 1.0 - b1
        m, v, vmax = self._m, self._v, self._vmax
        decay = 1.0 - lr * wd if self._decoupled and wd != 0.0 else None
        l2 = wd != 0.0 and decay is None  # Adam's weight decay: into the gradient
        amsgrad = self.amsgrad
        params = self.params if start == 0 else self.params[start:]
        for i, p in enumerate(params, start):
            g = p.grad
            if l2:
                g = g + wd * p.data
            # PyTorch's lerp, m + w1 * (g - m), in its more accurate form for either w1.
            m[i] = m[i] + w1 * (g - m[i]) if w1 < 0.5 else g - (g - m[i]) * (1.0 - w1)
            v[i] = v[i] * b2 + (1.0 - b2) * g * g
            second = v[i]
            if amsgrad:
                second = vmax[i] = max(vmax[i], second)
            denom = math.sqrt(second) / bc2_sqrt + eps
            # AdamW's decay, p *= 1 - lr * wd, comes first in PyTorch; it is written after
            # the moments here (they do not read p), so that a gradient that is no number
            # fails before anything of its parameter is written. Same numbers.
            data = p.data if decay is None else p.data * decay
            p.data = data + (-step_size) * m[i] / denom
        self.steps = t


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter), as ``torch.optim.AdamW``.

    Each step first shrinks every weight, ``p *= 1 - lr * weight_decay``, then takes an Adam
    step on the plain gradient.
    """

    _decoupled = True

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
