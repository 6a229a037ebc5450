"""State dicts and model files: JSON, bit-for-bit round trips, and every damaged file refused."""

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value
from nn import MLP, Module, Neuron, StateDictError


def _bits(model):
    """Every parameter as its exact bits (so -0.0 differs from 0.0)."""
    return [p.data.hex() for p in model.parameters()]


def test_state_dict_is_plain_json_ready_data():
    state = MLP(2, [3, 1], seed=0).state_dict()
    assert list(state)[:2] == ["layers.0.neurons.0.w", "layers.0.neurons.0.b"]
    assert len(state) == 3 * 2 + 1 * 2
    w, b = state["layers.0.neurons.0.w"], state["layers.0.neurons.0.b"]
    assert type(w) is list and len(w) == 2 and all(type(x) is float for x in w)
    assert type(b) is float
    assert json.loads(json.dumps(state)) == state


def test_state_dict_is_a_copy():
    model = Neuron(2, seed=0)
    state = model.state_dict()
    state["w"][0] = 99.0
    assert model.w[0].data != 99.0


def test_load_state_dict_copies_values_in():
    a, b = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=1)
    assert b.load_state_dict(a.state_dict()) is b
    assert _bits(a) == _bits(b)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]


def test_save_writes_json_one_entry_per_line(tmp_path):
    path = tmp_path / "model.json"
    model = MLP(2, [2, 1], seed=0)
    model.save(path)
    text = path.read_text()
    assert json.loads(text) == model.state_dict()
    assert text.count("\n") == len(model.state_dict()) + 2


def test_load_returns_the_model_loaded_in_place(tmp_path):
    path = tmp_path / "m.json"
    trained = MLP(2, [4, 1], seed=0)
    trained.save(path)
    fresh = MLP(2, [4, 1], seed=1)
    params = fresh.parameters()
    assert fresh.load(str(path)) is fresh
    assert all(a is b for a, b in zip(fresh.parameters(), params))  # same Values, new data
    assert fresh([0.3, 0.4]).data == trained([0.3, 0.4]).data


_FLOATS = st.floats(allow_nan=False, allow_infinity=False)


@given(st.lists(_FLOATS, min_size=9, max_size=9))
def test_save_load_round_trips_bit_for_bit(tmp_path_factory, numbers):
    path = tmp_path_factory.mktemp("rt") / "m.json"
    model = MLP(2, [2, 1], seed=0)
    for p, x in zip(model.parameters(), numbers, strict=True):
        p.data = x
    model.save(path)
    again = MLP(2, [2, 1], seed=1).load(path)
    assert _bits(again) == [x.hex() for x in numbers]


def test_round_trip_keeps_awkward_floats(tmp_path):
    numbers = [-0.0, 5e-324, 1.7976931348623157e308, 0.1, -1 / 3, 2.0**-1074 * 3, 1e-300, 7.0, 0.0]
    model = MLP(2, [2, 1], seed=0)
    for p, x in zip(model.parameters(), numbers, strict=True):
        p.data = x
    model.save(tmp_path / "m.json")
    assert _bits(MLP(2, [2, 1], seed=1).load(tmp_path / "m.json")) == [x.hex() for x in numbers]


