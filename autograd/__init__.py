"""chainrule's engine: scalar reverse-mode automatic differentiation.

>>> from autograd import Value
>>> x = Value(3.0)
>>> y = x * x * x
>>> y.backward()
>>> x.grad
27.0
"""

from .compile import CompiledStep, TraceInfo, compile
from .dense import dense
from .extend import define_primitive
from .functional import grad, hessian
from .gradcheck import (
    GradcheckError,
    check_primitive,
    gradcheck,
    gradcheck_params,
    numerical_gradient,
)
from .modes import AnomalyError, detect_anomaly, is_anomaly_enabled, is_grad_enabled, no_grad
from .nary import dot, sum
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
    "compile",
    "define_primitive",
    "dense",
    "detect_anomaly",
    "dot",
    "grad",
    "gradcheck",
    "gradcheck_params",
    "hessian",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "numerical_gradient",
    "sum",
]
__version__ = "0.1.0"
