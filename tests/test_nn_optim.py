"""Optimisers and gradient clipping: hand-computed steps, and PyTorch's trajectories."""

import math

import pytest

from autograd import Value
from nn import MLP, clip_grad_norm
from nn.optim import SGD, Adam, AdamW


def _run(opt_class, steps, p0=1.0, **kw):
    """Minimise f(p) = p^2 (gradient 2p) from p0; the parameter after each step."""
    p = Value(p0)
    opt = opt_class([p], **kw)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        (p * p).backward()
        opt.step()
        out.append(p.data)
    return out


# -- hand-computed steps (f = p^2, so the gradient is 2p) -----------------------------------


def test_sgd_plain_step():
    # 1 - 0.1 * 2 = 0.8; 0.8 - 0.1 * 1.6 = 0.64
    assert _run(SGD, 2, lr=0.1) == pytest.approx([0.8, 0.64], abs=1e-15)


def test_sgd_momentum():
    # buf1 = g1 = 2 -> p1 = 0.8; g2 = 1.6, buf2 = 0.9*2 + 1.6 = 3.4 -> p2 = 0.46;
    # g3 = 0.92, buf3 = 0.9*3.4 + 0.92 = 3.98 -> p3 = 0.062
    assert _run(SGD, 3, lr=0.1, momentum=0.9) == pytest.approx([0.8, 0.46, 0.062], abs=1e-15)


def test_sgd_dampening_spares_the_first_step():
    # buf1 = g1 = 2 -> 0.8; g2 = 1.6, buf2 = 0.9*2 + 0.5*1.6 = 2.6 -> 0.54
    assert _run(SGD, 2, lr=0.1, momentum=0.9, dampening=0.5) == pytest.approx(
        [0.8, 0.54], abs=1e-15
    )


def test_sgd_nesterov():
    # g1 = 2, buf1 = 2, step 2 + 0.9*2 = 3.8 -> 0.62;
    # g2 = 1.24, buf2 = 1.8 + 1.24 = 3.04, step 1.24 + 0.9*3.04 = 3.976 -> 0.2224
    assert _run(SGD, 2, lr=0.1, momentum=0.9, nesterov=True) == pytest.approx(
        [0.62, 0.2224], abs=1e-15
    )


def test_sgd_weight_decay_adds_to_the_gradient():
    # g = 2p + 0.1p = 2.1p: 1 - 0.21 = 0.79
    assert _run(SGD, 1, lr=0.1, weight_decay=0.1) == pytest.approx([0.79], abs=1e-15)


def test_adam_first_steps():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    # step 1: m = 0.1 g, v = 0.001 g^2; bias-corrected they are g and g^2: p -= lr g / (|g| + eps)
    p1 = 1.0 - lr * 2.0 / (2.0 + eps)
    # step 2 at g2 = 2 p1
    g2 = 2 * p1
    m2 = b1 * (1 - b1) * 2.0 + (1 - b1) * g2
    v2 = b2 * (1 - b2) * 4.0 + (1 - b2) * g2 * g2
    p2 = p1 - lr * (m2 / (1 - b1**2)) / (math.sqrt(v2 / (1 - b2**2)) + eps)
    assert _run(Adam, 2, lr=lr) == pytest.approx([p1, p2], abs=1e-15)


def test_adam_l2_weight_decay_goes_into_the_moments():
    # g = 2p + 0.5p = 2.5 on step 1: the first step is still lr * g / (|g| + eps)
    assert _run(Adam, 1, lr=0.1, weight_decay=0.5) == pytest.approx(
        [1 - 0.1 * 2.5 / (2.5 + 1e-8)], abs=1e-15
    )


def test_adamw_decays_the_weight_then_steps():
    # p = 1 * (1 - 0.1 * 0.5) = 0.95, then the Adam step on the plain gradient 2
    assert _run(AdamW, 1, lr=0.1, weight_decay=0.5) == pytest.approx(
        [0.95 - 0.1 * 2 / (2 + 1e-8)], abs=1e-15
    )


def test_adamw_default_weight_decay_is_pytorchs():
    assert AdamW([Value(0.0)]).weight_decay == 0.01
    assert Adam([Value(0.0)]).weight_decay == 0.0


def test_amsgrad_uses_the_largest_second_moment():
    # a large first gradient, then a small one: plain Adam's v shrinks, AMSGrad's does not
    def run(amsgrad):
        p = Value(0.0)
        opt = Adam([p], lr=0.1, amsgrad=amsgrad)
        for g in (10.0, 0.1):
            p.grad = g
            opt.step()
        return p.data

    assert run(True) > run(False)  # the smaller step is the one with the larger denominator


def test_optimisers_update_data_with_plain_floats():
    model = MLP(2, [3, 1], seed=0)
    opt = Adam(model.parameters(), lr=0.01)
    model([1.0, 2.0]).backward()
    opt.step()
    assert all(type(p.data) is float and p.op == "" and p.parents == () for p in model.parameters())
    assert opt.steps == 1


