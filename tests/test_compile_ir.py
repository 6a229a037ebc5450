"""autograd.compile's intermediate form (``step.ir``) and its pipeline.

The printed form is a program: run line by line over floats, with each primitive's forward
formula from the table, it must give the engine's loss bit for bit at the traced point and
the compiled step's loss at any other; its checks must hold at the trace. Compiling must
leave the user's graph exactly as it was, and the compiler must never read its own output
back as text."""

import ast
import math
import struct
import warnings
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Value
from autograd.compile import symbolic
from autograd.node import below
from autograd.primitives import FLOAT_FUNCTIONS, NARY_PRIMITIVES, PRIMITIVES, sigmoid
from autograd.testing import expressions

ROOT = Path(__file__).resolve().parents[1]


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def _float_primitive(text: str):
    code = compile(text, "<formula>", "eval")
    return lambda x, y=None: eval(code, dict(FLOAT_FUNCTIONS), {"x": x, "y": y})  # noqa: S307


#: every primitive's name, as a float function built from its forward formula
NAMESPACE = {name: _float_primitive(p.forward) for name, p in PRIMITIVES.items()}
NAMESPACE.update((name, p.forward) for name, p in NARY_PRIMITIVES.items())
NAMESPACE["float"] = float


def run_ir(text: str, params: list[float]) -> tuple[float, list[bool]]:
    """Run the printed form over floats: the loss and the outcome of every check."""
    env: dict[str, float] = {}
    checks = []
    in_loop = False
    for line in text.splitlines():
        words = line.split()
        if line.startswith("params "):
            env.update(zip(words[1:], params, strict=True))
        elif line.startswith("loss "):
            out = eval(line[5:], NAMESPACE, env)  # noqa: S307
            return out, checks
        elif words[:2] == ["loop", "over"]:
            in_loop = True  # the loop's template repeats equations printed above
        elif in_loop:
            continue
        elif words[0] == "check":
            test, _, outcome = line.strip()[6:].rpartition(" is ")
            checks.append(eval(test, NAMESPACE, env) == (outcome == "True"))  # noqa: S307
        elif not line.lstrip().startswith("#"):
            name, _, call = line.strip().partition(" = ")
            assert name not in env, f"{name} defined twice"
            env[name] = eval(call, NAMESPACE, env)  # noqa: S307
    raise AssertionError("no loss line")


@given(
    expressions(max_inputs=3, max_steps=8),
    st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3),
    st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3),
)
def test_the_printed_form_run_as_a_program_gives_the_engines_loss(expr, at, later):
    params = [Value(x) for x in at[: expr.n_inputs]]
    try:
        root = expr(params)
    except (ArithmeticError, ValueError):
        return
    step = autograd.compile(lambda: expr(params), params)
    loss, checks = run_ir(step.ir, [p.data for p in params])
    assert bits(loss) == bits(root.data) and all(checks)
    for p, x in zip(params, later):  # elsewhere: the step's loss, where it compiles one
        p.data = x
    try:
        compiled = step()
    except (ArithmeticError, ValueError):
        return
    if step.ir:  # the branch in use (another one if a check failed)
        loss, checks = run_ir(step.ir, [p.data for p in params])
        assert bits(loss) == bits(compiled) and all(checks)


def test_the_printed_form_has_an_equation_per_node_that_follows_the_params():
    a, b = Value(0.5), Value(-1.25)
    c = Value(3.0)  # not a param: a constant of the step

    def fn():
        t = a * b + c.exp()
        u = t.tanh() if t > 0 else -t
        return (u - t.detach()) ** 2 + autograd.dot([a, b], [2.0, 3.0], c)

    step = autograd.compile(fn, [a, b])
    root = fn()
    moving = {a, b}
    for node in below(root):  # independently: the nodes with a param below them
        if any(p in moving for p in node.parents):
            moving.add(node)
    equations = [line for line in step.ir.splitlines() if " = " in line]
    # and one more: outside a trace detach() gives a new leaf, inside it a stop_gradient
    assert len(equations) == len(moving - {a, b}) + 1
    assert "stop_gradient(" in step.ir and "check " in step.ir
    assert repr(math.exp(3.0)) in step.ir  # c.exp(), a constant, written in as its number
    loss, checks = run_ir(step.ir, [a.data, b.data])
    assert bits(loss) == bits(root.data) and checks == [True]


