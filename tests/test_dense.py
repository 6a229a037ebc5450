"""autograd.dense: a layer of neurons, one fused node per neuron, checked against the
op-by-op composition built from Value operators, central differences, closed forms and
PyTorch, never against numbers taken from dense itself."""

import inspect
import math
import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import AnomalyError, Value, dense, detect_anomaly, grad, hessian, no_grad
from autograd.testing import assert_gradients_match, finite_floats

ACTIVATIONS = ["relu", "tanh", "sigmoid", "softplus", None]
# Whether the builtin sum() adds floats one by one, left to right (CPython up to 3.11).
SEQUENTIAL_SUM = sum([1e16, 1.0, -1e16], 0.0) == 0.0
INPUT_KINDS = ["values", "numbers", "mixed"]


def bits(x: float) -> bytes:
    """The float's 64 bits: ``==`` would let 0.0 pass for -0.0 and fail nan against nan."""
    return struct.pack("<d", x)


def op_by_op(ws, xs, b, activation):
    """The neuron written with Value operators: ``(b + w0*x0 + w1*x1 + ...).act()``."""
    s = b
    for w, x in zip(ws, xs):
        s = s + w * x
    return s if activation is None else getattr(s, activation)()


def weighted_total(nodes):
    """A scalar from a layer's outputs, each with its own coefficient (so every row counts
    and a mix-up of rows shows), built the same way for both sides of a comparison."""
    total = Value(0.0)
    for k, node in enumerate(nodes):
        total = total + node * (1.5 - 0.75 * k)
    return total


@st.composite
def layers(draw, max_inputs=4, max_rows=3, low=-2.0, high=2.0):
    """(weights, inputs, biases) as floats, with 0 to max_inputs inputs."""
    n = draw(st.integers(0, max_inputs))
    m = draw(st.integers(1, max_rows))
    number = finite_floats(low, high)
    weights = [[draw(number) for _ in range(n)] for _ in range(m)]
    inputs = [draw(number) for _ in range(n)]
    biases = [draw(number) for _ in range(m)]
    return weights, inputs, biases


def build(weights, inputs, biases, kind, dropped=()):
    """Fresh leaves: Value weights and biases; inputs all Values, all numbers, or mixed
    (every other one a number; an index in ``dropped`` is a plain 0.0, as dropout gives)."""
    w = [[Value(a) for a in row] for row in weights]
    b = [Value(a) for a in biases]
    if kind == "values":
        x = [Value(a) for a in inputs]
    elif kind == "numbers":
        x = list(inputs)
    else:
        x = [0.0 if i in dropped else (a if i % 2 else Value(a)) for i, a in enumerate(inputs)]
    return w, x, b


def leaves(w, x, b):
    return [v for row in w for v in row] + [v for v in x if isinstance(v, Value)] + list(b)


# -- 1. dense equals the op-by-op composition --------------------------------------------


