"""Cross-check against PyTorch (float64) on random DAGs; skipped when PyTorch is absent."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, grad
from autograd.testing import expressions

torch = pytest.importorskip("torch")

TORCH = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "neg": lambda a: -a,
    "abs": lambda a: a.abs() if torch.is_tensor(a) else abs(a),
    "exp": torch.exp,
    "log": torch.log,
    "log1p": torch.log1p,
    "sqrt": torch.sqrt,
    "sin": torch.sin,
    "cos": torch.cos,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "softplus": torch.nn.functional.softplus,
    "relu": torch.relu,
    "leaky_relu": lambda a, s: torch.where(a > 0, a, a * s),  # slope may be a tensor (PReLU)
    "reciprocal": torch.reciprocal,
}


def _torch_apply(name, args):
    return TORCH[name](*args)


@given(expressions(), st.data())
def test_gradients_match_pytorch_float64(expr, data):
    xs = data.draw(expr.inputs())
    leaves = [Value(x) for x in xs]
    try:
        out = expr(leaves)
    except (ArithmeticError, ValueError):
        return
    if not math.isfinite(out.data) or abs(out.data) > 1e6:
        return
    ours = [g.data for g in grad(out, leaves)]
    t = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    tout = expr.build(t, _torch_apply)
    assert tout.item() == pytest.approx(out.data, rel=1e-12, abs=1e-12)
    if not tout.requires_grad:
        return
    tout.backward()
    theirs = [0.0 if x.grad is None else x.grad.item() for x in t]
    assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12)


def test_the_issue_example_matches_pytorch():
    a, b = Value(-4.0), Value(2.0)
    c = a * b + b**3
    d = (c.tanh() + a.exp() * b.sigmoid()).relu() / (b - a).sqrt() + 2**a
    d.backward()
    ta = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    tc = ta * tb + tb**3
    td = (tc.tanh() + ta.exp() * tb.sigmoid()).relu() / (tb - ta).sqrt() + 2**ta
    td.backward()
    assert d.data == pytest.approx(td.item(), rel=1e-14)
    assert a.grad == pytest.approx(ta.grad.item(), rel=1e-12)
    assert b.grad == pytest.approx(tb.grad.item(), rel=1e-12)
