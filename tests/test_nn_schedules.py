"""Learning-rate schedules: hand-computed rates always, PyTorch's schedulers when installed."""

import math

import pytest

from autograd import Value
from nn.optim import SGD, Adam
from nn.schedules import CosineAnnealingLR, LambdaLR, LinearLR, StepLR, WarmupLinearDecay


def _rates(make, steps, lr=1.0):
    opt = SGD([Value(0.0)], lr=lr)
    sched = make(opt)
    out = []
    for _ in range(steps):
        out.append(opt.lr)
        opt.step()
        sched.step()
    return out


def test_step_lr_multiplies_by_gamma_every_step_size_steps():
    assert _rates(lambda o: StepLR(o, step_size=3, gamma=0.5), 8) == [
        1,
        1,
        1,
        0.5,
        0.5,
        0.5,
        0.25,
        0.25,
    ]


def test_cosine_goes_from_base_to_eta_min_in_t_max_steps():
    rates = _rates(lambda o: CosineAnnealingLR(o, T_max=4, eta_min=0.1), 5, lr=2.0)
    # eta_min + (base - eta_min) (1 + cos(pi t / 4)) / 2
    expected = [
        2.0,
        0.1 + 1.9 * (1 + math.sqrt(0.5)) / 2,
        1.05,
        0.1 + 1.9 * (1 - math.sqrt(0.5)) / 2,
        0.1,
    ]
    assert rates == pytest.approx(expected, abs=1e-15)


def test_linear_lr_warms_up_then_holds():
    rates = _rates(
        lambda o: LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=3), 6, lr=0.4
    )
    assert rates == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.4, 0.4], abs=1e-15)


def test_linear_lr_can_decay():
    rates = _rates(lambda o: LinearLR(o, start_factor=1.0, end_factor=0.0, total_iters=4), 6)
    assert rates == pytest.approx([1.0, 0.75, 0.5, 0.25, 0.0, 0.0], abs=1e-15)


def test_warmup_then_linear_decay():
    rates = _rates(lambda o: WarmupLinearDecay(o, warmup_steps=2, total_steps=6), 8, lr=0.8)
    assert rates == pytest.approx([0.0, 0.4, 0.8, 0.6, 0.4, 0.2, 0.0, 0.0], abs=1e-15)


def test_lambda_lr_and_get_last_lr():
    opt = Adam([Value(0.0)], lr=0.1)
    sched = LambdaLR(opt, lambda t: 1 / (1 + t))
    sched.step()
    sched.step()
    assert sched.get_last_lr() == [pytest.approx(0.1 / 3, abs=1e-15)]
    assert opt.lr == sched.get_last_lr()[0]


@pytest.mark.parametrize(
    "make",
    [
        lambda o: StepLR(o, step_size=0),
        lambda o: CosineAnnealingLR(o, T_max=0),
        lambda o: LinearLR(o, start_factor=0.0),
        lambda o: LinearLR(o, end_factor=1.5),
        lambda o: WarmupLinearDecay(o, warmup_steps=5, total_steps=5),
        lambda o: WarmupLinearDecay(o, warmup_steps=-1, total_steps=5),
    ],
)
def test_bad_schedules_are_refused(make):
    with pytest.raises(ValueError):
        make(SGD([Value(0.0)], lr=0.1))


def test_a_schedule_needs_an_nn_optimiser():
    with pytest.raises(TypeError):
        StepLR(object(), step_size=1)


def _warmup(s):
    return s / 5 if s < 5 else max(0.0, (20 - s) / 15)


@pytest.mark.parametrize(
    ("ours", "name", "args"),
    [
        (lambda o: StepLR(o, 7, 0.3), "StepLR", (7, 0.3)),
        (lambda o: CosineAnnealingLR(o, 10, 0.01), "CosineAnnealingLR", (10, 0.01)),
        (lambda o: LinearLR(o, 0.1, 0.9, 12), "LinearLR", (0.1, 0.9, 12)),
        (lambda o: WarmupLinearDecay(o, 5, 20), "LambdaLR", (_warmup,)),
    ],
)
def test_schedules_match_torch(ours, name, args):
    torch = pytest.importorskip("torch")

    def theirs(torch, o):
        return getattr(torch.optim.lr_scheduler, name)(o, *args)

    opt = SGD([Value(0.0)], lr=0.5)
    param = torch.zeros(1, requires_grad=True)
    topt = torch.optim.SGD([param], lr=0.5)
    sched, tsched = ours(opt), theirs(torch, topt)
    for _ in range(30):  # past T_max, total_iters and total_steps
        assert opt.lr == pytest.approx(topt.param_groups[0]["lr"], rel=1e-12, abs=1e-15)
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
