"""Optimisers and gradient clipping: hand-computed steps, and PyTorch's trajectories."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value
from nn import MLP, clip_grad_norm, grad_norm
from nn.clip import clip_grad_norm_
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
        # non-finite: a step would make every parameter inf or nan
        (lambda ps: SGD(ps, lr=math.inf), "learning rate"),
        (lambda ps: SGD(ps, lr=math.nan), "learning rate"),
        (lambda ps: SGD(ps, lr=0.1, momentum=math.inf), "momentum"),
        (lambda ps: SGD(ps, lr=0.1, dampening=math.nan), "dampening"),
        (lambda ps: SGD(ps, lr=0.1, weight_decay=math.inf), "weight_decay"),
        (lambda ps: Adam(ps, lr=math.inf), "learning rate"),
        (lambda ps: Adam(ps, betas=(math.nan, 0.999)), r"betas\[0\]"),
        (lambda ps: Adam(ps, betas=(0.9, 1.0)), r"betas\[1\]"),
        # eps = 0 divides 0 by 0 at the first zero gradient
        (lambda ps: Adam(ps, eps=0), "eps"),
        (lambda ps: Adam(ps, eps=0.0), "eps"),
        (lambda ps: Adam(ps, eps=math.inf), "eps"),
        (lambda ps: AdamW(ps, eps=math.nan), "eps"),
        (lambda ps: AdamW(ps, weight_decay=math.inf), "weight_decay"),
    ],
)
def test_bad_hyperparameters_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make([Value(1.0)])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda ps: SGD(ps, lr=True), "learning rate must be a number, got bool True"),
        (lambda ps: SGD(ps, lr="0.1"), "learning rate must be a number, got str '0.1'"),
        (lambda ps: SGD(ps, lr=None), "learning rate must be a number"),
        (lambda ps: SGD(ps, lr=0.1, momentum=False), "momentum must be a number"),
        (lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov="no"), "nesterov must be True or"),
        (lambda ps: Adam(ps, betas=(True, 0.999)), r"betas\[0\] must be a number"),
        (lambda ps: Adam(ps, eps="1e-8"), "eps must be a number"),
        (lambda ps: Adam(ps, amsgrad="yes"), "amsgrad must be True or False"),
        (lambda ps: AdamW(ps, weight_decay=None), "weight_decay must be a number"),
    ],
)
def test_options_of_the_wrong_type_are_refused_naming_the_option(make, message):
    with pytest.raises(TypeError, match=message):
        make([Value(1.0)])


def test_adam_with_the_smallest_accepted_eps_steps_a_zero_gradient():
    p = Value(1.0)
    opt = Adam([p], eps=5e-324)
    p.grad = 0.0
    opt.step()
    assert p.data == 1.0


_ANY_OPTION = st.one_of(
    st.floats(),  # nan, inf, negative, huge, tiny
    st.integers(-3, 3),
    st.booleans(),
    st.none(),
    st.sampled_from(["0.1", (0.9, 0.999), [0.5]]),
)


@settings(deadline=None)
@given(
    choice=st.sampled_from(["SGD", "Adam", "AdamW"]),
    options=st.dictionaries(
        st.sampled_from(
            ["lr", "momentum", "dampening", "weight_decay", "nesterov", "eps", "amsgrad"]
        ),
        _ANY_OPTION,
    ),
    betas=st.tuples(_ANY_OPTION, _ANY_OPTION) | st.none(),
    grads=st.lists(st.floats(-1e6, 1e6) | st.just(0.0), min_size=3, max_size=3),
)
def test_an_optimiser_that_is_made_steps_without_an_error(choice, options, betas, grads):
    """Whatever options are given: refused at construction (TypeError or ValueError, naming
    the option), or every step works, with zero gradients too."""
    cls = {"SGD": SGD, "Adam": Adam, "AdamW": AdamW}[choice]
    if choice == "SGD":
        options = {k: v for k, v in options.items() if k not in ("eps", "amsgrad")}
        options.setdefault("lr", 0.1)
    else:
        options = {
            k: v for k, v in options.items() if k not in ("momentum", "dampening", "nesterov")
        }
        if betas is not None:
            options["betas"] = betas
    ps = [Value(1.0), Value(-2.0), Value(0.5)]
    try:
        opt = cls(ps, **options)
    except (TypeError, ValueError) as error:
        named = [k for k in options if k.replace("lr", "learning rate") in str(error)]
        assert named or "Nesterov" in str(error), str(error)
        return
    for step in range(3):
        for p, g in zip(ps, grads):
            p.grad = g if step else 0.0
        opt.step()
    assert opt.steps == 3


# -- PyTorch's habits ------------------------------------------------------------------------


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_takes_set_to_none_and_sets_zero(set_to_none):
    model = MLP(2, [3, 1], seed=0)
    model([1.0, 1.0]).backward()
    opt = SGD(model.parameters(), lr=0.1)
    opt.zero_grad(set_to_none=set_to_none)
    assert all(p.grad == 0.0 and type(p.grad) is float for p in model.parameters())
    model([1.0, 1.0]).backward()
    model.zero_grad(set_to_none=set_to_none)
    assert all(p.grad == 0.0 and type(p.grad) is float for p in model.parameters())


@pytest.mark.parametrize("opt_class", [SGD, Adam, AdamW])
def test_step_with_a_closure_is_zero_grad_backward_step_and_returns_the_loss(opt_class):
    def run(with_closure):
        ps = [Value(x) for x in _START]
        opt = opt_class(ps, lr=0.05, **({"momentum": 0.9} if opt_class is SGD else {}))
        losses = []
        for _ in range(5):
            if with_closure:

                def closure():
                    opt.zero_grad()
                    loss = _loss(ps, lambda v: v.sin())
                    loss.backward()
                    return loss

                losses.append(opt.step(closure).data)
            else:
                opt.zero_grad()
                loss = _loss(ps, lambda v: v.sin())
                loss.backward()
                opt.step()
                losses.append(loss.data)
        return losses, [p.data for p in ps]

    assert run(True) == run(False)


_NONE_CONFIGS = [
    (SGD, dict(lr=0.1)),
    (SGD, dict(lr=0.1, momentum=0.9, weight_decay=0.1)),
    (SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
    (Adam, dict(lr=0.1, weight_decay=0.1, amsgrad=True)),
    (AdamW, dict(lr=0.1, weight_decay=0.1)),
]


@pytest.mark.parametrize(
    ("opt_class", "kw"), _NONE_CONFIGS, ids=lambda c: getattr(c, "__name__", "")
)
@pytest.mark.parametrize("where", [[0], [2], [4], [1, 3], [0, 1, 2, 3, 4]])
def test_a_grad_of_none_steps_as_a_grad_of_zero(opt_class, kw, where):
    """The engine's backward takes None as "no gradient yet" (PyTorch's set_to_none habit):
    a parameter the loss does not reach keeps it, and a step takes it as 0.0."""

    def run(missing):
        ps = [Value(x) for x in _START]
        opt = opt_class(ps, **kw)
        for step in range(3):
            for i, p in enumerate(ps):
                p.grad = missing if i in where else 0.5 * i - 1.0 + step
            opt.step()
        return [p.data.hex() for p in ps], [p.grad for p in ps], opt.steps

    assert run(None) == run(0.0)


def test_a_grad_that_is_no_number_is_named_and_nothing_changes_when_it_comes_first():
    ps = [Value(1.0), Value(2.0)]
    opt = Adam(ps, lr=0.1)
    ps[0].grad, ps[1].grad = "0.5", 1.0
    ps[0].label = "w.0"
    with pytest.raises(TypeError, match=r"parameter 0 \(w.0\) has grad str '0.5'.*nothing changed"):
        opt.step()
    assert [p.data for p in ps] == [1.0, 2.0] and opt.steps == 0


def test_param_groups_is_one_live_group_whose_lr_can_be_set():
    ps = [Value(1.0)]
    opt = Adam(ps, lr=0.1, betas=(0.8, 0.9))
    (group,) = opt.param_groups
    assert group["lr"] == 0.1 and group["betas"] == (0.8, 0.9) and group["params"] == ps
    for g in opt.param_groups:  # the PyTorch loop that decays the learning rate by hand
        g["lr"] *= 0.5
    assert opt.lr == 0.05 and group["lr"] == 0.05
    with pytest.raises(KeyError, match="only 'lr' can be changed"):
        group["betas"] = (0.5, 0.5)
    with pytest.raises(ValueError, match="learning rate"):
        group["lr"] = -1.0
    assert opt.lr == 0.05


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (lambda m: [{"params": m.parameters(), "lr": 0.1}], "one parameter group"),
        (lambda m: m.named_parameters(), r"not model.named_parameters\(\)"),
        (lambda m: m.parameters()[0], r"not a single Value"),
        (lambda m: 3, "got int"),
    ],
)
def test_a_wrong_parameter_list_says_what_to_pass(params, message):
    with pytest.raises(TypeError, match=message):
        SGD(params(MLP(2, [1], seed=0)), lr=0.1)


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


def test_clip_leaves_out_and_leaves_alone_a_grad_of_none():
    ps = _with_grads([3.0, 0.0, 4.0])
    ps[1].grad = None
    assert clip_grad_norm(ps, 1.0) == 5.0
    assert ps[1].grad is None
    assert [ps[0].grad, ps[2].grad] == pytest.approx([0.6, 0.8], rel=1e-6)
    assert grad_norm(ps) == pytest.approx(1.0, rel=1e-6)


def test_clip_takes_one_value_as_pytorch_takes_one_tensor():
    (p,) = _with_grads([-3.0])
    assert clip_grad_norm(p, 1.0) == 3.0
    assert p.grad == pytest.approx(-1.0, rel=1e-6)
    assert clip_grad_norm_ is clip_grad_norm  # PyTorch's name


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda ps: clip_grad_norm(ps, math.nan), ValueError, "max_norm"),
        (lambda ps: clip_grad_norm(ps, -1.0), ValueError, "max_norm"),
        (lambda ps: clip_grad_norm(ps, "1.0"), TypeError, "max_norm must be a number"),
        (lambda ps: clip_grad_norm(ps, 1.0, norm_type=0), ValueError, "norm_type"),
        (lambda ps: clip_grad_norm(ps, 1.0, norm_type=-2), ValueError, "norm_type"),
        (lambda ps: clip_grad_norm(ps, 1.0, norm_type=math.nan), ValueError, "norm_type"),
        (lambda ps: clip_grad_norm(ps, 1.0, norm_type="2"), TypeError, "norm_type must be"),
        (lambda ps: grad_norm(ps, norm_type=0), ValueError, "norm_type"),
        (lambda ps: clip_grad_norm(MLP(2, [1], seed=0), 1.0), TypeError, "model.parameters()"),
        (lambda ps: clip_grad_norm([1.0], 1.0), TypeError, "parameters must be Values"),
    ],
)
def test_clip_refuses_what_would_make_a_wrong_number(call, error, message):
    ps = _with_grads([3.0, 4.0])
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(ps)
    assert [p.grad for p in ps] == [3.0, 4.0]


def test_clip_with_an_infinite_max_norm_clips_nothing():
    ps = _with_grads([3.0, 4.0])
    assert clip_grad_norm(ps, math.inf) == 5.0
    assert [p.grad for p in ps] == [3.0, 4.0]


def test_sgds_positional_order_is_the_contracts():
    """SGD(params, lr, momentum, weight_decay, nesterov, *, dampening): the fourth
    positional argument is weight_decay, as the API contract says."""
    opt = SGD([Value(1.0)], 0.1, 0.9, 0.01)
    assert (opt.momentum, opt.weight_decay, opt.dampening) == (0.9, 0.01, 0.0)
    with pytest.raises(TypeError):
        SGD([Value(1.0)], 0.1, 0.9, 0.01, True, 0.5)  # dampening only by name


def test_pytorchs_positional_order_is_refused_naming_the_fix():
    # torch.optim.SGD(params, lr, momentum, dampening, weight_decay): a weight decay lands
    # on nesterov here, which takes only True or False
    with pytest.raises(TypeError, match="dampening is keyword-only: pass the options by name"):
        SGD([Value(1.0)], 0.1, 0.9, 0.0, 1e-4)


def test_a_parameter_that_is_not_a_leaf_is_refused():
    w = Value(1.0)
    with pytest.raises(ValueError, match=r"params\[1\] is not a leaf \(it was made by mul\)"):
        SGD([w, w * 2.0], 0.1)


def test_set_to_none_must_be_a_bool():
    w = Value(1.0)
    with pytest.raises(TypeError, match="set_to_none must be True or False"):
        SGD([w], 0.1).zero_grad(set_to_none="yes")
