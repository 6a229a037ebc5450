"""compile(..., backend="numpy"): a loss over samples as array code (autograd.compile.arrays).

Not bit for bit: the bound is 1e-12 of the largest gradient (each gradient, and the loss
relative to itself) at every step, and 1e-9 on the losses of 100 SGD steps of the moons
demo, against the engine's numbers computed here. Where arrays would leave the finite
numbers, the engine answers."""

import random
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value

np = pytest.importorskip("numpy", reason="the array backend needs numpy (the fast extra)")

TOLERANCE = 1e-12


def engine(loss_fn, params):
    loss = loss_fn()
    for p in params:
        p.grad = 0.0
    loss.backward()
    return loss.data, [p.grad for p in params]


def assert_close(step, loss_fn, params, tolerance=TOLERANCE):
    want_loss, want = engine(loss_fn, params)
    got_loss = step()
    got = [p.grad for p in params]
    scale = max([abs(g) for g in want] + [1e-300])
    assert abs(got_loss - want_loss) <= tolerance * abs(want_loss), (got_loss, want_loss)
    worst = max(abs(a - b) for a, b in zip(got, want))
    assert worst <= tolerance * scale, worst / scale
    assert all(type(g) is float for g in got)  # .grad stays a Python float


def moons(n=40, seed=0):
    from nn.datasets import make_moons

    X, labels = make_moons(n, noise=0.1, seed=seed)
    return X, [2 * t - 1 for t in labels]


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu"])
@pytest.mark.parametrize("batch", [True, False])
def test_an_mlp_step_is_within_the_bound_and_uses_matrix_products(activation, batch):
    from nn import MLP
    from nn.losses import hinge_loss, l2_penalty

    X, y = moons()
    model = MLP(2, [8, 6, 1], activation=activation, seed=3)
    params = model.parameters()

    def loss_fn():
        scores = model(X) if batch else [model(x) for x in X]
        return hinge_loss(scores, y) + l2_penalty(params, 1e-3)

    step = autograd.compile(loss_fn, params, backend="numpy")
    assert step.backend == "numpy"
    # backward, each layer: d weights = G @ X.T, and d inputs = W.T @ G but for the first
    assert step.source.count(" @ ") >= 5
    rng = random.Random(1)
    start = [p.data for p in params]
    for _ in range(5):
        for p, x in zip(params, start):
            p.data = x + rng.uniform(-0.3, 0.3)
        assert_close(step, loss_fn, params)


def test_the_moons_demo_trains_to_the_engines_losses():
    from nn import MLP
    from nn.losses import hinge_loss, l2_penalty

    X, y = moons(100)
    losses = {}
    for backend in ("numpy", None):
        model = MLP(2, [16, 16, 1], seed=0)
        params = model.parameters()

        def loss_fn(model=model, params=params):
            return hinge_loss(model(X), y) + l2_penalty(params, 1e-4)

        step = autograd.compile(loss_fn, params, backend=backend) if backend else None
        out = []
        for k in range(100):
            if step is not None:
                loss = step()
            else:
                loss, grads = engine(loss_fn, params)
            out.append(loss)
            for p in params:
                p.data -= (1.0 - 0.9 * k / 100) * p.grad
        losses[backend] = out
    assert all(abs(a - b) <= 1e-9 * abs(b) for a, b in zip(losses["numpy"], losses[None]))


per_sample_ops = st.lists(
    st.sampled_from(["add", "mul", "tanh", "sigmoid", "relu", "abs", "exp", "square", "sin"]),
    min_size=1,
    max_size=5,
)


@settings(deadline=None)
@given(per_sample_ops, st.integers(0, 10**6))
def test_random_per_sample_expressions_are_within_the_bound(ops, seed):
    rng = random.Random(seed)
    w = [Value(rng.uniform(-1, 1)) for _ in range(3)]
    data = [(rng.uniform(-2, 2), rng.uniform(-2, 2)) for _ in range(10)]

    def sample(x, t):
        v = w[0] * x + w[1]
        for op in ops:
            if op == "add":
                v = v + w[2] * t
            elif op == "mul":
                v = v * (w[2] + t)
            elif op == "square":
                v = v * v
            elif op == "exp":
                v = (v * 0.1).exp()
            elif op == "abs":
                v = abs(v)
            else:
                v = getattr(v, op)()
        return v

    def loss_fn():
        return autograd.sum([sample(x, t) for x, t in data]) * 0.1

    step = autograd.compile(loss_fn, w, backend="numpy")
    assert step.backend == "numpy"
    assert_close(step, loss_fn, w, tolerance=1e-10)


