"""autograd.compile: a traced step replays the engine's numbers bit for bit, and says where
it cannot (what is frozen at trace time, what is checked, what is refused)."""

import inspect
import math
import struct
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Value
from autograd.compile import CompiledStep, compile, symbolic  # noqa: A004
from autograd.primitives import NaryPrimitive
from autograd.testing import expressions, finite_floats
from autograd.value import apply_nary


def bits(x: float) -> bytes:
    """The float's 64 bits: ``==`` would let 0.0 pass for -0.0 and fail nan against nan."""
    return struct.pack("<d", x)


def leaves_below(root: Value) -> list[Value]:
    """The leaves a Value depends on, in first-seen order."""
    seen, stack, out = {root}, [root], []
    while stack:
        v = stack.pop()
        if not v.parents and v is not root:
            out.append(v)
        for p in v.parents:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return out or [root]


def engine_step(fn, params):
    """What the dynamic engine gives: (loss, grads) after zero_grad and backward, or the
    (type, message) of the error it raises."""
    try:
        loss = fn()
        for p in params:
            p.grad = 0.0
        loss.backward()
    except (ArithmeticError, ValueError) as error:
        return type(error), str(error)
    return bits(loss.data), [bits(p.grad) for p in params]


def compiled_step(step, params):
    try:
        loss = step()
    except (ArithmeticError, ValueError) as error:
        return type(error), str(error)
    return bits(loss), [bits(p.grad) for p in params]


# -- bit-identical replay ----------------------------------------------------------------------


def check_expression(expr, points):
    """Trace ``expr`` at points[0]; at every point the step gives the engine's bits (or error)."""
    probe = [Value(x) for x in points[0]]
    try:
        root = expr(probe)
    except (ArithmeticError, ValueError):
        return  # fn raises at trace time: nothing to replay
    below = set(leaves_below(root))
    used = [i for i, v in enumerate(probe) if v in below]
    params = [Value(x) for x in points[0]]
    mine = [params[i] for i in used]
    step = compile(lambda: expr(params), mine)
    for point in points:
        for p, x in zip(params, point):
            p.data = x
        ref = [Value(x) for x in point]
        expected = engine_step(lambda ref=ref: expr(ref), [ref[i] for i in used])
        assert compiled_step(step, mine) == expected, (expr, point, step.source)


@given(expressions(), st.data())
def test_replay_is_bit_identical_to_the_engine_on_random_dags(expr, data):
    points = [data.draw(expr.inputs()) for _ in range(3)]
    check_expression(expr, points)


@given(expressions(max_steps=14, max_inputs=2), st.data())
def test_replay_is_bit_identical_far_from_the_trace_point(expr, data):
    wide = st.lists(finite_floats(-30.0, 30.0), min_size=expr.n_inputs, max_size=expr.n_inputs)
    points = [data.draw(expr.inputs())] + [data.draw(wide) for _ in range(3)]
    check_expression(expr, points)


def nary_graph(draw_ops, xs):
    """A DAG of sums and dots over Values and constants: shared operands, a Value twice in
    one group, dot(ps, ps), groups mixing Values and numbers, then a kink and a tanh."""
    nodes = list(xs)
    for kind, picks, consts in draw_ops:
        group = [nodes[i % len(nodes)] for i in picks]
        if kind == "sum":
            node = autograd.sum(group + consts, start=nodes[-1])
        elif kind == "dot":
            node = autograd.dot(group, [nodes[(i * 7) % len(nodes)] for i in picks], start=0.5)
        elif kind == "dotc":
            node = autograd.dot(group, [c + 0.25 for c in picks], start=nodes[0])
        else:  # mixed groups: Values and numbers side by side
            node = autograd.dot(group + consts, consts + group, start=1.0)
        nodes.append((node * 0.1).tanh() if len(nodes) % 2 else node.relu() + node * 0.01)
    return nodes[-1] + autograd.dot(xs, [0.01] * len(xs))  # every x takes part


