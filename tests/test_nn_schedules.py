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
        lambda o: WarmupLinearDecay(o, warmup_steps=True, total_steps=5),
        # what a step would turn into a nan, an inf or a negative learning rate
        lambda o: StepLR(o, step_size=2, gamma=math.nan),
        lambda o: StepLR(o, step_size=2, gamma=-0.5),
        lambda o: StepLR(o, step_size=2, gamma=math.inf),
        lambda o: CosineAnnealingLR(o, T_max=10, eta_min=-0.1),
        lambda o: CosineAnnealingLR(o, T_max=10, eta_min=math.nan),
        lambda o: LinearLR(o, start_factor=math.nan),
        lambda o: LinearLR(o, end_factor=math.inf),
        lambda o: StepLR(o, step_size=True),
        lambda o: CosineAnnealingLR(o, T_max=2.5),
    ],
)
def test_bad_schedules_are_refused(make):
    with pytest.raises(ValueError):
        make(SGD([Value(0.0)], lr=0.1))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda o: StepLR(o, step_size=2, gamma="0.5"), "gamma must be a number"),
        (lambda o: LinearLR(o, start_factor=True), "start_factor must be a number"),
        (lambda o: CosineAnnealingLR(o, T_max=5, eta_min=None), "eta_min must be a number"),
        (lambda o: LambdaLR(o, 0.5), "lr_lambda must be a function"),
        (lambda o: LambdaLR(o, [lambda t: 1.0]), "one parameter group: pass one function"),
    ],
)
def test_schedule_options_of_the_wrong_type_are_refused_naming_them(make, message):
    with pytest.raises(TypeError, match=message):
        make(SGD([Value(0.0)], lr=0.1))


def test_a_schedule_that_gives_a_bad_rate_is_named_with_its_step_and_takes_no_step():
    opt = SGD([Value(0.0)], lr=0.1)
    sched = LambdaLR(opt, lambda t: 1.0 if t < 3 else math.nan)
    sched.step()
    sched.step()
    with pytest.raises(ValueError, match="LambdaLR at step 3: invalid learning rate: nan"):
        sched.step()
    assert sched.last_step == 2 and opt.lr == 0.1


def test_a_growing_step_lr_that_overflows_says_so_at_that_step():
    opt = SGD([Value(0.0)], lr=1.0)
    sched = StepLR(opt, step_size=1, gamma=1e200)  # gamma > 1 is allowed, as in PyTorch
    sched.step()
    assert opt.lr == 1e200
    with pytest.raises(ValueError, match="StepLR at step 2: the learning rate is too large"):
        sched.step()
    assert opt.lr == 1e200


def test_a_lambda_that_returns_no_number_is_named():
    with pytest.raises(TypeError, match="LambdaLR at step 0: lr_lambda returned str 'fast'"):
        LambdaLR(SGD([Value(0.0)], lr=0.1), lambda t: "fast")


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


def test_a_growing_step_lr_whose_product_overflows_says_so_at_that_step():
    opt = SGD([Value(0.0)], lr=1e300)
    sched = StepLR(opt, step_size=1, gamma=1e10)  # 1e300 * 1e10 is inf, not an exception
    with pytest.raises(ValueError, match="StepLR at step 1: invalid learning rate: inf"):
        sched.step()
    assert opt.lr == 1e300 and sched.last_step == 0