@given(
    layers(),
    st.sampled_from(ACTIVATIONS),
    st.sampled_from(INPUT_KINDS),
    st.sets(st.integers(0, 3), max_size=2),
)
def test_forward_and_gradients_equal_the_op_by_op_composition(layer, activation, kind, dropped):
    weights, inputs, biases = layer
    w, x, b = build(weights, inputs, biases, kind, dropped)
    nodes = dense(w, x, b, activation)
    w2, x2, b2 = build(weights, inputs, biases, kind, dropped)
    refs = [op_by_op(row, x2, bias, activation) for row, bias in zip(w2, b2)]

    # Both add b + w0*x0 + w1*x1 + ... left to right (dense: sum(map(mul, w, x), b)) and
    # apply the same float function, so the forward numbers are the same bits, for every
    # activation (tried over thousands of random layers before asserting it). On CPython
    # 3.12+ the builtin sum() compensates, so there they agree to rounding only.
    if not SEQUENTIAL_SUM:
        assert [n.data for n in nodes] == pytest.approx([r.data for r in refs], rel=1e-12)
        return
    assert [bits(n.data) for n in nodes] == [bits(r.data) for r in refs]
    assert [n.op for n in nodes] == ["dot" if activation is None else f"{activation}(dot)"] * len(
        nodes
    )

    weighted_total(nodes).backward()
    weighted_total(refs).backward()
    got = [v.grad for v in leaves(w, x, b)]
    want = [v.grad for v in leaves(w2, x2, b2)]
    if activation in ("relu", None):
        # The local derivative is x_i (or w_i, or 1) times a slope of exactly 1.0 or no edge
        # at all, so the same products are added in the same order: bit for bit.
        assert [bits(g) for g in got] == [bits(g) for g in want]
    else:
        # dense multiplies act'(s) * x_i first, then by the upstream gradient; op by op
        # multiplies x_i * (act'(s) * g): one rounding apart per term.
        assert got == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_op_names_and_one_node_per_row():
    w = [[Value(1.0), Value(-2.0)], [Value(0.5), Value(0.5)]]
    b = [Value(0.0), Value(1.0)]
    relu = dense(w, [3.0, 1.0], b, "relu")
    assert [v.data for v in relu] == [1.0, 3.0]
    assert [v.op for v in relu] == ["relu(dot)", "relu(dot)"]
    assert [v.op for v in dense(w, [3.0, 1.0], b)] == ["dot", "dot"]
    assert [v.op for v in dense(w, [Value(3.0), 1.0], b, "tanh")] == ["tanh(dot)"] * 2


# -- 2. central differences, second order -------------------------------------------------


def split(v, m, n):
    """Leaves laid out as m rows of n weights, then n inputs, then m biases."""
    w = [v[r * n : (r + 1) * n] for r in range(m)]
    x = v[m * n : m * n + n]
    b = v[m * n + n :]
    return w, x, b


@settings(max_examples=30)
@given(layers(max_inputs=3, max_rows=2), st.sampled_from(ACTIVATIONS))
def test_gradients_match_central_differences(layer, activation):
    weights, inputs, biases = layer
    m, n = len(biases), len(inputs)
    point = [a for row in weights for a in row] + inputs + biases
    if activation == "relu":  # away from the kink, where differences cannot judge
        for row, bias in zip(weights, biases):
            s = bias + sum(a * c for a, c in zip(row, inputs))
            if abs(s) < 1e-2:
                return

    def f(v):
        w, x, b = split(v, m, n)
        return weighted_total(dense(w, x, b, activation))

    assert_gradients_match(f, point, second_order=activation in ("tanh", "sigmoid"))


def test_gradcheck_with_constant_inputs_and_a_dropped_one():
    inputs = [0.7, 0.0, -1.3]  # the 0.0 a plain number: a dropped input

    def f(v):
        w, b = [v[0:3], v[3:6]], v[6:8]
        return weighted_total(dense(w, [inputs[0], 0.0, Value(inputs[2])], b, "softplus"))

    assert autograd.gradcheck(f, [0.3, -0.8, 1.1, 0.4, 0.9, -0.2, 0.05, -0.6])


@settings(max_examples=30)
@given(layers(max_inputs=3, max_rows=1, low=-1.0, high=1.0))
def test_tanh_hessian_matches_the_closed_form(layer):
    weights, inputs, biases = layer
    n = len(inputs)
    point = weights[0] + inputs + biases

    def f(v):
        return dense([v[:n]], v[n : 2 * n], [v[2 * n]], "tanh")[0]

    # out = tanh(s), s = b + w . x.  H = t''(s) grad(s) grad(s)^T + t'(s) hess(s), with
    # t' = 1 - t^2, t'' = -2 t t', grad(s) = (x, w, 1) and hess(s) 1 at each (w_i, x_i).
    s = biases[0] + sum(a * c for a, c in zip(weights[0], inputs))
    t = math.tanh(s)
    d1, d2 = 1 - t * t, -2 * t * (1 - t * t)
    gs = inputs + weights[0] + [1.0]
    size = 2 * n + 1
    want = [[d2 * gs[i] * gs[j] for j in range(size)] for i in range(size)]
    for i in range(n):
        want[i][n + i] += d1
        want[n + i][i] += d1
    got = hessian(f, point)
    for row_got, row_want in zip(got, want):
        assert row_got == pytest.approx(row_want, rel=1e-10, abs=1e-12)