nary_ops = st.lists(
    st.tuples(
        st.sampled_from(["sum", "dot", "dotc", "mixed"]),
        st.lists(st.integers(0, 20), min_size=1, max_size=9),
        st.lists(st.sampled_from([0.5, -1.25, 2.0]), max_size=3),
    ),
    min_size=1,
    max_size=6,
)


@given(
    nary_ops,
    st.lists(st.lists(finite_floats(-2, 2), min_size=4, max_size=4), min_size=2, max_size=3),
)
def test_sums_and_dots_replay_bit_identically(ops, points):
    params = [Value(x) for x in points[0]]
    step = compile(lambda: nary_graph(ops, params), params)
    for point in points:
        for p, x in zip(params, point):
            p.data = x
        ref = [Value(x) for x in point]
        assert compiled_step(step, params) == engine_step(lambda: nary_graph(ops, ref), ref)


@given(nary_ops, st.lists(finite_floats(-2, 2), min_size=4, max_size=4))
def test_sums_and_dots_replay_bit_identically_when_the_rules_are_called(ops, xs):
    # The path taken where builtin sum is not one-by-one (Python 3.12+): every n-ary forward
    # is a call of the table's rule; the partials are still read from the rule.
    original, symbolic.SEQUENTIAL_SUM = symbolic.SEQUENTIAL_SUM, False
    try:
        params = [Value(x) for x in xs]
        step = compile(lambda: nary_graph(ops, params), params)
    finally:
        symbolic.SEQUENTIAL_SUM = original
    assert "_f_" in step.source
    ref = [Value(x) for x in xs]
    assert compiled_step(step, params) == engine_step(lambda: nary_graph(ops, ref), ref)


def test_the_moons_training_step_is_bit_identical_over_100_sgd_steps():
    from nn import MLP
    from nn.datasets import make_moons
    from nn.losses import hinge_loss, l2_penalty

    # micrograd's demo step at half width and half the points: the same graph, 4x quicker
    X, labels = make_moons(50, noise=0.1, seed=0)
    y = [2 * t - 1 for t in labels]

    def loss_fn(model, params):
        return hinge_loss([model(x) for x in X], y) + l2_penalty(params, 1e-4)

    engine_model, model = MLP(2, [8, 8, 1], seed=1), MLP(2, [8, 8, 1], seed=1)
    engine_params, params = engine_model.parameters(), model.parameters()
    step = compile(lambda: loss_fn(model, params), params)
    for k in range(100):
        loss = loss_fn(engine_model, engine_params)
        engine_model.zero_grad()
        loss.backward()
        assert bits(step()) == bits(loss.data), k
        assert [bits(p.grad) for p in params] == [bits(p.grad) for p in engine_params], k
        lr = 1.0 - 0.9 * k / 100
        for p, q in zip(params, engine_params):
            p.data -= lr * p.grad
            q.data -= lr * q.grad
    assert step.traces == 1
    assert loss.data < 0.05  # it trained


def test_a_primitive_defined_outside_the_package_compiles_from_its_formulas():
    softsign = autograd.define_primitive(
        "t_compile_softsign", "x / (1.0 + abs(x))", dx="1.0 / ((1.0 + abs(x)) * (1.0 + abs(x)))"
    )
    a, b = Value(0.3), Value(-2.0)
    step = compile(lambda: softsign(a * b) * a, [a, b])
    ra, rb = Value(0.3), Value(-2.0)
    assert compiled_step(step, [a, b]) == engine_step(lambda: softsign(ra * rb) * ra, [ra, rb])
    assert "t_compile_softsign" not in step.source  # written out from its formula


def test_a_primitive_whose_functions_have_the_names_of_generated_variables():
    sinh = autograd.define_primitive(
        "t_compile_sinh", "v1(x)", dx="g0(x)", functions={"v1": math.sinh, "g0": math.cosh}
    )
    a, b = Value(0.3), Value(-2.0)
    step = compile(lambda: sinh(a * b) + a, [a, b])
    ra, rb = Value(0.3), Value(-2.0)
    assert compiled_step(step, [a, b]) == engine_step(lambda: sinh(ra * rb) + ra, [ra, rb])


