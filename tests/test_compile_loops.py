"""compile's loop over samples (autograd.compile.loops): the per-sample code written once, run in a
loop, bit for bit the engine's numbers; and straight code where a loop would not be."""

import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value
from autograd.testing import expressions, finite_floats


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def engine(loss_fn, params):
    loss = loss_fn()
    for p in params:
        p.grad = 0.0
    loss.backward()
    return bits(loss.data), [bits(p.grad) for p in params]


def replay_matches_engine(loss_fn, params, rounds=12, spread=0.5, seed=0):
    """Compile, then at perturbed params compare step() with the engine, bit for bit.
    Returns the step (for its source)."""
    rng = random.Random(seed)
    step = autograd.compile(loss_fn, params)
    start = [p.data for p in params]
    for _ in range(rounds):
        for p, x in zip(params, start):
            p.data = x + rng.uniform(-spread, spread)
        got = step()
        got = bits(got), [bits(p.grad) for p in params]
        assert got == engine(loss_fn, params)
    assert step.traces == 1
    return step


def uses_a_loop(step) -> bool:
    return "for _k in _ORDER:" in step.source


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu"])
@pytest.mark.parametrize("batch", [True, False])
def test_an_mlp_over_samples_is_a_loop_and_replays_bit_for_bit(activation, batch):
    from nn import MLP
    from nn.losses import hinge_loss, l2_penalty

    rng = random.Random(5)
    X = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(12)]
    y = [rng.choice((-1.0, 1.0)) for _ in X]
    model = MLP(2, [6, 5, 1], activation=activation, seed=2)
    params = model.parameters()

    def loss_fn():
        scores = model(X) if batch else [model(x) for x in X]
        return hinge_loss(scores, y) + l2_penalty(params, 1e-3)

    step = replay_matches_engine(loss_fn, params, spread=1.0)
    assert uses_a_loop(step)
    # one sample's code, not twelve: the code does not grow with the samples
    assert step.source.count("_sum(_map(_mul") < 40


def test_a_squared_error_summed_as_dot_of_the_differences_is_a_loop():
    from nn import MLP
    from nn.losses import mse_loss

    rng = random.Random(4)
    X = [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(10)]
    y = [rng.uniform(-1, 1) for _ in X]
    model = MLP(3, [5, 1], activation="tanh", seed=0)
    step = replay_matches_engine(lambda: mse_loss(model(X), y), model.parameters())
    assert uses_a_loop(step)


def test_micrograd_style_inputs_made_in_the_loss_are_the_loops_constants():
    rng = random.Random(1)
    w = [Value(rng.uniform(-1, 1)) for _ in range(3)]
    rows = [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(10)]

    def loss_fn():
        terms = []
        for row in rows:
            xs = [Value(v) for v in row]  # leaves made per sample, not params
            s = w[0] * xs[0] + w[1] * xs[1] + w[2] * xs[2]
            terms.append((s.tanh() - xs[0]) ** 2)
        return autograd.sum(terms) * (1 / len(rows))

    step = replay_matches_engine(loss_fn, w)
    assert uses_a_loop(step)


def test_samples_with_equal_constants_loop_without_loop_variables():
    w = Value(0.3)
    step = replay_matches_engine(lambda: autograd.sum([(w * 2.0).sin() for _ in range(9)]), [w])
    assert uses_a_loop(step) and "_c\n" not in step.source.replace("for _c in _C:", "")


def test_a_weight_used_twice_where_the_engine_interleaves_samples_is_written_out():
    # Layer-major graphs (all samples' first uses, then all samples' second uses) add a
    # shared weight's terms sample by sample twice over: a loop could not, so no loop.
    w, b = Value(0.7), Value(-0.2)
    xs = [0.1 * k - 0.5 for k in range(10)]

    def loss_fn():
        first = [(w * x + b).tanh() for x in xs]
        second = [(w * h).relu() for h in first]
        return autograd.sum(second)

    step = replay_matches_engine(loss_fn, [w, b], spread=1.0)
    assert not uses_a_loop(step)


def test_fewer_samples_than_a_loop_is_worth_are_written_out():
    w = Value(0.5)
    step = replay_matches_engine(lambda: autograd.sum([w * k for k in range(4)]), [w])
    assert not uses_a_loop(step)


@settings(max_examples=40)
@given(
    expressions(max_inputs=3, max_steps=6),
    st.integers(8, 14),
    st.booleans(),
    st.data(),
)
def test_random_per_sample_expressions_replay_bit_for_bit(expr, n, regularise, data):
    # Each sample: a random expression of (param * sample constant) values; the loss sums
    # the samples (one n-ary node) and maybe adds a term over the params themselves.
    everything = [Value(x) for x in data.draw(expr.inputs())]
    k = len(everything)
    samples = [
        data.draw(st.lists(finite_floats(0.5, 1.5), min_size=k, max_size=k)) for _ in range(n)
    ]

    def loss_fn():
        terms = [expr([p * c for p, c in zip(everything, row)]) for row in samples]
        total = autograd.sum(terms)
        return total + everything[0] * everything[0] if regularise else total

    try:
        root = loss_fn()
    except (ArithmeticError, ValueError):
        return  # outside a primitive's domain at the trace point
    below, stack = set(), [root]
    while stack:
        for v in stack.pop().parents:
            if v not in below:
                below.add(v)
                stack.append(v)
    params = [p for p in everything if p in below]  # the ones the loss depends on
    if not params:
        return
    step = autograd.compile(loss_fn, params)
    for _ in range(3):
        for p in params:
            p.data += data.draw(finite_floats(-0.05, 0.05))
        try:
            want = engine(loss_fn, params)
        except (ArithmeticError, ValueError) as error:
            with pytest.raises(type(error)):
                step()
            continue
        got = step()
        assert (bits(got), [bits(p.grad) for p in params]) == want, step.source


