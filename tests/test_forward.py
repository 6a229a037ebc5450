"""Forward mode (jvp), Jacobians both ways and Hessian-vector products: against reverse mode,
central differences, the edge table, and torch.func where PyTorch is installed."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import autograd
from autograd import Value, define_primitive, grad, hessian, hvp, jacobian, jvp
from autograd.derivatives import apply_function
from autograd.functional import count_visits
from autograd.primitives import PRIMITIVES
from autograd.testing import central_difference, expressions, finite_floats

try:
    import torch
    import torch.func
except ImportError:  # torch is never a dependency: its cross-checks skip
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
inf, nan = math.inf, math.nan


# -- helpers -------------------------------------------------------------------------------


def directions(n: int) -> st.SearchStrategy[list[float]]:
    return st.lists(finite_floats(-1.0, 1.0), min_size=n, max_size=n)


def evaluates(f, xs, limit: float = 1e4) -> bool:
    """Whether f is defined, finite and moderate at xs (central differences can judge it)."""
    try:
        outs = f([Value(x) for x in xs])
    except (ArithmeticError, ValueError):
        return False
    outs = outs if isinstance(outs, list) else [outs]
    return all(math.isfinite(o.data) and abs(o.data) < limit for o in outs)


def every_step(expr):
    """The expression with every step an output: a function with many outputs."""

    def f(xs):
        outs: list = []
        expr.build(xs, lambda name, args: apply_function(name)(*args), bind=_keep(outs))
        return outs

    return f


def _keep(outs):
    def bind(i, v):
        outs.append(v)
        return v

    return bind


def close(a: float, b: float, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
    return abs(a - b) <= atol + rtol * abs(b)


def differences(f, xs: list[float]) -> list[float]:
    """Central differences of f at xs, where they can judge: the stencil at two step sizes
    must agree (a fast oscillation, sin(exp(..)), defeats them; such examples are skipped)."""
    coarse = central_difference(f, xs, h=1e-3)
    fine = central_difference(f, xs, h=5e-4)
    assume(all(math.isfinite(c) and abs(c) < 1e4 for c in coarse))
    assume(all(close(c, d, rtol=1e-6, atol=1e-8 * max(1.0, abs(d))) for c, d in zip(coarse, fine)))
    return fine


def smooth_enough(expr, xs, second_order: bool = False) -> None:
    """Keep differences off kinks (and, for second derivatives, off pow's masked exponent)."""
    assume(expr.kink_distance(xs) > 1e-2)
    if second_order:
        assume(not expr.zero_exponent(xs))


# -- jvp -------------------------------------------------------------------------------------


@given(expressions(), st.data())
def test_jvp_equals_the_gradient_dotted_with_the_direction(expr, data):
    xs = data.draw(expr.inputs())
    vs = data.draw(directions(len(xs)))
    assume(evaluates(expr, xs))
    leaves = [Value(x) for x in xs]
    out = expr(leaves)
    gradient = [g.data for g in grad(out, leaves)]
    assume(all(math.isfinite(g) for g in gradient))
    value, tangent = jvp(expr, xs, vs)
    assert value == out.data
    dotted = math.fsum(g * v for g, v in zip(gradient, vs))
    scale = max([1.0] + [abs(g * v) for g, v in zip(gradient, vs)])
    assert close(tangent, dotted, atol=1e-12 * scale), (tangent, dotted)


@given(expressions(), st.data())
def test_jvp_matches_central_differences_along_the_direction(expr, data):
    xs = data.draw(expr.inputs())
    vs = data.draw(directions(len(xs)))
    assume(evaluates(expr, xs))
    smooth_enough(expr, xs)

    def along(t: list[float]) -> float:
        try:
            return expr([Value(x + t[0] * v) for x, v in zip(xs, vs)]).data
        except (ArithmeticError, ValueError):
            return nan

    (numeric,) = differences(along, [0.0])
    value, tangent = jvp(expr, xs, vs)
    assert close(tangent, numeric, rtol=1e-5, atol=1e-6 * max(1.0, abs(value), abs(numeric)))


# -- Jacobians -------------------------------------------------------------------------------


@given(expressions(), st.data())
def test_forward_and_reverse_jacobians_agree_and_match_central_differences(expr, data):
    f = every_step(expr)
    xs = data.draw(expr.inputs())
    assume(evaluates(f, xs))
    smooth_enough(expr, xs)
    forward = jacobian(f, xs, mode="forward")
    reverse = jacobian(f, xs, mode="reverse")
    m = len(f([Value(x) for x in xs]))
    assert len(forward) == len(reverse) == m and all(len(r) == len(xs) for r in forward)
    for rf, rr in zip(forward, reverse):
        for a, b in zip(rf, rr):
            assert close(a, b, atol=1e-12 * max(1.0, abs(b))), (forward, reverse)
    for i in range(m):

        def output(point: list[float], i: int = i) -> float:
            try:
                return f([Value(x) for x in point])[i].data
            except (ArithmeticError, ValueError):
                return nan

        numeric = differences(output, xs)
        scale = max([1.0, abs(output(xs))] + [abs(d) for d in numeric])
        for a, d in zip(forward[i], numeric):
            assert close(a, d, rtol=1e-5, atol=1e-6 * scale), (i, forward[i], numeric)


def test_a_scalar_function_has_a_jacobian_of_one_row_equal_to_its_gradient():
    f = lambda v: (v[0] * v[1]).tanh() + v[2].exp()  # noqa: E731
    xs = [0.3, -0.7, 0.2]
    leaves = [Value(x) for x in xs]
    gradient = [g.data for g in grad(f(leaves), leaves)]
    for mode in ("forward", "reverse"):
        (row,) = jacobian(f, xs, mode=mode)
        assert row == pytest.approx(gradient, rel=1e-15)


def test_an_output_that_is_an_input_or_a_constant_has_unit_or_zero_rows():
    f = lambda v: [v[1], Value(2.0), v[0] * 3.0]  # noqa: E731
    for mode in ("forward", "reverse"):
        assert jacobian(f, [1.0, 2.0], mode=mode) == [[0.0, 1.0], [0.0, 0.0], [3.0, 0.0]]
    assert jvp(f, [1.0, 2.0], [0.5, -1.0]) == ([2.0, 2.0, 3.0], [-1.0, 0.0, 1.5])


# -- through n-ary nodes, dense layers, defined primitives, and grad itself -------------------


def cube_primitive():
    # a primitive defined outside the table; once per session (names are global)
    if "fwd_cube" not in PRIMITIVES:
        define_primitive("fwd_cube", "x * x * x", dx="3.0 * x * x")
    return apply_function("fwd_cube")


def layered(v):
    """sum, dot, a dense tanh layer and a defined primitive, two outputs."""
    cube = cube_primitive()
    W = [[v[0], v[1], 0.5], [v[2], -0.25, v[0]]]
    hidden = autograd.dense(W, [v[1], v[2], 0.3], [v[2], Value(0.1)], "tanh")
    relu_layer = autograd.dense([[v[0], v[1]]], hidden, [Value(0.05)], "relu")
    return [
        autograd.sum([*hidden, cube(v[0]), v[1] * v[2]]),
        autograd.dot(hidden, [v[0], v[1]], start=v[2]) + relu_layer[0],
    ]


@given(st.lists(finite_floats(-1.5, 1.5), min_size=3, max_size=3))
def test_sum_dot_dense_and_defined_primitives_work_in_forward_mode(xs):
    forward = jacobian(layered, xs, mode="forward")
    reverse = jacobian(layered, xs, mode="reverse")
    for rf, rr in zip(forward, reverse, strict=True):
        assert rf == pytest.approx(rr, rel=1e-12, abs=1e-14)
    # the relu neuron: its input must stay off the kink for differences to judge it
    relu_neuron = layered([Value(x) for x in xs])[1].parents[-1]
    assert relu_neuron.op == "relu(dot)"
    assume(abs(_relu_input(relu_neuron)) > 1e-2)
    for i in range(2):
        numeric = central_difference(lambda p, i=i: layered([Value(x) for x in p])[i].data, xs)
        assert forward[i] == pytest.approx(numeric, rel=1e-5, abs=1e-6)


def _relu_input(neuron: Value) -> float:
    """b + w . x of a fused relu neuron, from its operand groups (weights, inputs, bias)."""
    ws, inputs, (b,) = neuron._y
    return b.data + sum(w.data * x.data for w, x in zip(ws, inputs))


def test_jvp_composes_with_grad_create_graph():
    # f returns its own gradient: jvp of it is the Hessian times v (forward over reverse)
    f = lambda v: v[0] ** 3 * v[1] + (v[0] * v[1]).sin()  # noqa: E731
    gradient = lambda v: list(grad(f(v), v, create_graph=True))  # noqa: E731
    xs, vs = [0.7, -1.2], [0.4, 1.0]
    _, tangent = jvp(gradient, xs, vs)
    H = hessian(f, xs)
    assert tangent == pytest.approx([H[0][0] * 0.4 + H[0][1], H[1][0] * 0.4 + H[1][1]], rel=1e-12)


# -- hvp -------------------------------------------------------------------------------------


@given(expressions(), st.data())
def test_hvp_equals_the_hessian_times_the_direction_and_central_differences(expr, data):
    xs = data.draw(expr.inputs())
    vs = data.draw(directions(len(xs)))
    assume(evaluates(expr, xs, limit=1e3))
    smooth_enough(expr, xs, second_order=True)
    H = hessian(expr, xs)
    assume(all(math.isfinite(h) and abs(h) < 1e4 for row in H for h in row))
    product = hvp(expr, xs, vs)
    for i, row in enumerate(H):
        expect = math.fsum(h * v for h, v in zip(row, vs))
        scale = max([1.0] + [abs(h * v) for h, v in zip(row, vs)])
        assert close(product[i], expect, atol=1e-11 * scale), (product, H, vs)

    def gradient_along(t: list[float], i: int) -> float:
        leaves = [Value(x + t[0] * v) for x, v in zip(xs, vs)]
        try:
            return grad(expr(leaves), leaves)[i].data
        except (ArithmeticError, ValueError):
            return nan

    for i in range(len(xs)):
        (numeric,) = differences(lambda t, i=i: gradient_along(t, i), [0.0])
        assert close(product[i], numeric, rtol=1e-3, atol=1e-4 * max(1.0, abs(numeric)))


def test_hvp_with_each_unit_vector_gives_the_hessians_columns():
    f = lambda v: v[0] * v[0] * v[1] + (v[1] * v[2]).exp() - v[2].log()  # noqa: E731
    xs = [0.5, -0.3, 1.7]
    H = hessian(f, xs)
    for j in range(3):
        column = hvp(f, xs, [1.0 if i == j else 0.0 for i in range(3)])
        assert column == pytest.approx([row[j] for row in H], rel=1e-14, abs=1e-15)


# -- the edges: reverse mode's conventions, pinned in forward mode -----------------------------


@pytest.mark.parametrize(
    "f, x, expect",
    [
        (lambda v: v.relu(), 0.0, 0.0),  # relu'(0) = 0
        (lambda v: v.relu(), -0.0, 0.0),
        (abs, 0.0, 0.0),  # abs'(0) = 0
        (lambda v: v.leaky_relu(0.1), 0.0, 0.1),  # the slope at 0
        (lambda v: v.sqrt(), 0.0, inf),  # infinite, not an exception
        (lambda v: v**0.5, 0.0, inf),
        (lambda v: v**2, 0.0, 0.0),
        (lambda v: v**0, 0.0, 0.0),  # x^0 is constant: masked, never 0 * inf
        (lambda v: v**0, nan, 0.0),
        (lambda v: 0.0**v, 2.0, 0.0),  # d(0^y)/dy taken as 0
        (lambda v: (-3.0) ** v, 2.0, nan),  # x^y log x: not real
        (lambda v: v.reciprocal(), 0.0, -inf),
        (lambda v: v.stop_gradient() * 2.0, 1.5, 0.0),  # passes nothing, either way
        (lambda v: (v * inf).relu(), -1.0, 0.0),  # a relu that is off stops even an inf
        (lambda v: v * 2.0, inf, 2.0),  # non-finite data propagates as IEEE floats do
        (lambda v: v * v, nan, nan),
    ],
)
def test_forward_mode_keeps_the_edge_conventions_of_reverse_mode(f, x, expect):
    _, tangent = jvp(lambda v: f(v[0]), [x], [1.0])
    leaf = Value(x)
    (reverse,) = grad(f(leaf), [leaf])
    for got in (tangent, reverse.data, jacobian(lambda v: f(v[0]), [x])[0][0]):
        assert got == expect or (math.isnan(got) and math.isnan(expect)), (got, expect)


def test_a_relu_that_is_off_stops_an_inf_tangent_that_reaches_it_by_another_path_too():
    def f(v):
        scaled = v[0] * inf  # an infinite tangent, and an output of its own
        return [scaled.relu(), scaled]

    assert jvp(f, [-1.0], [1.0]) == ([0.0, -inf], [0.0, inf])
    assert jacobian(f, [-1.0], mode="forward") == jacobian(f, [-1.0], mode="reverse")


def test_a_direction_that_does_not_move_an_input_adds_nothing_from_it():
    # sqrt'(0) is inf; along (0, 1) x does not move, so its inf adds nothing (not 0 * inf)
    assert jvp(lambda v: v[0].sqrt() + v[1], [0.0, 2.0], [0.0, 1.0]) == (2.0, 1.0)
    assert jvp(lambda v: v[0].sqrt() + v[1], [0.0, 2.0], [1.0, 1.0])[1] == inf


def test_higher_order_forward_over_reverse_is_infinite_at_a_singular_point_too():
    assert hvp(lambda v: v[0].sqrt(), [0.0], [1.0]) == [-inf]


def test_detect_anomaly_names_the_node_whose_tangent_turned_non_finite():
    with (
        autograd.detect_anomaly(),
        pytest.raises(autograd.AnomalyError, match="forward mode: sqrt"),
    ):
        jvp(lambda v: v[0].sqrt() * v[1], [0.0, 2.0], [1.0, 0.0])
    assert jvp(lambda v: v[0].sqrt() * v[1], [0.0, 2.0], [1.0, 0.0])[1] == inf  # outside it


# -- bad input: clear errors -----------------------------------------------------------------


def square(v):
    return v[0] * v[0]


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: jvp(square, [1.0, 2.0], [1.0]), ValueError, r"differ in length \(2 and 1\)"),
        (lambda: hvp(square, [1.0], [1.0, 0.0]), ValueError, r"differ in length \(1 and 2\)"),
        (lambda: jvp(square, [1.0], ["1"]), TypeError, r"vs\[0\] must be a number, got str"),
        (lambda: jvp(square, [1.0], [None]), TypeError, r"vs\[0\] must be a number"),
        (lambda: jvp(square, [1.0], [True]), TypeError, r"vs\[0\] must be a number, got bool"),
        (lambda: jvp(square, [Value(1.0)], [1.0]), TypeError, r"xs\[0\] .* a Value"),
        (lambda: jvp(square, 1.0, [1.0]), TypeError, "xs must be a list of numbers"),
        (lambda: hvp(square, [1.0], "1"), TypeError, "vs must be a list of numbers"),
        (lambda: jacobian(square, [1.0], mode="backward"), ValueError, "'forward' or 'reverse'"),
        (lambda: jvp(square, [1.0], [inf]), ValueError, r"vs\[0\] is inf: a direction must be"),
        (lambda: hvp(square, [1.0], [nan]), ValueError, r"vs\[0\] is nan"),
        (
            lambda: jvp(lambda v: 1.0, [1.0], [1.0]),
            TypeError,
            "Value or a list of Values, got float",
        ),
        (lambda: jacobian(lambda v: [v[0], 2.0], [1.0]), TypeError, "item 1 is a float"),
        (lambda: jacobian(lambda v: None, [1.0]), TypeError, "got NoneType"),
        (lambda: hvp(lambda v: [v[0]], [1.0], [1.0]), TypeError, "must return one Value"),
        (lambda: jvp("f", [1.0], [1.0]), TypeError, "f must be a function"),
    ],
)
def test_bad_input_is_an_error_naming_the_problem(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_inside_no_grad_there_is_no_graph_to_differentiate_and_it_says_so():
    with autograd.no_grad(), pytest.raises(RuntimeError, match="inside no_grad"):
        jvp(square, [1.0], [1.0])


def test_non_finite_points_are_allowed_and_propagate():
    assert jvp(lambda v: v[0] * 2.0, [inf], [1.0]) == (inf, 2.0)
    value, tangent = jvp(lambda v: v[0] * v[0], [inf], [1.0])
    assert value == inf and tangent == inf


# -- cost, counted in node visits -------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 3, 10])
def test_a_gradient_costs_one_pass_per_input_forward_and_one_pass_reverse(n):
    f = lambda v: autograd.sum([x * x for x in v])  # noqa: E731  n products and a sum
    nodes = n + 1
    with count_visits() as forward:
        jacobian(f, [1.0] * n, mode="forward")
    with count_visits() as reverse:
        jacobian(f, [1.0] * n, mode="reverse")
    assert (forward.forward_passes, forward.forward, forward.reverse) == (n, n * nodes, 0)
    assert (reverse.reverse_passes, reverse.reverse, reverse.forward) == (1, nodes, 0)


@pytest.mark.parametrize("m", [1, 4, 16])
def test_many_outputs_cost_two_forward_passes_or_one_reverse_pass_each(m):
    depth = 5

    def f(v):
        trunk = v[0] * v[1]
        for _ in range(depth):
            trunk = trunk.tanh()
        return [trunk * float(k) for k in range(1, m + 1)]

    with count_visits() as forward:
        jacobian(f, [0.3, 0.4], mode="forward")
    with count_visits() as reverse:
        jacobian(f, [0.3, 0.4], mode="reverse")
    trunk, head = depth + 1, 1
    assert forward.forward == 2 * (trunk + m * head)  # each pass visits the union once
    assert reverse.reverse == m * (trunk + head)  # each pass walks back through the trunk


def test_counts_are_deterministic_and_blocks_nest():
    f = lambda v: (v[0] * v[1]).sin() + v[0]  # noqa: E731
    with count_visits() as outer:
        with count_visits() as inner:
            hvp(f, [0.2, 0.3], [1.0, 1.0])
        first = (inner.forward, inner.reverse)
        with count_visits() as again:
            hvp(f, [0.2, 0.3], [1.0, 1.0])
    assert (again.forward, again.reverse) == first
    assert outer.total == 2 * inner.total
    assert (inner.forward_passes, inner.reverse_passes) == (1, 1)
    with count_visits() as none:
        pass
    assert none.total == 0


@given(expressions(), st.data())
def test_hessian_takes_the_route_with_the_fewest_visits(expr, data):
    xs = data.draw(expr.inputs())
    assume(evaluates(expr, xs))
    n = len(xs)
    with count_visits() as used:
        hessian(expr, xs)
    with count_visits() as one_column:  # forward over reverse: n of these forward passes
        hvp(expr, xs, [1.0] + [0.0] * (n - 1))
    recording = one_column.reverse  # the same gradient graph, recorded once by either route
    assert used.reverse_passes == n + 1
    assert used.reverse - recording <= n * one_column.forward


# -- torch.func, where PyTorch is installed ------------------------------------------------------


TORCH_OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "neg": lambda a: -a,
    "abs": lambda a: a.abs(),
    "exp": lambda a: a.exp(),
    "log": lambda a: a.log(),
    "log1p": lambda a: a.log1p(),
    "sqrt": lambda a: a.sqrt(),
    "sin": lambda a: a.sin(),
    "cos": lambda a: a.cos(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "softplus": lambda a: torch.nn.functional.softplus(a),
    "relu": lambda a: a.relu(),
    "leaky_relu": lambda a, s: torch.where(a > 0, a, a * s),
}


def torch_function(expr, every: bool = False):
    """The expression over a float64 tensor of inputs, for torch.func."""

    def apply(name, args):
        args = [a if torch.is_tensor(a) else torch.tensor(a, dtype=torch.float64) for a in args]
        return TORCH_OPS[name](*args)

    def f(x):
        outs: list = []
        total = expr.build(list(x), apply, bind=_keep(outs) if every else None)
        return torch.stack(outs) if every else total

    return f


def tensor(xs):
    return torch.tensor(xs, dtype=torch.float64)


@needs_torch
@given(expressions(), st.data())
def test_jvp_and_hvp_match_torch_func(expr, data):
    xs = data.draw(expr.inputs())
    vs = data.draw(directions(len(xs)))
    assume(evaluates(expr, xs))
    smooth_enough(expr, xs, second_order=True)
    f = torch_function(expr)
    value, tangent = jvp(expr, xs, vs)
    t_value, t_tangent = torch.func.jvp(f, (tensor(xs),), (tensor(vs),))
    assert value == pytest.approx(t_value.item(), rel=1e-12, abs=1e-12)
    assert tangent == pytest.approx(t_tangent.item(), rel=1e-9, abs=1e-12)
    H = hessian(expr, xs)
    assume(all(math.isfinite(h) for row in H for h in row))
    _, t_hvp = torch.func.jvp(torch.func.grad(f), (tensor(xs),), (tensor(vs),))
    assert hvp(expr, xs, vs) == pytest.approx(t_hvp.tolist(), rel=1e-8, abs=1e-10)


@needs_torch
@given(expressions(), st.data())
def test_jacobians_match_torch_jacfwd_and_jacrev(expr, data):
    xs = data.draw(expr.inputs())
    f = every_step(expr)
    assume(evaluates(f, xs))
    smooth_enough(expr, xs)
    tf = torch_function(expr, every=True)
    expect_fwd = torch.func.jacfwd(tf)(tensor(xs)).tolist()
    expect_rev = torch.func.jacrev(tf)(tensor(xs)).tolist()
    for mode, expect in (("forward", expect_fwd), ("reverse", expect_rev)):
        got = jacobian(f, xs, mode=mode)
        for row, erow in zip(got, expect, strict=True):
            assert row == pytest.approx(erow, rel=1e-9, abs=1e-12)


# -- the demo -----------------------------------------------------------------------------------


def test_the_demo_counts_what_the_passes_must_visit(tmp_path):
    pytest.importorskip("matplotlib", reason="the demos need the demo extra")
    pytest.importorskip("tqdm", reason="the demos need the demo extra")
    from demos import forward_reverse

    result = forward_reverse.main(fast=True, out_dir=tmp_path)
    for row in result["gradient"]["rows"]:
        n = row["n"]
        assert row["nodes"] == 2 * n + 1  # n products, n tanh, one sum
        assert (row["forward_passes"], row["forward"]) == (n, n * (2 * n + 1))
        assert (row["reverse_passes"], row["reverse"]) == (1, 2 * n + 1)
        assert row["max_difference"] <= 1e-12
    per_step = 7  # v - DT * (k * x + c * v): five nodes; x + DT * v: two
    for row in result["trajectory"]["rows"]:
        m = row["m"]
        assert row["nodes"] == per_step * m
        assert (row["forward_passes"], row["forward"]) == (2, 2 * per_step * m)
        # position k depends on the first k steps: reverse passes visit 7 (1 + 2 + ... + m)
        assert (row["reverse_passes"], row["reverse"]) == (m, per_step * m * (m + 1) // 2)
        assert row["max_difference"] <= 1e-12
        # 14 m against 7 m (m + 1) / 2: forward mode wins from 4 outputs on
        assert (row["forward"] < row["reverse"]) == (m >= 4)
    for row in result["hessian"]["rows"]:
        assert row["hessian"] == row["reverse_over_reverse"] <= row["forward_over_reverse"]
        assert row["max_difference"] <= 1e-12
    assert {p.name for p in result["files"]} == {
        "forward_reverse_cost.png",
        "forward_reverse_cost.svg",
    }
    assert all(p.stat().st_size > 1000 for p in result["files"])


def test_an_f_that_changes_its_list_is_differentiated_at_the_inputs_given():
    def doubled(v):
        v[0] = v[0] * 2  # rebinds the list's entry: the input is still the original one
        return v[0] * v[0]  # 4 x^2: f'(3) = 24, f'' = 8

    assert jvp(doubled, [3.0], [1.0]) == (36.0, 24.0)
    assert jacobian(doubled, [3.0]) == [[24.0]] == jacobian(doubled, [3.0], mode="reverse")
    assert hvp(doubled, [3.0], [1.0]) == [8.0]
    assert autograd.hessian(doubled, [3.0]) == [[8.0]]
    assert autograd.gradcheck(doubled, [3.0])

    def reversed_list(v):
        v.reverse()
        return 10 * v[0] + v[1]  # 10 x1 + x0

    assert jacobian(reversed_list, [1.0, 2.0]) == [[1.0, 10.0]]


def test_hessian_and_gradcheck_inside_no_grad_say_there_is_no_graph():
    with autograd.no_grad():
        with pytest.raises(RuntimeError, match="hessian: called inside no_grad"):
            autograd.hessian(lambda v: v[0] ** 3 * v[1], [1.0, 2.0])
        with pytest.raises(RuntimeError, match="gradcheck: called inside no_grad"):
            autograd.gradcheck(lambda v: v[0] * v[0], [2.0])


def test_a_dict_or_a_set_is_not_a_list_of_numbers():
    with pytest.raises(TypeError, match="xs must be a list of numbers, got dict"):
        jvp(lambda v: v[0], {0: 2.0}, [1.0])
    with pytest.raises(TypeError, match="vs must be a list of numbers, got set"):
        jvp(lambda v: v[0], [2.0], {1.0})


def test_detect_anomaly_raises_on_both_routes_of_a_jacobian_and_in_grad():
    f = lambda v: (v[0] * 0.0).sqrt()  # noqa: E731 - d/dx = 0 * inf
    with autograd.detect_anomaly():
        for mode in ("forward", "reverse"):
            with pytest.raises(autograd.AnomalyError, match="sqrt"):
                jacobian(f, [1.0], mode=mode)
        x = Value(1.0)
        with pytest.raises(autograd.AnomalyError, match="backward pass of sqrt"):
            autograd.grad(f([x]), [x])
    assert math.isnan(jacobian(f, [1.0], mode="reverse")[0][0])  # outside it: the number
