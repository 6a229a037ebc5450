"""chainrule's engine: scalar reverse-mode automatic differentiation.

>>> from autograd import Value
>>> x = Value(3.0)
>>> y = x * x * x
>>> y.backward()
>>> x.grad
27.0
"""

from .functional import grad, hessian
from .grad_mode import is_grad_enabled, no_grad
from .gradcheck import GradcheckError, gradcheck, numerical_gradient
from .nary import dot, sum
from .primitives import PRIMITIVES, Primitive
from .value import Value

__all__ = [
    "GradcheckError",
    "PRIMITIVES",
    "Primitive",
    "Value",
    "dot",
    "grad",
    "gradcheck",
    "hessian",
    "is_grad_enabled",
    "no_grad",
    "numerical_gradient",
    "sum",
]
__version__ = "0.1.0"