# -- 3. the gate: a relu that is off passes back exactly nothing --------------------------


def dead_neuron():
    w = [Value(1.0), Value(-2.0)]
    x = [Value(0.5), Value(1.0)]
    b = Value(0.1)  # s = 0.1 + 0.5 - 2.0 = -1.4
    return w, x, b


@pytest.mark.parametrize("upstream", [math.inf, -math.inf, math.nan], ids=["inf", "-inf", "nan"])
@pytest.mark.parametrize("as_value", [False, True], ids=["float", "Value"])
def test_dead_dense_relu_passes_exact_zero_even_under_nan_or_inf(upstream, as_value):
    w, x, b = dead_neuron()
    out = dense([w], x, [b], "relu")[0]
    assert out.data == 0.0
    assert out._x == ()  # no edges kept
    # the graph's shape is still all operands, weights, then inputs, then the bias
    assert out.parents == (*w, *x, b)
    factor = Value(upstream) if as_value else upstream
    (out * factor).backward()
    for v in (*w, *x, b):
        assert bits(v.grad) == bits(0.0)
    if as_value:  # d (out * factor) / d factor = out = 0: the other operand is untouched
        assert factor.grad == 0.0


def test_dead_dense_relu_through_grad_first_and_second_order():
    w, x, b = dead_neuron()
    out = dense([w], x, [b], "relu")[0] * Value(math.nan)
    params = [*w, *x, b]
    assert [g.data for g in grad(out, params)] == [0.0] * 5
    assert [g.data for g in grad(out, params, create_graph=True)] == [0.0] * 5


def test_dead_relu_with_constant_inputs_keeps_the_value_operands_as_parents():
    w = [Value(1.0), Value(2.0), Value(3.0)]
    b = Value(0.1)
    x_value = Value(-1.0)  # s = 0.1 + 0.5 - 2.0 + 0.0 = -1.4
    out = dense([w], [0.5, x_value, 0.0], [b], "relu")[0]  # mixed: the general path
    assert out.data == 0.0 and out._x == ()
    assert out.parents == (*w, x_value, b)
    (out * math.inf).backward()
    assert [v.grad for v in (*w, x_value, b)] == [0.0] * 5
    out = dense([w], [0.5, -1.0, 0.0], [b], "relu")[0]  # all numbers: the fast path
    assert out.data == 0.0 and out._x == ()
    assert out.parents == (*w, b)


def test_live_relu_lets_nan_through():
    """The gate blocks only when off: a live unit passes the nan on (as PyTorch)."""
    w = [Value(1.0), Value(2.0)]
    x = [Value(0.5), Value(1.0)]
    b = Value(0.1)
    out = dense([w], x, [b], "relu")[0]
    (out * math.nan).backward()
    assert all(math.isnan(v.grad) for v in (*w, *x, b))


@pytest.mark.parametrize("upstream", [math.inf, math.nan], ids=["inf", "nan"])
def test_dead_unary_relu_passes_exact_zero(upstream):
    s = Value(-1.5)
    out = s.relu()
    assert out._dx is None and out.parents == (s,)
    (out * Value(upstream)).backward()
    assert bits(s.grad) == bits(0.0)