def log_sum_exp(xs):
    m = max(xs)
    return m + math.log(sum(math.exp(x - m) for x in xs))


def test_an_nary_rule_that_needs_numbers_is_called_at_replay():
    # A rule that compares its operands or calls math on them cannot be written out once:
    # the generated code calls it, and still gives the engine's numbers.
    lse = NaryPrimitive(
        "t_lse",
        log_sum_exp,
        lambda xs: ([math.exp(x - log_sum_exp(xs)) for x in xs],),
    )
    xs = [Value(1.5), Value(-0.5), Value(2.0)]
    step = compile(lambda: apply_nary(lse, xs) * xs[0], xs)
    assert "_p_t_lse" in step.source and "_f_t_lse" in step.source
    for point in ([1.5, -0.5, 2.0], [0.0, 30.0, -4.0]):
        for x, v in zip(xs, point):
            x.data = v
        ref = [Value(v) for v in point]
        assert compiled_step(step, xs) == engine_step(lambda: apply_nary(lse, ref) * ref[0], ref)


def test_an_nary_rule_that_computes_with_its_operands_is_written_out():
    prod = NaryPrimitive(
        "t_prod",
        lambda xs: math.prod(xs),
        lambda xs: ([math.prod(xs[:i] + xs[i + 1 :]) for i in range(len(xs))],),
    )
    xs = [Value(1.5), Value(-0.5), Value(2.0)]
    step = compile(lambda: apply_nary(prod, xs).tanh(), xs)
    # written out where sum() adds one by one (CPython up to 3.11); else the rule is called
    assert ("t_prod" not in step.source) == symbolic.SEQUENTIAL_SUM
    ref = [Value(x.data) for x in xs]
    assert compiled_step(step, xs) == engine_step(lambda: apply_nary(prod, ref).tanh(), ref)


def test_signed_zeros_and_nans_come_out_as_the_engine_gives_them():
    a, b = Value(0.0), Value(-0.0)
    step = compile(lambda: a * b + (b * -1.0).relu() * a, [a, b])
    ra, rb = Value(0.0), Value(-0.0)
    assert compiled_step(step, [a, b]) == engine_step(
        lambda: ra * rb + (rb * -1.0).relu() * ra, [ra, rb]
    )
    for x in (math.inf, -math.inf, math.nan):
        a.data = ra.data = x
        assert compiled_step(step, [a, b]) == engine_step(
            lambda: ra * rb + (rb * -1.0).relu() * ra, [ra, rb]
        )


# -- what a call does ---------------------------------------------------------------------------


def test_a_call_sets_the_gradients_it_does_not_add_to_them():
    w = Value(3.0)
    step = compile(lambda: w * w, [w])
    w.grad = 100.0
    assert step() == 9.0 and w.grad == 6.0
    assert step() == 9.0 and w.grad == 6.0  # backward() would have given 12.0


def test_a_call_reads_the_params_data_each_time():
    w, b = Value(1.0), Value(0.5)
    step = compile(lambda: (w * 2.0 + b).tanh(), [w, b])
    w.data = -0.25
    assert step() == math.tanh(-0.5 + 0.5) == 0.0
    assert w.grad == 2.0 and b.grad == 1.0


def test_a_loss_that_is_a_param_itself():
    w = Value(4.0)
    step = compile(lambda: w, [w])
    assert step() == 4.0 and w.grad == 1.0


def test_domain_errors_are_the_engines_own():
    w = Value(2.0)
    step = compile(lambda: w.log() + w, [w])
    w.data = -1.0
    with pytest.raises(ValueError, match=r"log\(-1.0\)"):
        step()
    w.grad = 7.0
    w.data = 0.0
    with pytest.raises(ValueError):
        step()
    assert w.grad == 7.0  # a failed step leaves the gradients alone
    w.data = math.inf  # an inf from the user propagates as IEEE says, as in the engine
    r = Value(math.inf)
    assert compiled_step(step, [w]) == engine_step(lambda: r.log() + r, [r])


