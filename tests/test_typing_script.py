"""tests/typing/user_script.py, the script `make lint` type-checks, runs and gets the numbers
of the closed forms: what a user writes against the contract works as well as type-checks."""

import importlib.util
import json
import math
import runpy
from pathlib import Path

import pytest

from autograd import Value

SCRIPT = Path(__file__).parent / "typing" / "user_script.py"


def _load():
    spec = importlib.util.spec_from_file_location("user_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


script = _load()
close = pytest.approx


def test_every_operator_gives_the_closed_form_value_and_partials():
    a, b = 1.5, 0.5
    expected = {
        "x + y": (a + b, 1.0, 1.0),
        "x + 2.0": (a + 2.0, 1.0, 0.0),
        "2 + x": (2.0 + a, 1.0, 0.0),
        "x - y": (a - b, 1.0, -1.0),
        "x - 2": (a - 2.0, 1.0, 0.0),
        "2.0 - x": (2.0 - a, -1.0, 0.0),
        "x * y": (a * b, b, a),
        "x * 2.0": (2.0 * a, 2.0, 0.0),
        "2.0 * x": (2.0 * a, 2.0, 0.0),
        "x / y": (a / b, 1.0 / b, -a / b**2),
        "x / 2": (a / 2.0, 0.5, 0.0),
        "2 / x": (2.0 / a, -2.0 / a**2, 0.0),
        "x ** y": (a**b, b * a ** (b - 1.0), a**b * math.log(a)),
        "x ** 3": (a**3, 3.0 * a**2, 0.0),
        "2 ** x": (2.0**a, 2.0**a * math.log(2.0), 0.0),
        "2.0 ** x": (2.0**a, 2.0**a * math.log(2.0), 0.0),
        "-x": (-a, -1.0, 0.0),
        "abs(y - x)": (abs(b - a), 1.0, -1.0),  # y - x < 0: |y - x| = x - y
        "c += y": (a + b, 1.0, 1.0),
    }
    got = script.operators(a, b)
    assert got.keys() == expected.keys()
    for name, want in expected.items():
        assert got[name] == close(want, rel=1e-12, abs=1e-15), name


def test_every_method_gives_the_closed_form_value_and_derivative():
    a = 0.7
    t, s = math.tanh(a), 1.0 / (1.0 + math.exp(-a))
    expected = {
        "exp": (math.exp(a), math.exp(a)),
        "log": (math.log(a), 1.0 / a),
        "tanh": (t, 1.0 - t * t),
        "sigmoid": (s, s * (1.0 - s)),
        "relu": (a, 1.0),
        "sin": (math.sin(a), math.cos(a)),
        "cos": (math.cos(a), -math.sin(a)),
        "sqrt": (math.sqrt(a), 0.5 / math.sqrt(a)),
        "log1p": (math.log1p(a), 1.0 / (1.0 + a)),
        "softplus": (math.log1p(math.exp(a)), s),
        "reciprocal": (1.0 / a, -1.0 / a**2),
        "leaky_relu(0.1)": (a, 1.0),
        "leaky_relu()": (a, 1.0),
        "leaky_relu(0.1) at -a": (-0.1 * a, 0.1),
    }
    got = script.methods(a)
    assert got.keys() == expected.keys()
    for name, want in expected.items():
        assert got[name] == close(want, rel=1e-12), name


def test_attributes_comparisons_identity_and_backward_accumulation():
    got = script.attributes()
    assert got["data"] == got["float"] == -5.0  # 3 * -2 + 1
    assert got["grad_before"] == 0.0
    assert got["op"] == "add" and got["label"] == "z"
    assert len(got["parents"]) == 1  # the constant 1.0 is not a parent
    assert [p.data for p in got["product_parents"]] == [3.0, -2.0]
    assert got["first"] == (-2.0, 3.0)  # dz/dx = y, dz/dy = x
    assert got["second"] == (-4.0, 6.0)  # a second backward adds the same again
    assert got["compared"] == [True, True, True, True, False]
    assert got["biggest"].data == 3.0
    assert got["ordered"] == [-5.0, -2.0, 3.0]
    assert got["lookup"] == "x" and got["x == Value(3)"] is False
    assert got["detached"] == (-5.0, (), "")


def test_edges_pair_each_parent_with_its_local_derivative():
    got = script.edges(2.0, -3.0)
    assert [(parent.data, local) for parent, local in got] == [(2.0, -3.0), (-3.0, 2.0)]


def test_grad_hessian_and_gradcheck():
    got = script.functional()
    assert got["grads"] == [12.0, 4.0]  # d(x^2 y) at (2, 3)
    assert got["dx"] == 12.0 and got["d2x"] == 12.0  # 3x^2 and 6x at 2
    assert got["unused"] == 0.0
    (h00, h01), (h10, h11) = got["hessian"]
    assert (h00, h01, h10) == (4.0, 2.0, 2.0) and h11 == close(-math.sin(2.0), rel=1e-12)
    assert got["gradcheck"] is True
    # relu at its kink: the engine's 0 against central differences' 0.5
    assert "0.5" in got["gradcheck_error"]


def test_sum_dot_and_dense():
    got = script.many_terms()
    assert got["sum"] == 6.0 and got["sum_parents"] == 2
    assert got["dot"] == 11.5 and got["dot_grads"] == (3.0, 4.0)
    assert got["dense"] == [1.0, 3.0]
    assert got["dense_batch"] == [[1.0, 3.0], [-4.0, 2.0]]


def test_no_grad_both_ways_and_compile():
    got = script.modes_and_compile()
    assert got["inside"] == (4.0, ())
    assert got["decorated"] == (6.0, ())
    assert got["outside_parents"] == 2
    a, b = 1.5, -0.5
    e = math.exp(a * b)
    assert got["compiled"] == close((e + a, b * e + 1.0, a * e), rel=1e-12)


def test_networks_train_and_round_trip_through_a_file():
    got = script.networks(steps=30)
    assert isinstance(got["neuron"], Value)
    assert isinstance(got["layer"], list) and len(got["layer"]) == 3
    assert got["n_params"] == (2 + 1) * 8 + (8 + 1) * 1
    assert got["batch"][0] == got["one_row"]  # a batch is the same graph as row by row
    for name, history in got["losses"].items():
        assert len(history) == 30 and history[-1] < history[0], name
    values = got["loss_values"]
    assert values["mse"] == 2.5 and values["mse_grads"] == (1.0, 2.0)
    assert values["hinge"] == 0.25
    assert values["bce"] == close(math.log(2.0), rel=1e-12)
    assert values["bce_large"] == close(1000.0) and values["cross_entropy"] == close(2000.0)
    json.dumps(got["state"])  # plain JSON-ready data
    assert got["restored_state"] == got["state"]
    assert got["restored_out"] == got["one_row"]


def test_the_script_runs_as_a_program(capsys):
    runpy.run_path(str(SCRIPT), run_name="__main__")
    assert "networks:" in capsys.readouterr().out