def test_samples_whose_results_do_not_vary_are_written_out():
    # No param in the samples: their results are constants, nothing to loop over.
    w = Value(0.5)
    c = [Value(1.5) for _ in range(9)]

    def loss_fn():
        return autograd.sum([(v * 2.0).exp() for v in c]) * w

    step = replay_matches_engine(loss_fn, [w])
    assert not uses_a_loop(step)
    # Other numbers in each sample: still constants, the traced ones, written out.
    for k, v in enumerate(c):
        v.data = 0.1 * k
    assert not uses_a_loop(replay_matches_engine(loss_fn, [w]))


def test_a_node_the_samples_share_is_computed_once_and_gets_its_gradient_after_them():
    w, b = Value(0.4), Value(-0.3)
    xs = [0.2 * k - 1 for k in range(10)]

    def loss_fn():
        h = w.tanh()  # shared by every sample: a param's function, not a constant
        return autograd.sum([(h * x + b).sin() * x for x in xs])

    assert uses_a_loop(replay_matches_engine(loss_fn, [w, b], spread=2.0))


def test_a_samples_constant_node_keeps_each_samples_number():
    # An input buffer whose .data fn sets per sample: its nodes are constants, each
    # sample's own number, though the leaf itself looks the same in every sample.
    w, b = Value(0.5), Value(0.2)
    buffer = Value(0.0)
    xs = [0.15 * k - 0.8 for k in range(12)]

    def loss_fn():
        terms = []
        for x in xs:
            buffer.data = x
            terms.append((w * ((buffer - 0.1) * 2.0) + b).tanh())
        return autograd.sum(terms)

    assert uses_a_loop(replay_matches_engine(loss_fn, [w, b]))


def test_a_constant_node_over_buffers_whose_numbers_changed_since_keeps_its_own():
    # Two buffers used in turn: their final numbers differ, but each sample's constant
    # node must keep the number it was traced with, not be recomputed from them.
    w, b = Value(0.5), Value(0.2)
    buffers = [Value(0.0), Value(0.0)]
    xs = [0.15 * k - 0.8 for k in range(12)]

    def loss_fn():
        terms = []
        for i, x in enumerate(xs):
            buffer = buffers[i % 2]
            buffer.data = x
            c = Value(x)  # and a fresh leaf, under constant n-ary and neuron nodes
            e = autograd.dense([[Value(0.7), Value(-0.2)]], [c, c.tanh()], [Value(0.1)], "relu")[0]
            s = autograd.sum([c, e, (buffer - 0.1) * 2.0])
            terms.append((w * s + b * e).tanh() + c.sigmoid() * w)
        return autograd.sum(terms)

    assert uses_a_loop(replay_matches_engine(loss_fn, [w, b]))


def test_constants_that_differ_only_in_the_sign_of_zero_are_loop_variables():
    w = Value(0.5)
    cs = [Value(0.0) for _ in range(8)] + [Value(-0.0)]  # 1/(0 * w) is +inf or -inf
    replay_matches_engine(lambda: autograd.sum([(c * w).reciprocal().tanh() for c in cs]), [w])


def test_a_formula_function_named_like_a_loop_variable_is_renamed():
    import math

    wave = autograd.define_primitive(
        "t_loops_wave", "c0(x)", dx="cos(x)", functions={"c0": math.sin}
    )
    w = Value(0.3)
    step = replay_matches_engine(
        lambda: autograd.sum([wave(w * (0.1 * k)) for k in range(10)]), [w]
    )
    assert uses_a_loop(step)


def test_a_param_with_thousands_of_terms_besides_the_samples_compiles():
    w, b = Value(0.5), Value(0.2)

    def loss_fn():
        samples = autograd.sum([(w * (0.1 * k) + b).tanh() for k in range(10)])
        extra = w * 1e-3
        for _ in range(5000):  # more uses of w than one expression may hold, made after
            extra = extra + w * 1e-3  # the samples, so the engine adds their terms first
        return samples + extra

    assert uses_a_loop(replay_matches_engine(loss_fn, [w, b], rounds=2))


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_a_mini_batch_fed_through_inputs_is_a_loop(backend):
    # The docs' way to feed new data each step: the batch's Values are inputs, read on
    # every call; each sample's inputs are its loop variables.
    if backend == "numpy":
        pytest.importorskip("numpy")
    from nn import MLP
    from nn.losses import hinge_loss

    model = MLP(2, [6, 5, 1], seed=0)
    params = model.parameters()
    batch = [[Value(0.0), Value(0.0)] for _ in range(16)]
    targets = [Value(1.0) for _ in range(16)]
    fn = lambda: hinge_loss([model(x) for x in batch], targets)  # noqa: E731
    inputs = [v for row in batch for v in row] + targets
    step = autograd.compile(fn, params, inputs=inputs, backend=backend)
    assert step.backend == backend and "loop over 16 samples" in step.ir
    rng = random.Random(3)
    for _ in range(6):
        for row in batch:
            row[0].data, row[1].data = rng.uniform(-2, 2), rng.uniform(-2, 2)
        for t in targets:
            t.data = rng.choice((-1.0, 1.0))
        got = step()
        grads = [p.grad for p in params]
        want_loss, want = engine(fn, params)
        if backend == "python":  # bit for bit
            assert (bits(got), [bits(g) for g in grads]) == (want_loss, want)
        else:
            scale = max(abs(struct.unpack("<d", w)[0]) for w in want)
            worst = max(abs(g - struct.unpack("<d", w)[0]) for g, w in zip(grads, want))
            assert worst <= 1e-12 * scale
    assert step.traces == 1
