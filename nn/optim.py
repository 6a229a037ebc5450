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
from collections.abc import Iterable

from autograd import Value


def _real(value: object, what: str) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{what} must be a number, got {value!r}")
    x = float(value)
    if math.isnan(x):
        raise ValueError(f"{what} must not be nan")
    return x


def _non_negative(value: object, what: str) -> float:
    x = _real(value, what)
    if x < 0.0:
        raise ValueError(f"invalid {what}: {value!r} (must be >= 0)")
    return x


class Optimizer:
    """The parameter list, the learning rate ``lr`` and ``zero_grad``; subclasses ``step``."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        if hasattr(params, "parameters") and not isinstance(params, (list, tuple)):
            raise TypeError("pass the parameters, model.parameters(), not the model itself")
        self.params = list(params)
        if not self.params:
            raise ValueError("optimiser got an empty parameter list")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"parameters must be Values, got {type(p).__name__}: {p!r}")
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

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0.0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its ``.grad``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.params)} parameters, lr={self.lr})"


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, dampening, Nesterov and weight decay.

    As ``torch.optim.SGD``: ``g += weight_decay * p``; ``buf = g`` on the first step, then
    ``buf = momentum * buf + (1 - dampening) * g``; ``g = g + momentum * buf`` (Nesterov)
    or ``g = buf``; ``p -= lr * g``.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _non_negative(momentum, "momentum")
        self.dampening = _real(dampening, "dampening")
        self.weight_decay = _non_negative(weight_decay, "weight_decay")
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum <= 0.0 or self.dampening != 0.0):
            raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening")
        self._buffers: list[float | None] = [None] * len(self.params)

    def step(self) -> None:
        lr, mu, damp, wd = self.lr, self.momentum, self.dampening, self.weight_decay
        buffers = self._buffers
        for i, p in enumerate(self.params):
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
        for i, b in enumerate((b1, b2)):
            if not 0.0 <= _real(b, f"betas[{i}]") < 1.0:
                raise ValueError(f"invalid betas[{i}]: {b!r} (must be in [0, 1))")
        self.betas = (float(b1), float(b2))
        self.eps = _non_negative(eps, "eps")
        self.weight_decay = _non_negative(weight_decay, "weight_decay")
        self.amsgrad = bool(amsgrad)
        n = len(self.params)
        self._m = [0.0] * n  # first moment (mean of gradients)
        self._v = [0.0] * n  # second moment (mean of squared gradients)
        self._vmax = [0.0] * n  # AMSGrad's running maximum of the second moment

    def step(self) -> None:
        lr, eps, wd = self.lr, self.eps, self.weight_decay
        b1, b2 = self.betas
        self.steps += 1
        t = self.steps
        step_size = lr / (1.0 - b1**t)
        bc2_sqrt = (1.0 - b2**t) ** 0.5
        w1 = 1.0 - b1
        m, v, vmax = self._m, self._v, self._vmax
        for i, p in enumerate(self.params):
            g = p.grad
            if wd != 0.0:
                if self._decoupled:
                    p.data = p.data * (1.0 - lr * wd)
                else:
                    g = g + wd * p.data
            # PyTorch's lerp, m + w1 * (g - m), in its more accurate form for either w1.
            m[i] = m[i] + w1 * (g - m[i]) if w1 < 0.5 else g - (g - m[i]) * (1.0 - w1)
            v[i] = v[i] * b2 + (1.0 - b2) * g * g
            second = v[i]
            if self.amsgrad:
                second = vmax[i] = max(vmax[i], second)
            denom = math.sqrt(second) / bc2_sqrt + eps
            p.data = p.data + (-step_size) * m[i] / denom


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