def test_a_domain_error_in_one_sample_is_the_engines_error():
    w = Value(1.0)
    xs = [float(i) for i in range(10)]

    def loss_fn():
        return autograd.sum([(w - x * 0.1).log() for x in xs])

    step = autograd.compile(loss_fn, [w], backend="numpy")
    assert step.backend == "numpy"
    assert abs(step() - engine(loss_fn, [w])[0]) <= TOLERANCE * 10
    w.data = 0.5  # log of a negative number for the samples with x > 5
    with pytest.raises(ValueError, match="log"):
        loss_fn()
    with pytest.raises(ValueError, match="log"):
        step()


def test_non_finite_data_gives_the_engines_answer():
    w = Value(1.0)
    inputs = [Value(float(i)) for i in range(10)]

    def loss_fn():
        return autograd.sum([(w * x).tanh() for x in inputs])

    step = autograd.compile(loss_fn, [w], inputs=inputs, backend="numpy")
    inputs[3].data = float("nan")
    want_loss, want = engine(loss_fn, [w])
    got = step()
    assert (got != got) and (want_loss != want_loss)  # nan, as on the engine
    assert (w.grad != w.grad) == (want[0] != want[0])


def test_a_step_with_no_loop_over_samples_is_the_plain_one():
    a, b = Value(0.3), Value(-1.2)
    step = autograd.compile(lambda: (a * b).tanh(), [a, b], backend="numpy")
    assert step.backend == "python" and "_where" not in step.source


def test_without_numpy_one_line_says_how_to_get_it(monkeypatch):
    from autograd.compile import arrays

    monkeypatch.setattr(arrays, "AVAILABLE", False)
    w = Value(0.5)
    with pytest.warns(RuntimeWarning, match=r"pip install 'chainrule\[fast\]'"):
        step = autograd.compile(lambda: w * w, [w], backend="numpy")
    assert step.backend == "python" and step() == 0.25


def test_an_unknown_backend_is_refused_naming_the_choices():
    w = Value(0.5)
    with pytest.raises(ValueError, match="'python', 'numpy'"):
        autograd.compile(lambda: w * w, [w], backend="torch")


def test_the_array_code_keeps_the_plain_code_outside_the_samples():
    from nn import MLP
    from nn.losses import hinge_loss

    X, y = moons(12)
    model = MLP(2, [4, 1], seed=0)
    params = model.parameters()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        step = autograd.compile(lambda: hinge_loss(model(X), y), params, backend="numpy")
    # the sum over samples is added one by one, as the engine adds it
    assert "_rows(" in step.source
    assert any(line.strip().count(" + ") == 12 for line in step.source.splitlines())
    assert_close(step, lambda: hinge_loss(model(X), y), params)


def test_a_primitive_defined_outside_the_table_runs_per_sample():
    import math

    cube_root = autograd.define_primitive(
        "t_arrays_cbrt",
        "cbrt(x)",
        dx="1.0 / (3.0 * cbrt(x) * cbrt(x))",
        functions={"cbrt": lambda x: math.copysign(abs(x) ** (1 / 3), x)},
    )
    w = Value(1.5)
    xs = [0.5 + 0.25 * i for i in range(10)]

    def loss_fn():
        return autograd.sum([cube_root(w * x) for x in xs])

    step = autograd.compile(loss_fn, [w], backend="numpy")
    assert step.backend == "numpy"
    assert_close(step, loss_fn, [w])


def test_a_relu_exactly_at_zero_takes_the_engines_side():
    # -0.9 + 0.8 + 0.1 is 2.8e-17 added in the engine's order, 0.0 in a matrix product's:
    # the neuron's sum is added in the engine's order, so the relu is on as on the engine.
    from nn import MLP
    from nn.losses import mse_loss

    model = MLP(2, [1, 1], seed=0)
    params = model.parameters()
    for p, v in zip(params, [1.0, 1.0, -0.9, 1.0, 0.0]):
        p.data = v
    X = [[0.8, 0.1]] + [[0.5, 0.5]] * 7
    fn = lambda: mse_loss(model(X), [1.0] * 8)  # noqa: E731
    step = autograd.compile(fn, params, backend="numpy")
    assert step.backend == "numpy"
    assert_close(step, fn, params)