def test_inside_detect_anomaly_the_step_runs_on_the_engine_which_names_the_anomaly():
    w = Value(1.0)
    step = compile(lambda: w * 1e308 * 10.0, [w])
    assert step() == math.inf  # quietly, as the engine outside detect_anomaly
    with autograd.detect_anomaly(), pytest.raises(autograd.AnomalyError, match="mul"):
        step()


def test_under_no_grad_a_call_that_needs_the_engine_says_so():
    w = Value(1.0)
    step = compile(lambda: w * 2.0 if w > 0 else -w, [w])
    with autograd.no_grad():
        assert step() == 2.0  # the compiled code needs no graph
        w.data = -1.0
        with pytest.raises(RuntimeError, match="no_grad"):
            step()  # the other branch: fn must run on the engine


# -- frozen at trace time, and what is checked -----------------------------------------------


def test_comparisons_between_values_are_checked_and_a_new_branch_is_compiled():
    w = Value(1.0)

    def loss():
        return w * w * 3.0 if w > 0 else (-w).exp()

    step = compile(loss, [w])
    assert step.traces == 1
    for x in (2.0, -1.0, -3.0, 0.5, -0.5):
        w.data = x
        r = Value(x)
        ref = engine_step(lambda r=r: r * r * 3.0 if r > 0 else (-r).exp(), [r])
        assert compiled_step(step, [w]) == ref
    assert step.traces == 2  # one branch each way, then reused


def test_a_value_compared_but_not_used_by_the_loss_is_checked_too():
    w, b = Value(1.0), Value(0.0)

    def loss():
        gate = w * 2.0 - 1.0  # not part of the loss, only compared
        return w * b + (w if gate >= 0.0 else -w)

    step = compile(loss, [w, b])
    w.data = 0.25  # gate -0.5: the other branch
    assert step() == -0.25 and w.grad == -1.0
    assert step.traces == 2


def test_beyond_max_traces_new_branches_run_on_the_engine_with_a_warning():
    w = Value(1.0)

    def loss():
        return w * 2.0 if w > 0 else w * -3.0

    step = compile(loss, [w], max_traces=1)
    w.data = -1.0
    with pytest.warns(RuntimeWarning, match="max_traces"):
        assert step() == 3.0
    assert w.grad == -3.0 and step.traces == 1 and step.source == ""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once only
        assert step() == 3.0
    w.data = 2.0  # back on the compiled branch
    assert step() == 4.0 and w.grad == 2.0 and step.source


def test_branching_on_data_is_frozen_at_trace_time_and_the_trace_says_where():
    # .data and float() are plain floats: the step keeps the traced branch, and compile
    # warns, naming the line that read the number.
    w = Value(2.0)
    with pytest.warns(RuntimeWarning, match=r"reads the number of a Value") as caught:
        line = inspect.currentframe().f_lineno + 1
        step = compile(lambda: w * w if w.data > 0 else -w, [w])
    assert caught[0].filename == __file__ and caught[0].lineno == line
    w.data = -3.0
    assert step() == 9.0  # still the w * w branch; the engine would give 3.0
    assert w.grad == -6.0


