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
from collections.abc import Callable

from .optim import Optimizer


def _positive_int(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{what} must be a positive int, got {value!r}")
    return value


class LRScheduler:
    """Base class: subclasses give ``factor(t)``, the learning rate at step ``t`` / base_lr."""

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"a schedule wraps an nn.optim optimiser, got {optimizer!r}")
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_step = 0
        optimizer.lr = self.lr_at(0)

    def factor(self, t: int) -> float:
        raise NotImplementedError

    def lr_at(self, t: int) -> float:
        """The learning rate this schedule gives at step ``t``."""
        return self.base_lr * self.factor(t)

    def step(self) -> None:
        """Advance one step and set the optimiser's learning rate for it."""
        self.last_step += 1
        self.optimizer.lr = self.lr_at(self.last_step)

    def get_last_lr(self) -> list[float]:
        """The learning rate set last, in a list as PyTorch gives it (one per group)."""
        return [self.optimizer.lr]


class LambdaLR(LRScheduler):
    """``lr = base_lr * lr_lambda(t)``, as ``torch.optim.lr_scheduler.LambdaLR``."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float]) -> None:
        self.lr_lambda = lr_lambda
        super().__init__(optimizer)

    def factor(self, t: int) -> float:
        return self.lr_lambda(t)


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` steps."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = _positive_int(step_size, "step_size")
        self.gamma = float(gamma)
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
        self.eta_min = float(eta_min)
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
        if not 0.0 < start_factor <= 1.0 or not 0.0 <= end_factor <= 1.0:
            raise ValueError(
                "start_factor must be in (0, 1] and end_factor in [0, 1], "
                f"got {start_factor!r} and {end_factor!r}"
            )
        self.start_factor, self.end_factor = float(start_factor), float(end_factor)
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
        if not isinstance(warmup_steps, int) or isinstance(warmup_steps, bool) or warmup_steps < 0:
            raise ValueError(f"warmup_steps must be an int >= 0, got {warmup_steps!r}")
        if _positive_int(total_steps, "total_steps") <= warmup_steps:
            raise ValueError(
                f"total_steps ({total_steps}) must be greater than warmup_steps ({warmup_steps})"
            )
        self.warmup_steps, self.total_steps = warmup_steps, total_steps
        super().__init__(optimizer)

    def factor(self, t: int) -> float:
        if t < self.warmup_steps:
            return t / self.warmup_steps
        return max(0.0, (self.total_steps - t) / (self.total_steps - self.warmup_steps))
