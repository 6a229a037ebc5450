"""The demos, each run once in its fast mode: pictures written and valid, numbers sane.

Each demo's ``main(fast=True, out_dir=...)`` returns its headline numbers; these tests check
what each demo claims to show (100% on the moons, backprop beating finite differences,
sigmoid gradients shrinking with depth, momentum crossing the ridge, dropped units costing
nothing), measured again here where they can be.
"""

import importlib
import inspect
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytest.importorskip("matplotlib", reason="the demos need the demo extra: pip install -e '.[demo]'")
pytest.importorskip("tqdm", reason="the demos need the demo extra: pip install -e '.[demo]'")

from autograd import is_grad_enabled, no_grad  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DEMOS = ("moons", "chain_rule", "vanishing", "optimizers", "dropout", "forward_reverse")


def run_demo(name: str, out_dir: Path, **kwargs) -> dict:
    module = importlib.import_module(f"demos.{name}")
    return module.main(fast=True, out_dir=out_dir, **kwargs)


def assert_picture(path: Path) -> None:
    """The file exists and is what its suffix says: PNG by its magic bytes, SVG by parsing."""
    assert path.is_file(), f"{path} was not written"
    data = path.read_bytes()
    if path.suffix == ".png":
        assert data.startswith(PNG_MAGIC), f"{path} is not a PNG"
        assert len(data) > 1000
    elif path.suffix == ".svg":
        root = ET.fromstring(data)
        assert root.tag.endswith("svg"), f"{path} is XML but not SVG: <{root.tag}>"
    else:
        raise AssertionError(f"unexpected picture type {path}")


def assert_pictures(result: dict, out_dir: Path, stems: list[str]) -> None:
    """Every file the demo reports is a valid picture in out_dir, and each stem has a PNG
    and an SVG."""
    files = [Path(f) for f in result["files"]]
    assert all(f.parent == out_dir for f in files)
    for f in files:
        assert_picture(f)
    names = {f.name for f in files}
    for stem in stems:
        assert {f"{stem}.png", f"{stem}.svg"} <= names, f"{stem} missing from {sorted(names)}"


# -- moons ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def moons(tmp_path_factory):
    out = tmp_path_factory.mktemp("moons")
    return out, run_demo("moons", out)


def test_moons_writes_boundary_curves_and_the_neuron_graph(moons):
    out, result = moons
    assert_pictures(result, out, ["moons_boundary", "moons_training", "moons_neuron"])
    neuron = (out / "moons_neuron.svg").read_text()
    assert "grad" in neuron and "relu" in neuron  # the graph shows gradients and the op


def test_moons_reaches_full_training_accuracy(moons):
    _, result = moons
    model, (X, Y) = result["model"], result["data"]
    assert len(X) == 100 and set(Y) == {-1, 1}
    with no_grad():  # counted again here, from the returned model
        right = sum((model(x).data > 0) == (y > 0) for x, y in zip(X, Y))
    assert right == len(X)
    assert result["accuracy"] == 1.0


def test_moons_loss_falls_and_is_reported_every_step(moons):
    _, result = moons
    losses = result["losses"]
    assert len(losses) == 100 and all(math.isfinite(v) for v in losses)
    assert losses[0] > 0.5  # untrained: the hinge loss of near-random scores is about 1
    assert result["loss"] < 0.05 < losses[0] / 10


def test_moons_compiled_trains_to_the_same_numbers(moons, tmp_path):
    pytest.importorskip("autograd.compile")
    _, dynamic = moons
    compiled = run_demo("moons", tmp_path, compiled=True)
    assert compiled["compiled"] and compiled["accuracy"] == 1.0
    # autograd.compile promises the engine's numbers bit for bit
    assert compiled["losses"] == dynamic["losses"]


@pytest.mark.parametrize("name", DEMOS)
def test_command_line_options_are_mains_parameters(name):
    module = importlib.import_module(f"demos.{name}")
    argv = ["--fast", "--out", "pictures"] + (["--compiled"] if name == "moons" else [])
    args = vars(module.parser().parse_args(argv))
    assert args.pop("fast") is True and args.pop("out_dir") == Path("pictures")
    assert args == ({"compiled": True} if name == "moons" else {})
    params = inspect.signature(module.main).parameters
    assert params["fast"].default is False and params["out_dir"].default == Path("out")


