"""The command line ``python -m autograd.viz``: arithmetic accepted, everything else refused.

Expressions are parsed with ``ast`` and never evaluated as Python, so a hostile one has no
effect at all: no file appears, no output is written, one line of error, a non-zero exit.
"""

import math
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from autograd.viz.__main__ import main
from autograd.viz.expression import ExpressionError, evaluate

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def no_system_dot(monkeypatch, tmp_path):
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def node_texts(path) -> list[list[str]]:
    root = ET.parse(path).getroot()
    return [
        [" ".join("".join(t.itertext()).split()) for t in g.iter(SVG + "text")]
        for g in root.iter(SVG + "g")
        if g.get("class") == "node"
    ]


def run(capsys, *argv):
    """main(argv): (exit status, stdout, stderr)."""
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def sets(**values):
    return [arg for name, v in values.items() for arg in ("--set", f"{name}={v}")]


def g4(x: float) -> str:
    """4 significant digits, as the picture shows numbers by default."""
    return format(x, ".4g")


# -- accepted --------------------------------------------------------------------------
# (expression, variables, result, gradients), the numbers worked out by hand.
t = math.tanh(2 * -3 + 6.8813735870195432)
CASES = [
    (
        "tanh(x*w + b)",
        {"x": 2, "w": -3, "b": 6.8813735870195432},
        t,
        {"x": -3 * (1 - t * t), "w": 2 * (1 - t * t), "b": 1 - t * t},
    ),
    ("x**2 + 3*x - 1/x", {"x": 2}, 9.5, {"x": 2 * 2 + 3 + 1 / 4}),
    ("x*x", {"x": 3}, 9.0, {"x": 6.0}),
    ("-x + +y", {"x": 1.5, "y": 4}, 2.5, {"x": -1.0, "y": 1.0}),
    ("2 ** x", {"x": 3}, 8.0, {"x": 8 * math.log(2)}),
    (
        "sqrt(x) * exp(y) / log(z)",
        {"x": 4, "y": 0, "z": math.e},
        2.0,
        {"x": 0.25, "y": 2.0, "z": -2.0 / math.e},
    ),
    (
        "sigmoid(x) + relu(y) + abs(z)",
        {"x": 0, "y": -1, "z": -2},
        2.5,
        {"x": 0.25, "y": 0, "z": -1},
    ),
    ("leaky_relu(x, 0.1)", {"x": -2}, -0.2, {"x": 0.1}),
    ("leaky_relu(x)", {"x": -2}, -0.02, {"x": 0.01}),
    ("sin(x) + cos(x) + log1p(x)", {"x": 0}, 1.0, {"x": 1 + 0 + 1}),
    (
        "softplus(x) * reciprocal(y)",
        {"x": 0, "y": 2},
        math.log(2) / 2,
        {"x": 0.25, "y": -math.log(2) / 4},
    ),
    (
        "(x - y) / (x + y) * 1e-3",
        {"x": 3, "y": 1},
        0.5e-3,
        {"x": 2 / 16 * 1e-3, "y": -6 / 16 * 1e-3},
    ),
]


@pytest.mark.parametrize("expression, variables, result, grads", CASES)
def test_arithmetic_is_computed_differentiated_and_drawn(
    tmp_path, capsys, expression, variables, result, grads
):
    out = tmp_path / "graph.svg"
    status, stdout, stderr = run(capsys, expression, *sets(**variables), "-o", out)
    assert (status, stderr) == (0, "")
    nodes = node_texts(out)
    for name, grad in grads.items():
        data = float(variables[name])
        assert [name, f"data {g4(data)}", f"grad {g4(grad)}"] in nodes
    # The root is labelled with the whole expression, and the backward pass seeds it with 1.
    assert [" ".join(expression.split()), f"data {g4(result)}", "grad 1"] in nodes
    assert f"= {result:.6g}" in stdout and str(out) in stdout


