"""chainrule's engine: scalar reverse-mode automatic differentiation.

>>> from autograd import Value
>>> x = Value(3.0)
>>> y = x * x * x
>>> y.backward()
>>> x.grad
27.0
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from .clash import warn_if_shared
from .compile import CompiledStep, TraceInfo
from .compile import compile as compile  # public, not starred: see NOT_STARRED
from .dense import dense
from .extend import define_primitive
from .functional import grad, hessian, hvp, jacobian, jvp
from .gradcheck import (
    GradcheckError,
    check_primitive,
    gradcheck,
    gradcheck_params,
    numerical_gradient,
)
from .modes import AnomalyError, detect_anomaly, is_anomaly_enabled, is_grad_enabled, no_grad
from .nary import dot
from .nary import max as max  # public, not starred: see NOT_STARRED
from .nary import sum as sum  # public, not starred: see NOT_STARRED
from .primitives import PRIMITIVES, Primitive
from .value import Value

__all__ = [
    "AnomalyError",
    "CompiledStep",
    "GradcheckError",
    "PRIMITIVES",
    "TraceInfo",
    "Primitive",
    "Value",
    "check_primitive",
    "define_primitive",
    "dense",
    "detect_anomaly",
    "dot",
    "grad",
    "gradcheck",
    "gradcheck_params",
    "hessian",
    "hvp",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "jacobian",
    "jvp",
    "no_grad",
    "numerical_gradient",
]
# Public as well, but left out of __all__ so that ``from autograd import *`` shadows no
# builtin: call them ``autograd.sum`` and ``autograd.compile``, as ``torch.sum``.
NOT_STARRED = ("compile", "max", "sum")
warn_if_shared()  # HIPS autograd in this environment: they cannot share the name

try:  # one version, pyproject.toml's, as installed
    __version__ = _version("chainrule")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