# -- chain_rule -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chain_rule(tmp_path_factory):
    """The demo's result, and each call of its loss as counted here: whether it recorded a
    graph, and that graph's edges (operands of every operation) when it did."""
    import demos.chain_rule

    calls: list[tuple[bool, int | None]] = []
    original = demos.chain_rule.mse_loss

    def counted_loss(*args, **kwargs):
        out = original(*args, **kwargs)
        calls.append((is_grad_enabled(), count_edges(out) if is_grad_enabled() else None))
        return out

    out = tmp_path_factory.mktemp("chain_rule")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demos.chain_rule, "mse_loss", counted_loss)
        result = run_demo("chain_rule", out)
    return out, result, calls


def count_edges(root) -> int:
    """Edges of the graph of ``root``: every operand of every operation, walked here."""
    seen, stack, edges = {root}, [root], 0
    while stack:
        parents = stack.pop().parents
        edges += len(parents)
        for p in parents:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return edges


def runs(calls: list[tuple[bool, int | None]]) -> list[list[tuple[bool, int | None]]]:
    """The calls split where the grad mode changes."""
    groups: list[list[tuple[bool, int | None]]] = []
    for call in calls:
        if groups and groups[-1][0][0] == call[0]:
            groups[-1].append(call)
        else:
            groups.append([call])
    return groups


def test_chain_rule_neuron_gradients_match_the_hand_derivation(chain_rule):
    out, result, _ = chain_rule
    x1, x2, w1, w2, b = 2.0, 0.0, -3.0, 1.0, 6.8813735870195432
    o = math.tanh(x1 * w1 + x2 * w2 + b)
    dn = 1 - o * o  # tanh' at n
    assert result["output"] == pytest.approx(o, abs=1e-12)
    expected = {"x1": dn * w1, "w1": dn * x1, "x2": dn * w2, "w2": dn * x2, "b": dn}
    assert result["grads"] == pytest.approx(expected, abs=1e-12)


def test_chain_rule_lists_nodes_inputs_first(chain_rule):
    _, result, _ = chain_rule
    nodes = result["nodes"]
    assert len(nodes) == 10 and nodes[-1] == "o"  # 5 leaves, 2 mul, 2 add, tanh
    assert {"x1", "w1", "x2", "w2", "b", "n"} <= set(nodes)
    assert nodes.index("n") == 8 and nodes.index("b") < nodes.index("n")


def test_chain_rule_counts_what_each_gradient_costs(chain_rule):
    _, result, calls = chain_rule
    params = result["params"]
    assert params == sorted(params) and len(params) >= 3
    # Per network size: loss calls that record a graph (backprop, counted and then timed),
    # then the no-graph calls of the differences.
    per_size = runs(calls)
    assert len(per_size) == 2 * len(params)
    recorded, unrecorded = per_size[0::2], per_size[1::2]
    assert all(grad for run in recorded for grad, _ in run)
    assert [len(run) for run in unrecorded] == [2 * n for n in params]  # 2 per parameter
    assert result["difference_forwards"] == [2 * n for n in params]
    assert result["backprop_forwards"] == [1] * len(params)
    # The edges the demo counted are those of the graph each forward pass recorded.
    for run, edges in zip(recorded, result["edges"]):
        assert {e for _, e in run} == {edges}
    assert result["edges"] == sorted(result["edges"])


def test_chain_rule_backprop_beats_finite_differences(chain_rule):
    out, result, _ = chain_rule
    assert_pictures(result, out, ["chain_rule_neuron", "chain_rule_speed"])
    params, edges = result["params"], result["edges"]
    bp, fd = result["backprop_steps"], result["difference_steps"]
    # A step is one operand of one operation: read once by a forward pass, multiplied
    # once by the backward pass. One forward and one backward pass against two forward
    # passes per parameter:
    assert bp == [2 * e for e in edges]
    assert fd == [2 * n * e for n, e in zip(params, edges)]
    assert fd[-1] > 10 * bp[-1]
    ratios = [f / b for f, b in zip(fd, bp)]
    assert ratios == sorted(ratios) and ratios[-1] > ratios[0]  # the gap widens with size
    assert result["max_grad_diff"] < 1e-6  # same gradients
    # Seconds are measured for the printout and the plot, and never asserted on.
    assert len(result["backprop_seconds"]) == len(result["difference_seconds"]) == len(params)