def test_zero_grad_clears_the_parameters_gradients():
    ps = [Value(1.0), Value(2.0)]
    (ps[0] * ps[1]).backward()
    SGD(ps, lr=0.1).zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda ps: SGD(ps, lr=-0.1), "learning rate"),
        (lambda ps: SGD(ps, lr=0.1, momentum=-0.5), "momentum"),
        (lambda ps: SGD(ps, lr=0.1, weight_decay=-1), "weight_decay"),
        (lambda ps: SGD(ps, lr=0.1, nesterov=True), "Nesterov"),
        (lambda ps: SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov"),
        (lambda ps: Adam(ps, lr=-1e-3), "learning rate"),
        (lambda ps: Adam(ps, betas=(1.0, 0.999)), r"betas\[0\]"),
        (lambda ps: Adam(ps, betas=(0.9, -0.1)), r"betas\[1\]"),
        (lambda ps: Adam(ps, eps=-1e-8), "eps"),
        (lambda ps: AdamW(ps, weight_decay=-0.01), "weight_decay"),
        (lambda ps: SGD([], lr=0.1), "empty"),
        (lambda ps: SGD(ps + ps, lr=0.1), "twice"),
    ],
)
def test_bad_hyperparameters_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make([Value(1.0)])


def test_bad_parameter_lists_are_refused():
    with pytest.raises(TypeError, match="model.parameters()"):
        SGD(MLP(2, [1], seed=0), lr=0.1)
    with pytest.raises(TypeError, match="Values"):
        SGD([1.0], lr=0.1)
    with pytest.raises(TypeError, match="betas"):
        Adam([Value(1.0)], betas=0.9)


# -- against PyTorch: 25 steps on a small non-convex problem ---------------------------------

_START = [0.5, -1.5, 2.0, 0.25, -0.75]
_CONFIGS = [
    (SGD, dict(lr=0.01)),
    (SGD, dict(lr=0.01, momentum=0.9)),
    (SGD, dict(lr=0.01, momentum=0.9, dampening=0.3)),
    (SGD, dict(lr=0.01, momentum=0.8, nesterov=True)),
    (SGD, dict(lr=0.01, momentum=0.5, weight_decay=0.1)),
    (Adam, dict(lr=0.05)),
    (Adam, dict(lr=0.05, betas=(0.3, 0.6), eps=1e-6)),
    (Adam, dict(lr=0.05, weight_decay=0.1)),
    (Adam, dict(lr=0.05, amsgrad=True)),
    (AdamW, dict(lr=0.05)),
    (AdamW, dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
]


def _loss(p, sin):
    """A bumpy function of five variables, written once for both frameworks."""
    return (p[0] * p[1] - 1) ** 2 + sin(p[2]) * p[3] + (p[4] - p[0]) ** 2 + 0.1 * p[2] ** 4


@pytest.mark.parametrize(
    ("opt_class", "kw"), _CONFIGS, ids=lambda c: getattr(c, "__name__", str(c))
)
def test_25_steps_match_torch(opt_class, kw):
    torch = pytest.importorskip("torch")
    ours = [Value(x) for x in _START]
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in _START]
    opt = opt_class(ours, **kw)
    topt = getattr(torch.optim, opt_class.__name__)(theirs, **kw)
    for _ in range(25):
        opt.zero_grad()
        _loss(ours, lambda v: v.sin()).backward()
        opt.step()
        topt.zero_grad()
        _loss(theirs, torch.sin).backward()
        topt.step()
    assert [p.data for p in ours] == pytest.approx([t.item() for t in theirs], abs=1e-10, rel=0)
    assert [p.data for p in ours] != pytest.approx(_START, abs=1e-3)  # it did move


# -- clip_grad_norm --------------------------------------------------------------------------


def _with_grads(grads):
    ps = [Value(0.0) for _ in grads]
    for p, g in zip(ps, grads):
        p.grad = g
    return ps


def test_clip_scales_down_to_max_norm_and_returns_the_norm_before():
    ps = _with_grads([3.0, 4.0])
    assert clip_grad_norm(ps, 1.0) == 5.0
    coef = 1.0 / (5.0 + 1e-6)  # PyTorch's 1e-6 guards a zero norm
    assert [p.grad for p in ps] == pytest.approx([3 * coef, 4 * coef], abs=1e-15)


def test_clip_leaves_small_gradients_alone():
    ps = _with_grads([0.3, -0.4])
    assert clip_grad_norm(ps, 1.0) == pytest.approx(0.5, abs=1e-15)
    assert [p.grad for p in ps] == [0.3, -0.4]


def test_clip_with_the_max_norm():
    ps = _with_grads([3.0, -4.0])
    assert clip_grad_norm(ps, 2.0, norm_type=math.inf) == 4.0
    assert [p.grad for p in ps] == pytest.approx(
        [3 * 2 / (4 + 1e-6), -4 * 2 / (4 + 1e-6)], abs=1e-15
    )


def test_clip_does_not_overflow_on_huge_gradients():
    ps = _with_grads([3e200, 4e200])
    assert clip_grad_norm(ps, 1.0) == pytest.approx(5e200, rel=1e-15)
    assert [p.grad for p in ps] == pytest.approx([0.6, 0.8], rel=1e-12)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_matches_torch(norm_type, max_norm):
    torch = pytest.importorskip("torch")
    grads = [0.3, -1.7, 2.2, 0.0, -0.05]
    ps = _with_grads(grads)
    ts = [torch.zeros((), dtype=torch.float64) for _ in grads]
    for t, g in zip(ts, grads):
        t.grad = torch.tensor(g, dtype=torch.float64)
    total = clip_grad_norm(ps, max_norm, norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(ts, max_norm, norm_type)
    assert total == pytest.approx(ttotal.item(), rel=1e-12)
    assert [p.grad for p in ps] == pytest.approx([t.grad.item() for t in ts], rel=1e-12, abs=1e-15)