@pytest.mark.parametrize("upstream", [math.inf, math.nan], ids=["inf", "nan"])
@pytest.mark.parametrize("s_sign", [-1.0, 1.0], ids=["dead", "live"])
def test_relu_gate_agrees_with_torch(upstream, s_sign):
    torch = pytest.importorskip("torch")
    wd, xd, bd = [1.0, 2.0 * s_sign], [0.5, 1.0], 0.1 * s_sign  # s = -1.6 or 2.6
    # torch: relu(b + w . x) * upstream, float64
    tw = torch.tensor(wd, dtype=torch.float64, requires_grad=True)
    tx = torch.tensor(xd, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(bd, dtype=torch.float64, requires_grad=True)
    (torch.relu(tb + tw @ tx) * upstream).backward()
    want = [*tw.grad.tolist(), *tx.grad.tolist(), tb.grad.item()]
    # dense
    w, x, b = [Value(a) for a in wd], [Value(a) for a in xd], Value(bd)
    (dense([w], x, [b], "relu")[0] * upstream).backward()
    got = [v.grad for v in (*w, *x, b)]
    # torch multiplies its masked 0 on through the sum (x1.grad = w1 * 0 = -0.0 when w1 < 0);
    # the engine passes nothing, leaving +0.0: compare numbers, not the sign of zero
    assert same_numbers(got, want)
    if s_sign < 0:
        assert got == [0.0] * 5
    # Value.relu
    ts = torch.tensor(1.6 * s_sign, dtype=torch.float64, requires_grad=True)
    (torch.relu(ts) * upstream).backward()
    s = Value(1.6 * s_sign)
    (s.relu() * upstream).backward()
    assert same_numbers([s.grad], [ts.grad.item()])


def same_numbers(a, b):
    """Equal lists of floats, nan equal to nan (and 0.0 to -0.0)."""
    return len(a) == len(b) and all(
        (math.isnan(p) and math.isnan(q)) or p == q for p, q in zip(a, b)
    )


# -- 4. compile replays dense bit for bit -------------------------------------------------


def test_compile_replays_a_two_layer_relu_network_bit_for_bit():
    rng = random.Random(20240611)
    w1 = [[Value(rng.uniform(-1, 1)) for _ in range(2)] for _ in range(4)]
    b1 = [Value(rng.uniform(-0.5, 0.5)) for _ in range(4)]
    w2 = [[Value(rng.uniform(-1, 1)) for _ in range(4)] for _ in range(2)]
    b2 = [Value(rng.uniform(-0.5, 0.5)) for _ in range(2)]
    params = [v for row in w1 for v in row] + b1 + [v for row in w2 for v in row] + b2
    data = [([0.5, -1.0], 0.3), ([-0.7, 0.2], -0.4), ([1.2, 0.9], 0.8), ([0.0, -0.3], 0.1)]

    def fn():
        total = Value(0.0)
        for xs, y in data:
            hidden = dense(w1, xs, b1, "relu")  # plain-number inputs: constants
            out = dense(w2, hidden, b2, "relu")  # Value inputs
            for o in out:
                total = total + (o - y) ** 2
        return total

    def relu_pattern():
        with no_grad():
            pattern = []
            for xs, _ in data:
                hidden = dense(w1, xs, b1, "relu")
                pattern += [h.data > 0 for h in hidden]
                pattern += [o.data > 0 for o in dense(w2, hidden, b2, "relu")]
        return tuple(pattern)

    step = autograd.compile(fn, params)
    base = [p.data for p in params]
    patterns = set()
    for _ in range(150):
        for p, p0 in zip(params, base):
            p.data = p0 + rng.gauss(0.0, 0.6)
        patterns.add(relu_pattern())
        loss = step()
        compiled = [bits(loss)] + [bits(p.grad) for p in params]
        for p in params:
            p.grad = 0.0
        engine_loss = fn()
        engine_loss.backward()
        engine = [bits(engine_loss.data)] + [bits(p.grad) for p in params]
        assert compiled == engine
    assert step.traces == 1  # the compiled code ran every time, relus switched inside it
    # the perturbations really switched units on and off, and some reached the gradient
    assert len(patterns) > 20
    flips = [len({pat[i] for pat in patterns}) == 2 for i in range(len(next(iter(patterns))))]
    assert sum(flips) >= 8


# -- 5. create_graph through a dense tanh layer -------------------------------------------


@settings(max_examples=30)
@given(layers(max_inputs=3, max_rows=3, low=-1.5, high=1.5), st.sampled_from(INPUT_KINDS))
def test_create_graph_second_derivatives_equal_the_op_by_op_composition(layer, kind):
    weights, inputs, biases = layer

    def second(use_dense):
        w, x, b = build(weights, inputs, biases, kind)
        if use_dense:
            nodes = dense(w, x, b, "tanh")
        else:
            nodes = [op_by_op(row, x, bias, "tanh") for row, bias in zip(w, b)]
        params = leaves(w, x, b)
        firsts = grad(weighted_total(nodes), params, create_graph=True)
        norm = Value(0.0)
        for g in firsts:
            norm = norm + g * g
        return [g.data for g in firsts], [g.data for g in grad(norm, params)]

    got_first, got_second = second(use_dense=True)
    want_first, want_second = second(use_dense=False)
    assert got_first == pytest.approx(want_first, rel=1e-12, abs=1e-12)
    assert got_second == pytest.approx(want_second, rel=1e-10, abs=1e-11)


# -- 6. errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "x", [[Value(1.0), Value(2.0)], [1.0, 2.0], [Value(1.0), 2.0]], ids=INPUT_KINDS
)
def test_a_row_of_another_length_is_a_value_error(x):
    b = [Value(0.0), Value(0.0)]
    for rows in (
        [[Value(1.0), Value(2.0)], [Value(3.0)]],  # the second row short
        [[Value(1.0), Value(2.0), Value(3.0)], [Value(1.0), Value(2.0)]],  # the first long
    ):
        with pytest.raises(ValueError, match="dense"):
            dense(rows, x, b, "relu")