def test_a_number_read_off_a_constant_is_not_warned_about():
    w, c = Value(2.0), Value(10.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        step = compile(lambda: w * float(c) + c.data, [w])
    assert step() == 30.0


def test_values_that_are_not_params_are_constants_unless_passed_as_inputs():
    w, x, c = Value(1.0), Value(2.0), Value(10.0)
    step = compile(lambda: w * x + c, [w], inputs=[x])
    x.data, c.data = 5.0, 100.0
    assert step() == 15.0  # x read again; c frozen at 10.0
    assert w.grad == 5.0
    assert x.grad == 0.0  # inputs get no gradient


def test_mini_batches_through_inputs_replay_the_engine():
    from nn import MLP
    from nn.datasets import make_moons
    from nn.losses import hinge_loss

    X, labels = make_moons(40, noise=0.1, seed=3)
    model, engine_model = MLP(2, [4, 1], seed=2), MLP(2, [4, 1], seed=2)
    batch = [[Value(0.0), Value(0.0), Value(0.0)] for _ in range(8)]  # x0, x1, label

    def loss_fn(model, rows):
        return hinge_loss([model(r[:2]) for r in rows], [r[2] for r in rows])

    step = compile(lambda: loss_fn(model, batch), model.parameters(), inputs=sum(batch, []))
    for start in range(0, 40, 8):
        rows = [[*X[i], 2.0 * labels[i] - 1.0] for i in range(start, start + 8)]
        for values, row in zip(batch, rows):
            for v, x in zip(values, row):
                v.data = x
        ref = [[Value(x) for x in row] for row in rows]
        expected = engine_step(
            lambda ref=ref: loss_fn(engine_model, ref), engine_model.parameters()
        )
        assert compiled_step(step, model.parameters()) == expected


def test_comparison_recording_is_undone_after_each_trace():
    originals = {name: Value.__dict__[name] for name in ("__lt__", "__le__", "__gt__", "__ge__")}
    w = Value(1.0)
    compile(lambda: w * 2.0 if w > 0 else w, [w])
    with pytest.raises(ZeroDivisionError):
        compile(lambda: w / 0.0, [w])
    assert {name: Value.__dict__[name] for name in originals} == originals


# -- big graphs ----------------------------------------------------------------------------------


def test_a_deep_chain_and_a_wide_fan_out_compile_without_recursion():
    def loss(w):
        x = w
        for i in range(6000):  # deeper than Python's recursion limit
            x = (x * 0.999 + 0.001).relu() if i % 2 else x + w * 1e-4
        fan = autograd.sum([w * float(i % 7) for i in range(1500)])  # w has 1,500 terms
        return x * fan

    w, r = Value(0.5), Value(0.5)
    step = compile(lambda: loss(w), [w])
    assert compiled_step(step, [w]) == engine_step(lambda: loss(r), [r])
    assert step.info.nodes > 13000


# -- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda w: (42, [w]), TypeError, "function of no arguments"),
        (lambda w: (lambda: 3.0, [w]), TypeError, "returned float"),
        (lambda w: (lambda: w * 2, [2.0]), TypeError, r"params\[0\] must be a Value"),
        (lambda w: (lambda: w * 2, [w * 1]), ValueError, "not a leaf"),
        (lambda w: (lambda: w * 2, [w, w]), ValueError, "appears twice"),
        (lambda w: (lambda: w * 2, []), ValueError, "params is empty"),
        (lambda w: (lambda: w * 2, 5), TypeError, "list of Values"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(make, error, words):
    w = Value(1.0, label="w")
    fn, params = make(w)
    with pytest.raises(error, match=words):
        compile(fn, params)


def test_a_param_the_loss_does_not_use_gets_zero_as_backward_leaves_it():
    w, v = Value(1.5), Value(2.0, label="bias")
    v.grad = 7.0
    step = compile(lambda: w * 3.0, [w, v])
    assert step() == 4.5 and w.grad == 3.0 and v.grad == 0.0  # zero_grad(); backward()
    constant = compile(lambda: Value(1.0) * 2, [w])
    assert constant() == 2.0 and w.grad == 0.0


def test_more_refusals():
    w, x = Value(1.0), Value(2.0)
    with pytest.raises(ValueError, match="both params and inputs"):
        compile(lambda: w * x, [w], inputs=[w])
    with pytest.raises(ValueError, match="max_traces"):
        compile(lambda: w * x, [w], max_traces=0)
    with pytest.raises(ValueError, match="no_grad"):
        with autograd.no_grad():
            compile(lambda: w * x, [w])


def test_the_step_shows_its_code_and_what_it_cost():
    w = Value(1.0)
    step = compile(lambda: (w * 2.0).exp(), [w])
    assert isinstance(step, CompiledStep)
    assert "exp(" in step.source and "def _step" in step.source
    info = step.info
    assert info.nodes == 2 and info.statements > 3
    assert min(info.trace_seconds, info.codegen_seconds, info.compile_seconds) >= 0.0


def test_non_finite_gradients_behind_a_gate_are_the_engines_and_then_stay_there():
    # A weight of inf behind a relu that is off: the compiled code would add inf * 0.0 =
    # nan where the engine keeps no edge. Each such call is redone on the engine; after a
    # few in a row the branch stays there, with a warning.
    import warnings

    w, u = Value(-1.0), Value(1.0)
    params = [w, u]

    def loss():
        return (w * u).relu() + w * w

    step = autograd.compile(loss, params)
    u.data = math.inf
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(6):
            got = step()
            grads = [p.grad for p in params]
            for p in params:
                p.grad = 0.0
            want = loss()
            want.backward()
            assert got == want.data and grads == [p.grad for p in params] == [-2.0, 0.0]
    assert sum("in a row" in str(c.message) for c in caught) == 1
    assert step.traces == 1  # not traced again


# -- found by a code review ------------------------------------------------------------------


def test_operand_tuples_of_a_rule_called_at_replay_keep_the_sign_of_a_zero():
    from autograd.primitives import NaryPrimitive
    from autograd.value import apply_nary

    signs = NaryPrimitive(
        "t_signs",
        lambda xs: math.fsum(math.copysign(1.0, x) for x in xs),  # needs numbers: called
        lambda xs: ([0.0 * x for x in xs],),
    )
    w = Value(2.0)
    fn = lambda: apply_nary(signs, [w, 0.0]) * w + apply_nary(signs, [w, -0.0]) * w  # noqa: E731
    step = compile(fn, [w])
    assert compiled_step(step, [w]) == engine_step(fn, [w])


def test_two_n_ary_primitives_of_one_name_are_two_rules():
    from autograd.primitives import NaryPrimitive
    from autograd.value import apply_nary

    l1 = NaryPrimitive(
        "t_norm", lambda xs: math.fsum(abs(x) for x in xs), lambda xs: ([1.0 for x in xs],)
    )
    l2 = NaryPrimitive(
        "t_norm",
        lambda xs: math.sqrt(math.fsum(x * x for x in xs)),
        lambda xs: ([x / math.sqrt(math.fsum(t * t for t in xs)) for x in xs],),
    )
    xs = [Value(3.0), Value(-4.0)]
    fn = lambda: apply_nary(l1, xs) + apply_nary(l2, xs) * 10.0  # noqa: E731
    step = compile(fn, xs)
    assert compiled_step(step, xs) == engine_step(fn, xs)


def test_a_formula_function_named_like_a_builtin_does_not_replace_it():
    ident = autograd.define_primitive(
        "t_ident_zip", "zip(x)", "1.0", functions={"zip": lambda *a: a[0] if len(a) == 1 else []}
    )
    w = Value(3.0)
    fn = lambda: ident(w) * w  # noqa: E731
    step = compile(fn, [w])
    w.grad = 123.0
    assert compiled_step(step, [w]) == engine_step(fn, [w])


def test_an_error_of_a_function_fn_reaches_only_on_another_branch_runs_on_the_engine():
    def checked_log(x):
        if x <= 0:
            raise RuntimeError("checked_log of a non-positive number")
        return math.log(x)

    clog = autograd.define_primitive(
        "t_clog", "checked_log(x)", "reciprocal(x)", functions={"checked_log": checked_log}
    )
    x = Value(2.0)
    fn = lambda: clog(x) if x > 0 else x * x  # noqa: E731
    step = compile(fn, [x])
    x.data = -1.0  # the compiled code computes clog(-1) before it checks x > 0
    assert compiled_step(step, [x]) == engine_step(fn, [x])
