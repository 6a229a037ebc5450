"""Learning-rate schedules: objects that set an optimiser's ``lr`` as training goes on.

They work as PyTorch's ``torch.optim.lr_scheduler`` do: creating one sets the learning rate
for step 0, and each ``scheduler.step()``, called once per optimiser step (after
``opt.step()``), moves it to the next. Each schedule is a closed formula of the step count
``t`` and the optimiser's learning rate when the scheduler was made (``base_lr``); the
formulas are PyTorch's.

>>> from autograd import Value
>>> from nn.optim import SGD
>>> opt = SGD([Value(0.0)], lr=1.0)
>>> sched = StepLR(opt, step_size=2, gamma=0.5)
>>> lrs = []
>>> for _ in range(5):
...     lrs.append(opt.lr); opt.step(); sched.step()
>>> lrs
[1.0, 1.0, 0.5, 0.5, 0.25]
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

from .optim import Optimizer
from .options import real
from .shapes import positive_int as _positive_int

__all__ = [
    "CosineAnnealingLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "StepLR",
    "WarmupLinearDecay",
]


class LRScheduler:
    """Base class: subclasses give ``factor(t)``, the learning rate at step ``t`` / base_lr."""

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"a schedule wraps an nn.optim optimiser, got {optimizer!r}")
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_step = 0
        self._set(0)

    def factor(self, t: int) -> float:
        raise NotImplementedError

    def lr_at(self, t: int) -> float:
        """The learning rate this schedule gives at step ``t``."""
        return self.base_lr * self.factor(t)

    def step(self) -> None:
        """Advance one step and set the optimiser's learning rate for it.

        A schedule that gives a learning rate the optimiser refuses (a ``LambdaLR``
        function returning nan, a ``StepLR`` whose ``gamma > 1`` has grown it to inf) is an
        error naming the schedule and the step; the step is then not taken.
        """
        t = self.last_step + 1
        self._set(t)
        self.last_step = t

    def _set(self, t: int) -> None:
        try:
            lr = self.lr_at(t)
        except OverflowError:  # gamma ** t, say
            raise ValueError(
                f"{type(self).__name__} at step {t}: the learning rate is too large for a float"
            ) from None
        try:
            self.optimizer.lr = lr
        except (TypeError, ValueError) as error:
            raise type(error)(f"{type(self).__name__} at step {t}: {error}") from None

    def get_last_lr(self) -> list[float]:
        """The learning rate set last, in a list as PyTorch gives it (one per group)."""
        return [self.optimizer.lr]


class LambdaLR(LRScheduler):
    """``lr = base_lr * lr_lambda(t)``, as ``torch.optim.lr_scheduler.LambdaLR``."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float]) -> None:
        if isinstance(lr_lambda, (list, tuple)):
            raise TypeError(
                "nn optimisers have one parameter group: pass one function, not a list of them"
            )
        if not callable(lr_lambda):
            raise TypeError(f"lr_lambda must be a function of the step, got {lr_lambda!r}")
        self.lr_lambda = lr_lambda
        super().__init__(optimizer)

    def factor(self, t: int) -> float:
        x = self.lr_lambda(t)
        if not isinstance(x, numbers.Real) or isinstance(x, bool):
            raise TypeError(
                f"LambdaLR at step {t}: lr_lambda returned {type(x).__name__} {x!r}, "
                "not a number (the factor the learning rate is multiplied by)"
            )
        return float(x)


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` steps."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = _positive_int(step_size, "step_size")
        self.gamma = real(gamma, "gamma", low=0.0)
        super().__init__(optimizer)

    def factor(self, t: int) -> float:
        return self.gamma ** (t // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """Half a cosine from ``base_lr`` down to ``eta_min`` over ``T_max`` steps.

    ``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2``; past ``T_max``
    the cosine goes on (back up), as PyTorch's does.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:  # noqa: N803
        self.T_max = _positive_int(T_max, "T_max")
        self.eta_min = real(eta_min, "eta_min", low=0.0)
        super().__init__(optimizer)

    def lr_at(self, t: int) -> float:
        cos = (1.0 + math.cos(math.pi * t / self.T_max)) / 2.0
        return self.eta_min + (self.base_lr - self.eta_min) * cos


class LinearLR(LRScheduler):
    """Scale the learning rate linearly from ``start_factor`` to ``end_factor`` over
    ``total_iters`` steps, then hold it: a linear warm-up (factors below 1 rising to 1) or
    a linear decay (falling).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3.0,
        end_factor: float = 1.0,
        total_iters: int = 5,
    ) -> None:
        self.start_factor = real(start_factor, "start_factor", low=0.0, high=1.0, low_open=True)
        self.end_factor = real(end_factor, "end_factor", low=0.0, high=1.0)
        self.total_iters = _positive_int(total_iters, "total_iters")
        super().__init__(optimizer)

    def factor(self, t: int) -> float:
        done = min(t, self.total_iters) / self.total_iters
        return self.start_factor + (self.end_factor - self.start_factor) * done


class WarmupLinearDecay(LRScheduler):
    """Rise linearly from 0 to ``base_lr`` over ``warmup_steps``, then fall linearly to 0
    at ``total_steps`` and stay there (the schedule BERT and most transformers train with).
    """

    def __init__(self, optimizer: Optimizer, warmup_steps: int, total_steps: int) -> None:
        if (
            not isinstance(warmup_steps, numbers.Integral)
            or isinstance(warmup_steps, bool)
            or warmup_steps < 0
        ):
            raise ValueError(f"warmup_steps must be an int >= 0, got {warmup_steps!r}")
        warmup: int = int(warmup_steps)
        total: int = _positive_int(total_steps, "total_steps")
        if total <= warmup:
            raise ValueError(f"total_steps ({total}) must be greater than warmup_steps ({warmup})")
        self.warmup_steps: int = warmup
        self.total_steps: int = total
        super().__init__(optimizer)

    def factor(self, t: int) -> float:
        if t < self.warmup_steps:
            return t / self.warmup_steps
        return max(0.0, (self.total_steps - t) / (self.total_steps - self.warmup_steps))