def test_weights_and_biases_of_different_counts():
    w = [[Value(1.0)], [Value(2.0)]]
    with pytest.raises(ValueError, match=r"dense: 2 rows of weights but 1 biases"):
        dense(w, [1.0], [Value(0.0)])
    with pytest.raises(ValueError, match=r"dense: 2 rows of weights but 3 biases"):
        dense(w, [1.0], [Value(0.0)] * 3)


def test_labels_of_the_wrong_length():
    w = [[Value(1.0)], [Value(2.0)]]
    b = [Value(0.0), Value(0.0)]
    with pytest.raises(ValueError, match=r"dense.*labels"):
        dense(w, [1.0], b, labels=["only one"])
    with pytest.raises(ValueError, match=r"dense.*labels"):
        dense(w, [1.0], b, labels=["a", "b", "c"])


@pytest.mark.parametrize("name", ["bogus", "leaky_relu", "add", "dot", "RELU"])
def test_unknown_or_two_operand_activation_is_rejected_listing_the_choices(name):
    w = [[Value(1.0)]]
    with pytest.raises(ValueError, match="dense: unknown activation") as info:
        dense(w, [1.0], [Value(0.0)], name)
    choices = str(info.value).split("choose one of", 1)[1].replace(",", " ").split()
    for choice in ("relu", "tanh", "sigmoid", "softplus"):
        assert choice in choices
    assert "leaky_relu" not in choices  # not offered: it needs a second operand


@pytest.mark.parametrize(
    "x",
    [["a", 1.0], [1.0, "a"], [Value(1.0), "a"], ["a", Value(1.0)], [True, 1.0], [Value(1.0), None]],
)
def test_a_non_number_input_is_a_type_error(x):
    w = [[Value(1.0), Value(2.0)]]
    with pytest.raises(TypeError, match="must be Values or numbers"):
        dense(w, x, [Value(0.0)], "tanh")


# -- 7. no_grad and detect_anomaly ----------------------------------------------------------


