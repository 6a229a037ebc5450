"""Losses: closed forms always, PyTorch's values and gradients to 1e-9 when it is installed."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Value
from nn.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge_loss,
    l2_penalty,
    log_sum_exp,
    mse_loss,
)


def _values(xs):
    return [Value(x) for x in xs]


def _grads(loss, xs):
    loss.backward()
    return [x.grad for x in xs]


# -- closed forms --------------------------------------------------------------------------


def test_mse_is_the_mean_square_and_its_gradient_is_2_diff_over_n():
    ps = _values([1.0, -2.0, 0.5])
    ts = [0.0, 1.0, 0.5]
    loss = mse_loss(ps, ts)
    assert loss.data == pytest.approx((1 + 9 + 0) / 3, abs=1e-15)
    assert _grads(loss, ps) == pytest.approx([2 * 1 / 3, 2 * -3 / 3, 0.0], abs=1e-15)
    assert mse_loss(_values([1.0, -2.0]), [0.0, 0.0], reduction="sum").data == 5.0
    assert mse_loss(Value(3.0), 1.0).data == 4.0


def test_hinge_is_micrograds_max_margin_loss():
    scores = _values([2.0, 0.5, -0.25, -3.0])
    labels = [1, 1, 1, -1]
    loss = hinge_loss(scores, labels)
    # relu(1 - y s): 0 (margin met), 0.5, 1.25, 0 (margin met); mean over 4
    assert loss.data == pytest.approx((0 + 0.5 + 1.25 + 0) / 4, abs=1e-15)
    assert _grads(loss, scores) == [0.0, -0.25, -0.25, 0.0]


def test_hinge_equals_micrograds_own_expression():
    scores, labels = _values([0.3, -1.7, 0.9]), [1, 1, -1]
    micrograd = sum((1 + -y * s).relu() for y, s in zip(labels, scores)) * (1.0 / 3)
    if sum([1e16, 1.0, -1e16], 0.0) == 0.0:  # sum() adds one by one (CPython up to 3.11)
        assert hinge_loss(scores, labels).data == micrograd.data
    else:  # 3.12+ compensates: one rounding apart at most
        assert hinge_loss(scores, labels).data == pytest.approx(micrograd.data, rel=1e-15)


def test_bce_with_logits_is_the_log_loss_of_the_sigmoid():
    xs, ys = [0.3, -1.2, 2.5], [1.0, 0.0, 0.25]
    logits = _values(xs)
    loss = binary_cross_entropy_with_logits(logits, ys)

    def sig(x):
        return 1 / (1 + math.exp(-x))

    expected = (
        -sum(y * math.log(sig(x)) + (1 - y) * math.log(1 - sig(x)) for x, y in zip(xs, ys)) / 3
    )
    assert loss.data == pytest.approx(expected, abs=1e-15)
    assert _grads(loss, logits) == pytest.approx(
        [(sig(x) - y) / 3 for x, y in zip(xs, ys)], abs=1e-15
    )


@pytest.mark.parametrize(
    ("x", "y", "value", "grad"),
    [
        (1000.0, 0.0, 1000.0, 1.0),
        (-1000.0, 1.0, 1000.0, -1.0),
        (1000.0, 1.0, 0.0, 0.0),
        (-1000.0, 0.0, 0.0, 0.0),
    ],
)
def test_bce_with_logits_is_finite_at_huge_logits(x, y, value, grad):
    logit = Value(x)
    loss = binary_cross_entropy_with_logits(logit, y)
    assert loss.data == value
    assert _grads(loss, [logit]) == [grad]


def test_cross_entropy_is_minus_log_softmax():
    xs = [1.0, 2.0, 0.5]
    logits = _values(xs)
    loss = cross_entropy(logits, 1)
    z = sum(math.exp(x) for x in xs)
    assert loss.data == pytest.approx(-math.log(math.exp(2.0) / z), abs=1e-15)
    softmax = [math.exp(x) / z for x in xs]
    assert _grads(loss, logits) == pytest.approx(
        [softmax[0], softmax[1] - 1, softmax[2]], abs=1e-15
    )


@pytest.mark.parametrize("target", [0, 1, 2])
def test_cross_entropy_is_finite_with_a_finite_gradient_at_logits_of_1000(target):
    logits = _values([1000.0, -1000.0, 0.0])
    loss = cross_entropy(logits, target)
    # log-sum-exp is 1000 (exp(-1000) and exp(-2000) vanish next to 1)
    assert loss.data == pytest.approx(1000.0 - [1000.0, -1000.0, 0.0][target], abs=1e-12)
    grads = _grads(loss, logits)
    assert all(math.isfinite(g) for g in grads)
    assert grads == pytest.approx([1.0 - (target == 0), -(target == 1), -(target == 2)], abs=1e-12)


def test_log_sum_exp_handles_huge_and_equal_values():
    assert log_sum_exp(_values([1000.0, 1000.0])).data == pytest.approx(
        1000 + math.log(2), abs=1e-12
    )
    assert log_sum_exp([-1000.0]).data == -1000.0


def test_l2_penalty_is_alpha_sum_of_squares_as_one_node():
    ps = _values([1.0, -2.0, 3.0])
    pen = l2_penalty(ps, alpha=0.5)
    assert pen.data == 7.0
    assert _grads(pen, ps) == [1.0, -2.0, 3.0]  # 2 * alpha * p


def test_a_batch_loss_is_one_sum_node_not_a_chain():
    scores = _values([0.1 * k for k in range(50)])
    loss = hinge_loss(scores, [1] * 50, reduction="sum")
    assert loss.op == "sum" and len(loss.parents) == 50


@pytest.mark.parametrize(
    "loss",
    [
        lambda v: mse_loss(v[:2], [0.5, -0.5]),
        lambda v: hinge_loss(v[:2], [1, -1]),
        lambda v: binary_cross_entropy_with_logits(v[:2], [1.0, 0.3]),
        lambda v: cross_entropy(v, 2),
        lambda v: l2_penalty(v, 1e-2),
    ],
)
@given(st.lists(st.floats(-3, 3), min_size=3, max_size=3))
def test_loss_gradients_match_central_differences(loss, xs):
    # hinge has a kink at margin 1; skip points too close to it for central differences
    if min(abs(1 - xs[0]), abs(1 + xs[1])) > 1e-3:
        assert autograd.gradcheck(loss, xs)


# -- errors ----------------------------------------------------------------------------------


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="2 elements but target has 3"):
        mse_loss(_values([1.0, 2.0]), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="reduction"):
        mse_loss(_values([1.0]), [1.0], reduction="average")
    with pytest.raises(ValueError, match="empty"):
        hinge_loss([], [])
    for bad in (3, -1, True, 1.0):
        with pytest.raises(ValueError, match="target_index"):
            cross_entropy(_values([1.0, 2.0, 3.0]), bad)


# -- against PyTorch -------------------------------------------------------------------------

_CASES = [
    [0.3, -1.2, 2.5, 0.0],
    [10.0, -10.0, 35.0, -35.0],
    [1000.0, -1000.0, 0.5, -0.5],
    [1e-8, -3e-9, 700.0, -700.0],
]


def _torch_grad(torch, fn, xs):
    t = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    out = fn(t)
    out.backward()
    return out.item(), t.grad.tolist()


@pytest.mark.parametrize("xs", _CASES)
def test_losses_match_torch_value_and_gradient(xs):
    torch = pytest.importorskip("torch")
    f = torch.nn.functional
    targets, labels = [1.0, 0.0, 0.7, 0.2], [1.0, -1.0, -1.0, 1.0]
    tt, tl = (torch.tensor(v, dtype=torch.float64) for v in (targets, labels))
    bce = binary_cross_entropy_with_logits
    cases = [
        (lambda v: mse_loss(v, targets), lambda t: f.mse_loss(t, tt)),
        (lambda v: hinge_loss(v, labels), lambda t: torch.relu(1 - tl * t).mean()),
        (lambda v: bce(v, targets), lambda t: f.binary_cross_entropy_with_logits(t, tt)),
        (
            lambda v: bce(v, targets, reduction="sum"),
            lambda t: f.binary_cross_entropy_with_logits(t, tt, reduction="sum"),
        ),
    ]
    for k in range(4):
        cases.append(
            (
                lambda v, k=k: cross_entropy(v, k),
                lambda t, k=k: f.cross_entropy(t.unsqueeze(0), torch.tensor([k])),
            )
        )
    for ours, theirs in cases:
        vs = _values(xs)
        loss = ours(vs)
        value, grads = _torch_grad(torch, theirs, xs)
        assert loss.data == pytest.approx(value, rel=1e-9, abs=1e-9)
        assert _grads(loss, vs) == pytest.approx(grads, rel=1e-9, abs=1e-9)


def test_losses_take_a_models_outputs_as_they_come():
    # An MLP's call is typed Value | list[Value] per sample: a one-element list is that output.
    a, b = Value(0.5), Value(-2.0)
    assert hinge_loss([[a], [b]], [1, -1]).data == hinge_loss([a, b], [1, -1]).data == 0.25
    with pytest.raises(TypeError, match=r"scores\[1\] is a list of 2 outputs"):
        hinge_loss([[a], [a, b]], [1, -1])


def test_hinge_loss_refuses_zero_one_labels_and_names_the_fix():
    with pytest.raises(ValueError, match=r"labels\[1\] = 0.*2 \* t - 1"):
        hinge_loss([Value(0.5), Value(-2.0)], [1, 0])


def test_log_sum_exp_of_logits_of_very_different_sizes_is_the_largest():
    # the shift is the largest logit exactly (a shift computed with abs lost it here)
    from nn.losses import log_sum_exp

    assert log_sum_exp([Value(1000.0), Value(-1e30)]).data == 1000.0
    assert log_sum_exp([Value(1.0), Value(-1e17)]).data == 1.0
