"""chainrule's network library: micrograd's ``MLP`` and friends, on the public engine API.

>>> from nn import MLP
>>> from nn.optim import SGD
>>> from nn.losses import mse_loss
>>> model = MLP(2, [8, 1], seed=0)
>>> opt = SGD(model.parameters(), lr=0.1)
>>> for _ in range(50):
...     loss = mse_loss([model([0.0, 1.0]), model([1.0, 0.0])], [1.0, -1.0])
...     opt.zero_grad(); loss.backward(); opt.step()
>>> loss.data < 0.01
True
"""

import autograd as _engine

if not hasattr(_engine, "Value"):  # the name is another package's: HIPS autograd, say
    raise ImportError(
        "chainrule's nn needs chainrule's engine, but `import autograd` found another package "
        f"at {getattr(_engine, '__file__', '?')} (HIPS autograd, a dependency of PennyLane "
        "and lifelines, owns the same name). Install chainrule in a virtual environment of "
        "its own (python -m venv), or pip uninstall autograd chainrule and reinstall one."
    )

from . import datasets, init, losses, optim, schedules  # noqa: E402
from .clip import clip_grad_norm, grad_norm
from .datasets import make_moons, make_spirals
from .dropout import Dropout
from .export import to_torch
from .health import HealthReport, LayerHealth, gradient_health
from .layer import Layer
from .mlp import MLP
from .module import Module
from .neuron import ACTIVATIONS, Neuron
from .serialize import StateDictError

__all__ = [
    "ACTIVATIONS",
    "Dropout",
    "HealthReport",
    "Layer",
    "LayerHealth",
    "MLP",
    "Module",
    "Neuron",
    "StateDictError",
    "clip_grad_norm",
    "datasets",
    "grad_norm",
    "gradient_health",
    "init",
    "losses",
    "make_moons",
    "make_spirals",
    "optim",
    "schedules",
    "to_torch",
]