@pytest.mark.parametrize("kind", INPUT_KINDS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_no_grad_gives_the_numbers_and_no_graph(kind, activation):
    weights, inputs, biases = [[0.3, -1.2, 0.8], [1.1, 0.4, -0.5]], [0.9, -0.4, 1.7], [0.2, -1.0]
    w, x, b = build(weights, inputs, biases, kind)
    want = [op_by_op(row, x, bias, activation).data for row, bias in zip(w, b)]
    with no_grad():
        nodes = dense(w, x, b, activation, labels=["n0", "n1"])
    assert [bits(n.data) for n in nodes] == [bits(v) for v in want]
    for node in nodes:
        assert node.op == "" and node.parents == ()
    assert [n.label for n in nodes] == ["n0", "n1"]
    weighted_total(nodes).backward()  # leaves: nothing flows into the weights
    assert all(v.grad == 0.0 for v in leaves(w, x, b))


@pytest.mark.parametrize("kind", INPUT_KINDS)
@pytest.mark.parametrize("activation", ["relu", "softplus", None])
def test_anomaly_an_overflowing_neuron_names_itself_and_the_line(kind, activation):
    w, x, b = build([[1e308, 1.0]], [10.0, 1.0], [0.0], kind)  # s = inf from finite numbers
    with detect_anomaly():
        with pytest.raises(AnomalyError) as info:
            line = inspect.currentframe().f_lineno + 1
            dense(w, x, b, activation)
    message = str(info.value)
    assert "inf" in message and "dot" in message
    assert f"{__file__}:{line}" in message


@pytest.mark.parametrize("kind", INPUT_KINDS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_anomaly_a_nan_from_finite_numbers_raises(kind, activation):
    # s = 0 + 1e308 * 10 + (-1e308) * 10 = inf - inf = nan
    w, x, b = build([[1e308, -1e308]], [10.0, 10.0], [0.0], kind)
    with detect_anomaly():
        with pytest.raises(AnomalyError, match="nan"):
            dense(w, x, b, activation)


@pytest.mark.parametrize("kind", INPUT_KINDS)
def test_anomaly_an_activation_that_gives_inf_from_a_finite_sum_raises(kind):
    # s = 0.0 exactly; reciprocal(0) = inf by the table's IEEE rule
    w, x, b = build([[2.0, -1.0]], [1.0, 2.0], [0.0], kind)
    with detect_anomaly():
        with pytest.raises(AnomalyError, match=r"reciprocal\(dot\).*inf"):
            dense(w, x, b, "reciprocal")


def test_outside_detect_anomaly_an_overflow_is_just_inf():
    w, x, b = build([[1e308, 1.0]], [10.0, 1.0], [0.0], "values")
    assert dense(w, x, b, "relu")[0].data == math.inf


# The fused node stands for two: its weighted sum is checked too. An overflow to inf
# hidden behind tanh(inf) = 1.0 (a dead unit) is reported where it happened, as the
# op-by-op composition would report it.
@pytest.mark.parametrize("kind", INPUT_KINDS)
@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_anomaly_an_overflowing_sum_under_a_saturating_activation_raises(kind, activation):
    w, x, b = build([[1e308, 1.0]], [10.0, 1.0], [0.0], kind)
    with detect_anomaly():  # the composition raises: the truth dense should match
        w2, x2, b2 = build([[1e308, 1.0]], [10.0, 1.0], [0.0], kind)
        with pytest.raises(AnomalyError):
            op_by_op(w2[0], x2, b2[0], activation)
        with pytest.raises(AnomalyError):
            dense(w, x, b, activation)


# Under no_grad too, on every path (the general one, with some inputs plain numbers).
def test_anomaly_under_no_grad_with_mixed_inputs_raises_like_the_other_paths():
    with detect_anomaly(), no_grad():
        with pytest.raises(AnomalyError):
            Value(0.0).reciprocal()  # the engine's own behaviour
        for kind in ("values", "numbers", "mixed"):
            w, x, b = build([[2.0, -1.0]], [1.0, 2.0], [0.0], kind)
            with pytest.raises(AnomalyError, match="reciprocal"):
                dense(w, x, b, "reciprocal")


# -- 8. labels ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", INPUT_KINDS)
@pytest.mark.parametrize("activation", ["relu", None])
def test_labels_name_each_node(kind, activation):
    # the second neuron is dead under relu: it is labelled all the same
    w, x, b = build([[1.0, 2.0], [-3.0, -1.0], [0.5, 0.5]], [1.0, 0.5], [0.0, 0.0, 0.0], kind)
    nodes = dense(w, x, b, activation, labels=("first", "second", "third"))
    assert [n.label for n in nodes] == ["first", "second", "third"]
    assert [n.label for n in dense(w, x, b, activation)] == ["", "", ""]