def test_an_error_in_one_sample_is_the_engines_error_even_with_finite_gradients():
    a = Value(0.5)
    ks = [0.1 * i + 0.1 for i in range(8)]
    fn = lambda: autograd.sum([(a * k).log() for k in ks])  # noqa: E731
    step = autograd.compile(fn, [a], backend="numpy")
    a.data = -1.0
    a.grad = 123.0
    with pytest.raises(ValueError, match=r"log\(-0.1"):
        step()
    assert a.grad == 123.0  # a call that raises leaves .grad as it was
    w = Value(0.5)
    fn = lambda: autograd.sum([((w * k) ** 2).tanh() for k in ks])  # noqa: E731
    step = autograd.compile(fn, [w], backend="numpy")
    w.data = 1e200  # the square overflows: the engine raises, tanh would hide it
    with pytest.raises(OverflowError):
        step()


def test_a_saturated_tanh_gives_the_engines_gradient():
    # numpy's tanh and math's differ in the last place for some inputs, which 1 - t * t
    # makes large: the table's functions are the engine's own, called per sample
    a = Value(1.0)
    ks = [18.99995, 18.99989, 18.99987, 18.99986, 18.99981, 18.9998, 18.9997, 18.9996]
    fn = lambda: autograd.sum([(a * k).tanh() for k in ks])  # noqa: E731
    step = autograd.compile(fn, [a], backend="numpy")
    assert_close(step, fn, [a])


def test_a_division_by_zero_off_the_gradients_path_is_the_engines_error():
    # 1/0 is inf in numpy and a ZeroDivisionError in Python; here tanh hides the inf and
    # no gradient passes through it: array operations that would raise now raise.
    a = Value(1.0)
    ks = [Value(float(i)) for i in range(1, 11)]
    fn = lambda: autograd.sum([a * (1.0 / k).tanh() for k in ks])  # noqa: E731
    step = autograd.compile(fn, [a], inputs=ks, backend="numpy")
    assert step.backend == "numpy"
    ks[3].data = 0.0
    a.grad = 42.0
    with pytest.raises(ZeroDivisionError):
        step()
    assert a.grad == 42.0


def test_a_defined_primitive_runs_as_its_float_formulas_per_sample():
    # x ** 1.7 in numpy differs from Python's in the last place: a relu after it flipped
    p17 = autograd.define_primitive("t_arrays_p17", "x ** 1.7", "1.7 * x ** 0.7")
    a = Value(1.0)
    xs = [13.02515506361351] + [float(i) for i in range(1, 10)]
    c = 78.54724080642645
    fn = lambda: autograd.sum([(p17(a * x) - c).relu() for x in xs])  # noqa: E731
    step = autograd.compile(fn, [a], backend="numpy")
    assert step.backend == "numpy"
    assert_close(step, fn, [a])
    assert a.grad > 0  # the relu is on for the first sample, as on the engine


def test_a_guarded_formula_and_a_builtin_function_stay_compiled():
    # where() computes both sides: a guarded log would raise for the side not taken and
    # send every call to the engine; a builtin (max) takes any number of arguments
    safelog = autograd.define_primitive(
        "t_arrays_safelog", "log(x) if x > 0 else 0.0", "reciprocal(x) if x > 0 else 0.0"
    )
    hmax = autograd.define_primitive(
        "t_arrays_hmax", "mx(x, 0.0)", "1.0 if x > 0 else 0.0", functions={"mx": max}
    )
    a = Value(1.0)
    ks = [float(i) - 3.0 for i in range(10)]
    calls = []

    def fn():
        calls.append(1)
        return autograd.sum([safelog(a * k) + hmax(a * k) for k in ks])

    step = autograd.compile(fn, [a], backend="numpy")
    traced = len(calls)
    for x in (1.0, 2.0, 0.5):
        a.data = x
        assert_close(step, fn, [a])
    assert step.backend == "numpy" and len(calls) == traced + 3  # only engine() calls it


def test_a_per_sample_equation_of_params_only_stays_on_the_arrays_with_float_grads():
    # sigma ** 2 is computed in every sample's loss from params only: its derivative's
    # where() over numbers is a 0-d array, which the sum over samples must take
    rng = random.Random(0)
    mu, sigma = Value(0.1), Value(1.3)
    data = [rng.gauss(0, 1) for _ in range(40)]
    fn = lambda: autograd.sum(  # noqa: E731
        [(y - mu) * (y - mu) / (sigma**2 * 2.0) + sigma.log() for y in data]
    )
    calls = []
    step = autograd.compile(lambda: calls.append(1) or fn(), [mu, sigma], backend="numpy")
    assert step.backend == "numpy"
    traced = len(calls)
    assert_close(step, fn, [mu, sigma])
    assert len(calls) == traced  # the compiled arrays answered: no run on the engine
    assert type(mu.grad) is float and type(sigma.grad) is float