def test_save_refuses_non_finite_parameters(tmp_path):
    model = Neuron(2, seed=0)
    model.w[1].data = math.nan
    with pytest.raises(ValueError, match=r"w\.1"):
        model.save(tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


# -- damaged files: refused, with the parameter named, and the model left as it was ---------

_GOOD = MLP(2, [2, 1], seed=0).state_dict()
_LAST = "layers.1.neurons.0.b"  # damage at the end: nothing before it may have been loaded


def _with(**changes):
    state = {k: (list(v) if isinstance(v, list) else v) for k, v in _GOOD.items()}
    for key, value in changes.items():
        state[key.replace("__", ".")] = value
    return json.dumps(state)


def _replace(old, new):
    return json.dumps(_GOOD).replace(old, new)


def _last_bias(text):
    """The good file with the last bias written as ``text``, raw JSON."""
    return _replace(f'"{_LAST}": 0.0', f'"{_LAST}": {text}')


# fmt: off
_DAMAGED = {
    "not json": ("this is not json", "not valid JSON"),
    "empty file": ("", "not valid JSON"),
    "truncated": (json.dumps(_GOOD)[:-10], "not valid JSON"),
    "a list, not an object": (json.dumps(list(_GOOD.values())), "got list"),
    "missing parameter": (
        json.dumps({k: v for k, v in _GOOD.items() if k != _LAST}),
        "missing parameter 'layers.1.neurons.0.b'",
    ),
    "extra parameter": (_with(layers__2__neurons__0__b=1.0), "unexpected parameter 'layers.2"),
    "list too short": (_with(layers__1__neurons__0__w=[1.0]), "layers.1.neurons.0.w has 1"),
    "list too long": (_with(layers__1__neurons__0__w=[1.0, 2.0, 3.0]), "has 3 numbers, expected 2"),
    "list for a scalar": (_with(layers__1__neurons__0__b=[1.0]), "layers.1.neurons.0.b is a list"),
    "scalar for a list": (_with(layers__1__neurons__0__w=1.0), "layers.1.neurons.0.w holds"),
    "string": (_with(layers__1__neurons__0__b="0.5"), "layers.1.neurons.0.b holds str"),
    "bool": (_with(layers__1__neurons__0__b=True), "layers.1.neurons.0.b holds bool"),
    "bool in a list": (_with(layers__1__neurons__0__w=[1.0, False]), "w.1 holds bool"),
    "null": (_with(layers__1__neurons__0__b=None), "layers.1.neurons.0.b holds NoneType"),
    "nested list": (_with(layers__1__neurons__0__w=[[1.0], 2.0]), "w.0 holds list"),
    "object": (_with(layers__1__neurons__0__b={"x": 1}), "layers.1.neurons.0.b holds dict"),
    "NaN": (_last_bias("NaN"), "layers.1.neurons.0.b holds nan, expected a finite number"),
    "Infinity": (_last_bias("-Infinity"), "layers.1.neurons.0.b holds -inf"),
    "overflowing number": (_last_bias("1e999"), "layers.1.neurons.0.b holds inf"),
    "huge integer": (_last_bias("9" * 400), "layers.1.neurons.0.b holds 99999"),
    "duplicate key": (_replace("{", '{"layers.0.neurons.0.b": 1.0, '), "b' appears twice"),
}
# fmt: on


@pytest.mark.parametrize("case", sorted(_DAMAGED))
def test_a_damaged_file_is_refused_and_the_model_is_unchanged(tmp_path, case):
    text, message = _DAMAGED[case]
    path = tmp_path / "bad.json"
    path.write_text(text)
    model = MLP(2, [2, 1], seed=5)
    before = _bits(model)
    with pytest.raises(StateDictError) as info:
        model.load(path)
    assert str(path) in str(info.value) and message in str(info.value), str(info.value)
    assert _bits(model) == before
    with pytest.raises(StateDictError):  # and a second try is refused just the same
        model.load(path)
    assert _bits(model) == before


def test_non_utf8_bytes_are_refused(tmp_path):
    path = tmp_path / "bad.json"
    path.write_bytes(b'{"w": [\xff\xfe]}')
    model = Neuron(2, seed=0)
    before = _bits(model)
    with pytest.raises(StateDictError, match="not UTF-8"):
        model.load(path)
    assert _bits(model) == before


def test_a_file_for_another_architecture_is_refused(tmp_path):
    MLP(2, [4, 1], seed=0).save(tmp_path / "wide.json")
    model = MLP(2, [3, 1], seed=0)
    before = _bits(model)
    with pytest.raises(StateDictError, match="unexpected parameter 'layers.0.neurons.3.w'"):
        model.load(tmp_path / "wide.json")
    assert _bits(model) == before


def test_load_state_dict_refuses_the_same_damage():
    model = MLP(2, [2, 1], seed=5)
    before = _bits(model)
    state = dict(_GOOD, **{_LAST: "zero"})
    with pytest.raises(StateDictError, match="layers.1.neurons.0.b holds str"):
        model.load_state_dict(state)
    with pytest.raises(StateDictError, match="object mapping"):
        model.load_state_dict([1.0, 2.0])
    assert _bits(model) == before


def test_integers_in_a_file_are_numbers(tmp_path):
    (tmp_path / "m.json").write_text('{"w": [1, -2], "b": 3}')
    model = Neuron(2, seed=0).load(tmp_path / "m.json")
    assert [p.data for p in model.parameters()] == [1.0, -2.0, 3.0]
    assert all(type(p.data) is float for p in model.parameters())


def test_a_user_module_saves_scalars_and_lists(tmp_path):
    class Poly(Module):
        def __init__(self):
            self.coefs = [Value(1.0), Value(2.0)]
            self.shift = Value(0.5)

    a = Poly()
    a.coefs[1].data = -7.25
    a.save(tmp_path / "p.json")
    assert json.loads((tmp_path / "p.json").read_text()) == {"coefs": [1.0, -7.25], "shift": 0.5}
    assert Poly().load(tmp_path / "p.json").coefs[1].data == -7.25