def _moons_step(n=12):
    from nn import MLP
    from nn.datasets import make_moons
    from nn.losses import hinge_loss

    X, labels = make_moons(n, noise=0.1, seed=1)
    model = MLP(2, [4, 1], seed=3)
    params = model.parameters()
    return (lambda: hinge_loss(model(X), [2 * t - 1 for t in labels])), params


def _snapshot(root):
    nodes = below(root) + [v for v in {u for n in below(root) for u in n.parents} if not v.parents]
    fields = ("data", "grad", "label", "_op", "_x", "_dx", "_y", "_dy", "_seq")
    return {id(n): tuple(repr(getattr(n, f)) for f in fields) + (n,) for n in nodes}


def test_compiling_leaves_the_users_graph_as_it_was():
    loss_fn, params = _moons_step()
    seen = {}

    def fn():
        loss = loss_fn()
        if not seen:  # the graph of the trace, as fn leaves it
            seen.update(loss=loss, before=_snapshot(loss))
        return loss

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the snapshot reads numbers during the trace
        step = autograd.compile(fn, params)
    assert "for _k in _ORDER:" in step.source  # the loop pass rewrote a sample: not this one
    assert "loop over 12 samples" in step.ir
    assert _snapshot(seen["loss"]) == seen["before"]


def test_the_loop_in_the_printed_form_is_one_sample_of_the_straight_equations():
    loss_fn, params = _moons_step()
    step = autograd.compile(loss_fn, params)
    text = step.ir
    head, _, rest = text.partition("  loop over ")
    template = [line.split(" = ", 1)[1] for line in rest.splitlines()[1:] if " = " in line]
    straight = [line.split(" = ", 1)[1] for line in head.splitlines() if " = " in line]
    # sample 0's last equations, with its numbers as loop variables c0, c1, ...
    ops = [t.split("(")[0] for t in template]
    assert ops == ["relu"] * 4 + ["dot", "mul", "sub", "relu"]
    assert all(t.split("(")[0] in {s.split("(")[0] for s in straight} for t in template)


@given(st.integers(1, 12), st.data())
def test_a_dot_run_on_symbols_is_the_rule_written_out(n, data):
    dot = NARY_PRIMITIVES["dot"]
    numbers = st.floats(-1e3, 1e3, allow_nan=False)
    xs = data.draw(st.lists(numbers, min_size=n, max_size=n))
    ys = data.draw(st.lists(numbers, min_size=n, max_size=n))
    start = data.draw(numbers)
    out = symbolic.run(dot.forward, (n, n, 1))
    text, _ = symbolic.template(out, repr)
    written = eval(text.format(*map(repr, [*xs, *ys, start])))  # noqa: S307
    if symbolic.SEQUENTIAL_SUM:
        assert bits(written) == bits(dot.forward(xs, ys, (start,)))
    s, pairs = symbolic.sum_of_products(out)
    assert (s, pairs) == (2 * n, [(i, n + i) for i in range(n)])


def test_a_rule_that_compares_is_not_written_out():
    assert symbolic.run(lambda xs: xs[0] if xs[0] > 0 else xs[1], (2,)) is None
    assert symbolic.run(lambda xs: sigmoid(xs[0]), (1,)) is None
    assert symbolic.sum_of_products(symbolic.run(lambda xs: xs[0] + xs[1], (2,))) is None


def test_the_compiler_reads_no_text_back():
    # The pipeline passes structures (equations, symbols), never regular expressions over
    # the code it wrote.
    for path in sorted((ROOT / "autograd" / "compile").glob("*.py")):
        tree = ast.parse(path.read_text())
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert "re" not in imported, path


def test_the_printed_form_is_empty_while_the_step_runs_on_the_engine():
    w = Value(-1.0)

    def fn():
        try:
            return w.log()
        except ValueError:
            return w * 2.0

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        step = autograd.compile(fn, [w])
    assert step.ir == "" and step.source == ""


def _doc_block(marker: str) -> str:
    text = (ROOT / "docs" / "compile.md").read_text()
    after = text[text.index(f"<!-- {marker} -->") :]
    return after.split("```", 2)[1].split("\n", 1)[1]


def test_the_docs_show_what_the_code_prints():
    w = [Value(0.5, label="w0"), Value(-0.3, label="w1")]
    b = Value(0.1, label="b")
    step = autograd.compile(lambda: (autograd.dot(w, [2.0, 3.0], b).tanh() - 0.5) ** 2, [*w, b])
    assert _doc_block("step.ir") == step.ir + "\n"
    assert _doc_block("step.source") == step.source