def test_the_example_of_the_help_works_in_a_real_process(tmp_path):
    out = tmp_path / "neuron.svg"
    args = ["tanh(x*w + b)", "--set", "x=2", "--set", "w=-3", "--set", "b=6.88", "-o", str(out)]
    done = subprocess.run(
        [sys.executable, "-m", "autograd.viz", *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert ["x", "data 2", "grad -1.503"] in node_texts(out)


def test_the_format_follows_the_output_suffix(tmp_path, capsys):
    status, _, _ = run(capsys, "x*2", "--set", "x=1", "-o", tmp_path / "g.png")
    assert status == 0 and (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"
    status, _, _ = run(capsys, "x*2", "--set", "x=1", "-o", tmp_path / "g.dot")
    assert status == 0 and (tmp_path / "g.dot").read_text().startswith("digraph")


def test_options_reach_the_picture(tmp_path, capsys):
    out = tmp_path / "g.dot"
    status, _, _ = run(
        capsys, "tanh(x)", "--set", "x=1", "--rankdir", "TB", "--digits", "2", "-o", out
    )
    source = out.read_text()
    assert status == 0 and "rankdir=TB" in source and "data 0.76" in source


def test_a_constant_expression_still_draws(tmp_path, capsys):
    status, _, _ = run(capsys, "tanh(0.5) * 2", "-o", tmp_path / "c.svg")
    assert status == 0
    nodes = node_texts(tmp_path / "c.svg")
    assert ["0.5", "data 0.5", f"grad {g4(2 * (1 - math.tanh(0.5) ** 2))}"] in nodes


def test_a_long_chain_is_computed_without_recursion(tmp_path, capsys):
    expression = "+".join(["x"] * 2000)
    status, stdout, _ = run(capsys, expression, "--set", "x=1", "-o", tmp_path / "c.svg")
    assert status == 0 and "d/dx = 2000" in stdout


# -- refused ---------------------------------------------------------------------------
def hostile(marker):
    return [
        f"__import__('os').system('touch {marker}')",
        f"open('{marker}', 'w')",
        f"exec(\"open('{marker}', 'w')\")",
        f"eval(\"open('{marker}', 'w')\")",
        f"(lambda: open('{marker}', 'w'))()",
        f"[open('{marker}', 'w') for _ in [1]]",
        f"tanh(open('{marker}', 'w'))",
        f"x + open('{marker}', 'w').write('pwned')",
        "x.__class__",
        "x.__class__.__bases__[0].__subclasses__()",
        "tanh.__globals__",
        "[1][0]",
        "x[0]",
        "lambda: 1",
        "'a'",
        "b'a'",
        'f"{x}"',
        "{'a': 1}",
        "{1, 2}",
        "(1, 2)",
        "print(1)",
        "getattr(x, 'data')",
        "globals()",
        "tanh(*[x])",
        "tanh(x=1)",
        "x if x else x",
        "x < 1",
        "x and x",
        "not x",
        "(y := 2)",
        "x // 2",
        "x % 2",
        "~x",
        "x @ x",
        "x << 1",
        "1j",
        "True",
        "None",
        "...",
        "x; x",
        "import os",
        "",
        "(",
        "x +",
        "\0",
        "(" * 300 + "x" + ")" * 300,
        "-" * 5000 + "x",
        "x+" * 6000 + "x",
    ]


def test_hostile_expressions_are_refused_without_effect(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "pwned"
    out = tmp_path / "graph.svg"
    for expression in hostile(marker):
        status, stdout, stderr = run(capsys, expression, "--set", "x=1", "-o", out)
        assert status != 0, expression
        assert stdout == "", expression
        assert stderr.startswith("error: ") and stderr.count("\n") == 1, (expression, stderr)
        assert "Traceback" not in stderr
    assert not marker.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty-path"]  # nothing written


def test_a_hostile_expression_in_a_real_process_leaves_no_trace(tmp_path):
    marker = tmp_path / "pwned"
    expression = f"__import__('os').system('touch {marker}')"
    done = subprocess.run(
        [sys.executable, "-m", "autograd.viz", expression, "-o", str(tmp_path / "g.svg")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PATH": str(tmp_path / "empty-path")},
    )
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ")
    assert not marker.exists() and not (tmp_path / "g.svg").exists()


def test_an_unset_variable_is_named(tmp_path, capsys):
    status, _, stderr = run(
        capsys, "x * w + bias", "--set", "x=1", "--set", "w=2", "-o", tmp_path / "g.svg"
    )
    assert status != 0 and "'bias'" in stderr and "--set bias=" in stderr
    assert not (tmp_path / "g.svg").exists()


@pytest.mark.parametrize(
    "assignment", ["x", "x=", "=2", "x=abc", "1x=2", "x=2=3", "tanh=2", "ｔａｎｈ=2", "x y=1"]
)
def test_a_bad_set_is_one_line_of_error(tmp_path, capsys, assignment):
    status, _, stderr = run(capsys, "x", "--set", assignment, "-o", tmp_path / "g.svg")
    assert status != 0 and assignment in stderr and stderr.count("\n") == 1
    assert not (tmp_path / "g.svg").exists()


def test_a_variable_set_twice_is_an_error(tmp_path, capsys):
    status, _, stderr = run(capsys, "x", "--set", "x=1", "--set", "x=2", "-o", tmp_path / "g.svg")
    assert status != 0 and "x" in stderr and stderr.count("\n") == 1


def test_names_are_read_as_python_reads_them(tmp_path, capsys):
    # Python reads the ligature ﬁ as fi: --set ﬁ= sets it, whichever way it is spelled.
    status, stdout, _ = run(capsys, "ﬁ * 3", "--set", "ﬁ=2", "-o", tmp_path / "g.dot")
    assert status == 0 and "= 6" in stdout and "d/dfi = 3" in stdout
    status, _, stderr = run(capsys, "fi", "--set", "ﬁ=1", "--set", "fi=2", "-o", tmp_path / "h.dot")
    assert status == 2 and "already set" in stderr and not (tmp_path / "h.dot").exists()


@pytest.mark.parametrize(
    "expression, value, operation",
    [
        ("log(x)", -1, "log"),
        ("1/x", 0, "div"),
        ("exp(x)", 1000, "exp"),
        ("sqrt(x)", -4, "sqrt"),
        ("x ** 0.5", -8, "pow"),
    ],
)
def test_domain_errors_are_one_line(tmp_path, capsys, expression, value, operation):
    status, _, stderr = run(capsys, expression, "--set", f"x={value}", "-o", tmp_path / "g.svg")
    assert status == 1 and stderr.count("\n") == 1 and operation in stderr
    assert not (tmp_path / "g.svg").exists()


def test_command_line_mistakes_are_one_line(tmp_path, capsys):
    for argv in [[], ["x", "--rankdir", "sideways"], ["x", "--digits", "many"], ["x", "--bogus"]]:
        status, _, stderr = run(capsys, *argv)
        assert status == 2 and stderr.count("\n") == 1 and stderr.startswith("error: "), argv
    status, _, stderr = run(capsys, "x", "--set", "x=1", "--digits", "0", "-o", tmp_path / "g.svg")
    assert status == 1 and "digits" in stderr


def test_an_unknown_output_suffix_is_one_line(tmp_path, capsys):
    status, _, stderr = run(capsys, "x", "--set", "x=1", "-o", tmp_path / "g.txt")
    assert status == 1 and stderr.count("\n") == 1 and ".svg" in stderr


# -- the parser as a library -----------------------------------------------------------
def test_leaves_are_labelled_with_their_names_and_shared():
    out, leaves = evaluate("x*y + x", {"x": 2.0, "y": 5.0, "unused": 1.0})
    assert sorted(leaves) == ["x", "y"]
    assert [leaves[n].label for n in ("x", "y")] == ["x", "y"]
    out.backward()
    assert (leaves["x"].grad, leaves["y"].grad) == (6.0, 2.0)  # one leaf x, used twice


def test_evaluate_checks_the_whole_tree_before_computing_anything():
    # The domain error on the left would come first if anything were computed.
    with pytest.raises(ExpressionError, match="attribute"):
        evaluate("log(x) + x.data", {"x": -1.0})