# -- vanishing ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vanishing(tmp_path_factory):
    out = tmp_path_factory.mktemp("vanishing")
    return out, run_demo("vanishing", out)


def test_vanishing_writes_its_plots(vanishing):
    out, result = vanishing
    assert_pictures(result, out, ["vanishing_norms", "vanishing_dead_relu"])
    assert 8 <= result["depth"] <= 12
    for norms in result["norms"].values():
        assert len(norms) == result["depth"] + 1


def test_deep_sigmoid_gradients_shrink_towards_the_input(vanishing):
    _, result = vanishing
    depth = result["depth"]
    for init in ("small", "default"):
        norms = result["norms"][f"sigmoid/{init}"]
        hidden = norms[:depth]
        assert hidden[0] * 10 < hidden[-1], (init, hidden)
        rising = sum(a < b for a, b in zip(hidden, hidden[1:]))
        assert rising >= 0.8 * (depth - 1), (init, hidden)
    assert "VANISHING" in result["flags"]["sigmoid/small"]
    assert "shrinks" in result["verdicts"]["sigmoid/default"]


def test_large_relu_init_explodes_and_he_init_does_not(vanishing):
    _, result = vanishing
    large, he = result["norms"]["relu/large"], result["norms"]["relu/he"]
    assert min(large) > 1e3 and "EXPLODING" in result["flags"]["relu/large"]
    assert "EXPLODING" in result["verdicts"]["relu/large"]
    assert max(he) / min(he) < 100 and not any(result["flags"]["relu/he"])


def test_only_relu_units_die(vanishing):
    _, result = vanishing
    for key, fraction in result["dead_fraction"].items():
        assert 0.0 <= fraction < 1.0
        if not key.startswith("relu/"):
            assert fraction == 0.0, key  # sigmoid and tanh never pass back an exact zero
    assert result["dead_fraction"]["relu/he"] > 0.0


# -- optimizers -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def optimizers(tmp_path_factory):
    out = tmp_path_factory.mktemp("optimizers")
    return out, run_demo("optimizers", out)


def test_momentum_crosses_the_ridge_that_stops_sgd(optimizers):
    out, result = optimizers
    assert_pictures(result, out, ["optimizers_landscape", "optimizers_spiral"])
    from demos.optimizers import two_well

    # the deepest point of the landscape, found by brute force
    grid = [i / 1000 for i in range(-2000, 2001)]
    lowest = min(two_well(x, 0.0) for x in grid)
    runs = result["landscape"]
    assert runs["SGD"]["end"][0] > 0 and runs["SGD"]["loss"] > lowest + 0.5  # stuck, shallow
    assert runs["momentum"]["end"][0] < 0
    assert runs["momentum"]["loss"] == pytest.approx(lowest, abs=1e-3)


def test_adam_gets_furthest_on_the_spirals(optimizers):
    _, result = optimizers
    spiral = result["spiral"]
    assert set(spiral) == {"SGD", "momentum", "Adam"}
    assert all(math.isfinite(r["loss"]) and 0 <= r["accuracy"] <= 1 for r in spiral.values())
    assert spiral["Adam"]["loss"] < spiral["SGD"]["loss"] < math.log(3) + 0.2
    assert spiral["Adam"]["accuracy"] > spiral["SGD"]["accuracy"]


# -- dropout --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dropout(tmp_path_factory):
    out = tmp_path_factory.mktemp("dropout")
    return out, run_demo("dropout", out)


def test_dropped_units_add_no_nodes(dropout):
    out, result = dropout
    assert_pictures(result, out, ["dropout_nodes", "dropout_training"])
    edges, computed = result["edges"], result["computed_units"]
    p = result["p"]
    assert edges[p] < 0.75 * edges[0.0]  # half the hidden units: far fewer inputs read
    assert computed[p] < computed[0.0]
    for rate, units in computed.items():
        # each computed hidden unit is exactly one node (sum and activation); dropped: none
        assert result["unit_operations"][rate] == units
    rates = sorted(computed)
    assert [computed[r] for r in rates] == sorted((computed[r] for r in rates), reverse=True)


def test_dropout_narrows_the_train_validation_gap(dropout):
    _, result = dropout
    without, with_ = result["without"], result["with"]
    assert without["train_acc"] == 1.0  # the plain net memorises its 20 points
    assert with_["gap"] < without["gap"]
    assert with_["val_acc"] >= without["val_acc"]
