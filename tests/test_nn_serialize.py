"""State dicts and model files: JSON, bit-for-bit round trips, and every damaged file refused."""

import json
import math
import os
import stat

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value
from nn import MLP, Module, Neuron, StateDictError, serialize


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
    with pytest.raises(ValueError, match=r"w\.1 is nan") as info:
        model.save(tmp_path / "m.json")
    assert str(tmp_path / "m.json") in str(info.value)
    assert list(tmp_path.iterdir()) == []


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
    "empty file": ("", "is not a model file: it is empty"),
    "only white space": (" \n\t", "is not a model file: it is empty"),
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
    "NaN": (_last_bias("NaN"), "layers.1.neurons.0.b holds NaN, which is not a finite number"),
    "Infinity": (_last_bias("-Infinity"), "layers.1.neurons.0.b holds -Infinity, which is not"),
    "NaN in a list": (
        _with(layers__1__neurons__0__w=[1.0, 2.0]).replace("[1.0, 2.0]", "[1.0, NaN]"),
        "layers.1.neurons.0.w.1 holds NaN",
    ),
    "overflowing number": (_last_bias("1e999"), "layers.1.neurons.0.b holds 1e999, too large"),
    "overflowing negative": (_last_bias("-2e308"), "b holds -2e308, too large for a float"),
    "huge integer": (_last_bias("9" * 400), "b holds 99999"),
    "integer past Python's digit limit": (
        _last_bias("9" * 5000), "b holds 99999999999999999999..., an integer of 5000 digits"
    ),
    "number too long": (
        _last_bias("0." + "1" * 2000),
        "b holds 0.111111111111111111..., a number of 2002 characters, too long",
    ),
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


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "m.json"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"w": [1.5, -2.0], "b": 0.25}')
    assert [p.data for p in Neuron(2, seed=0).load(path).parameters()] == [1.5, -2.0, 0.25]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"PK\x03\x04\x14\x00\x00\x08\x00\x00\xff", r"a zip archive \(torch.save writes those\)"),
        (b"\x80\x04\x95\x1f\x00\x00\x00\x00\x00\x00\x00\x8c", "a pickle"),
    ],
)
def test_a_pytorch_or_pickle_file_is_named_for_what_it_is(tmp_path, raw, message):
    path = tmp_path / "model.pt"
    path.write_bytes(raw)
    model = Neuron(2, seed=0)
    before = _bits(model)
    with pytest.raises(StateDictError, match=message) as info:
        model.load(path)
    assert str(path) in str(info.value)
    assert _bits(model) == before


def test_a_number_in_a_python_state_dict_may_be_any_real_number():
    fractions = pytest.importorskip("fractions")
    model = Neuron(2, seed=0).load_state_dict({"w": [1, fractions.Fraction(1, 4)], "b": -0.5})
    assert [p.data for p in model.parameters()] == [1.0, 0.25, -0.5]


@pytest.mark.parametrize(
    ("bias", "message"),
    [
        (10**5000, "b holds an integer of about 5000 digits, too large for a float"),
        (10**400, "b holds an integer of about 400 digits, too large"),
        (math.inf, "b holds inf, expected a finite number"),
        (True, "b holds bool True"),
        ("0.5", "b holds str '0.5'"),
        (None, "b holds NoneType None"),
    ],
    ids=["5000 digits", "400 digits", "inf", "bool", "str", "None"],
)
def test_load_state_dict_refuses_what_is_no_finite_float(bias, message):
    model = Neuron(2, seed=0)
    before = _bits(model)
    with pytest.raises(StateDictError, match=message):
        model.load_state_dict({"w": [1.0, 2.0], "b": bias})
    assert _bits(model) == before


def test_an_array_for_a_list_entry_says_how_to_convert_it():
    class Array:  # what matters of a NumPy array or a torch tensor here: it has tolist
        def tolist(self):
            return [1.0, 2.0]

    with pytest.raises(StateDictError, match=r"w holds Array .*convert it with \.tolist\(\)"):
        Neuron(2, seed=0).load_state_dict({"w": Array(), "b": 0.0})


# -- strict=False, PyTorch's partial load ----------------------------------------------------


def test_strict_false_loads_the_entries_that_match_and_leaves_the_rest():
    model = MLP(2, [2, 1], seed=5)
    before = dict(zip(_GOOD, [model.state_dict()[k] for k in _GOOD]))
    partial = {_LAST: 0.75, "layers.0.neurons.1.w": [3.0, -4.0], "someone.else": 1.0}
    assert model.load_state_dict(partial, strict=False) is model
    after = model.state_dict()
    assert after[_LAST] == 0.75 and after["layers.0.neurons.1.w"] == [3.0, -4.0]
    untouched = [k for k in _GOOD if k not in partial]
    assert [after[k] for k in untouched] == [before[k] for k in untouched]


def test_strict_is_on_by_default_and_names_the_missing_and_the_unexpected():
    model = MLP(2, [2, 1], seed=5)
    before = _bits(model)
    state = dict(_GOOD)
    state["layers.1.neurons.0.bias"] = state.pop(_LAST)  # a renamed entry
    with pytest.raises(StateDictError) as info:
        model.load_state_dict(state)
    assert "missing parameter 'layers.1.neurons.0.b'" in str(info.value)
    assert "unexpected parameter 'layers.1.neurons.0.bias'" in str(info.value)
    assert _bits(model) == before


def test_strict_false_still_refuses_a_state_that_matches_nothing():
    model = MLP(2, [2, 1], seed=5)
    before = _bits(model)
    with pytest.raises(StateDictError, match="no entry matches a parameter of this model"):
        model.load_state_dict({"fc1.weight": [1.0, 2.0]}, strict=False)
    assert _bits(model) == before


def test_strict_false_still_checks_every_number_it_loads(tmp_path):
    path = tmp_path / "partial.json"
    path.write_text('{"layers.1.neurons.0.w": [1.0, 2.0], "layers.1.neurons.0.b": NaN}')
    model = MLP(2, [2, 1], seed=5)
    before = _bits(model)
    with pytest.raises(StateDictError, match="layers.1.neurons.0.b holds NaN"):
        model.load(path, strict=False)
    assert _bits(model) == before


def test_strict_must_be_true_or_false():
    with pytest.raises(TypeError, match="strict must be True or False"):
        Neuron(2, seed=0).load_state_dict({"w": [1.0, 2.0], "b": 0.0}, strict="no")


# -- names that collide --------------------------------------------------------------------


def _colliding_dotted_key():
    m = Module()
    m.x = {"a": Neuron(1, seed=0), "a.b": Value(5.0)}  # x.a.b twice: the neuron's bias, and this
    return m


def _colliding_key_types():
    m = Module()
    m.d = {"1": Value(1.0), 1: Value(2.0)}
    return m


def _scalar_named_like_a_list_item():
    m = Module()
    m.d = {"w": [Value(1.0), Value(2.0)], "w.1": Value(3.0)}
    return m


def _colliding_dotted_attribute():
    m = Module()
    m.a = Neuron(1, seed=0)
    setattr(m, "a.b", Value(3.0))  # a.b twice: the neuron's bias, and this attribute
    return m


_COLLIDING = {
    "dotted attribute": (
        _colliding_dotted_attribute,
        "'a.b'",
        "model.a.b",
        "getattr(model, 'a.b')",
    ),
    "dotted key": (_colliding_dotted_key, "'x.a.b'", "model.x['a'].b", "model.x['a.b']"),
    "key types": (_colliding_key_types, "'d.1'", "model.d['1']", "model.d[1]"),
    "list item": (_scalar_named_like_a_list_item, "'d.w.1'", "model.d['w'][1]", "model.d['w.1']"),
}


@pytest.mark.parametrize("case", sorted(_COLLIDING))
@pytest.mark.parametrize("use", ["state_dict", "named_parameters", "save", "load_state_dict"])
def test_two_parameters_with_one_name_are_refused_naming_both(tmp_path, case, use):
    make, name, first, second = _COLLIDING[case]
    model = make()
    before = _bits(model)
    calls = {
        "state_dict": lambda: model.state_dict(),
        "named_parameters": lambda: model.named_parameters(),
        "save": lambda: model.save(tmp_path / "m.json"),
        "load_state_dict": lambda: model.load_state_dict({}),
    }
    with pytest.raises(StateDictError) as info:
        calls[use]()
    message = str(info.value)
    assert name in message and first in message and second in message, message
    assert list(tmp_path.iterdir()) == []
    assert _bits(model) == before


def test_a_dotted_key_that_collides_with_nothing_round_trips(tmp_path):
    m = Module()
    m.table = {"a.b": Value(1.5), "a": Value(-2.0)}
    m.save(tmp_path / "m.json")
    other = Module()
    other.table = {"a.b": Value(0.0), "a": Value(0.0)}
    assert other.load(tmp_path / "m.json").state_dict() == {"table.a.b": 1.5, "table.a": -2.0}


def test_listing_parameters_does_not_need_distinct_names():
    model = _colliding_key_types()  # an optimiser can still be made for it
    assert [p.data for p in model.parameters()] == [1.0, 2.0]


# -- files: every error names the user's path; a save is atomic and leaves nothing behind ----


def _listing(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_saving_onto_a_folder_names_it_and_leaves_nothing_behind(tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    with pytest.raises(IsADirectoryError) as info:
        Neuron(2, seed=0).save(folder)
    assert f"cannot save to {str(folder)!r}: it is a folder" in str(info.value)
    assert ".tmp" not in str(info.value)
    assert _listing(tmp_path) == ["models"]


def test_saving_into_a_missing_folder_names_the_folder(tmp_path):
    path = tmp_path / "runs" / "1" / "m.json"
    with pytest.raises(FileNotFoundError) as info:
        Neuron(2, seed=0).save(path)
    message = str(info.value)
    assert repr(str(path)) in message and ".tmp" not in message
    assert f"the folder {str(tmp_path / 'runs' / '1')!r} does not exist" in message
    assert _listing(tmp_path) == []


def test_saving_under_a_file_says_it_is_not_a_folder(tmp_path):
    (tmp_path / "notes").write_text("x")
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        Neuron(2, seed=0).save(tmp_path / "notes" / "m.json")
    assert _listing(tmp_path) == ["notes"]


def test_saving_onto_a_symlink_writes_through_it(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "weights.json"
    target.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    model = MLP(2, [2, 1], seed=0)
    model.save(link)
    assert link.is_symlink() and link.resolve() == target
    assert json.loads(target.read_text()) == model.state_dict()
    assert _listing(tmp_path) == ["latest.json", "real", "real/weights.json"]


def test_saving_through_a_dangling_symlink_makes_its_target(tmp_path):
    link = tmp_path / "latest.json"
    link.symlink_to(tmp_path / "new.json")
    Neuron(2, seed=0).save(link)
    assert link.is_symlink() and json.loads((tmp_path / "new.json").read_text())["b"] == 0.0


def test_a_save_that_fails_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    path.write_text("the previous model")

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left on device") as info:
        Neuron(2, seed=0).save(path)
    assert f"cannot save to {str(path)!r}" in str(info.value) and info.value.errno == 28
    assert path.read_text() == "the previous model"
    assert _listing(tmp_path) == ["m.json"]


def test_an_interrupted_save_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    path.write_text("the previous model")

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        Neuron(2, seed=0).save(path)
    assert path.read_text() == "the previous model"
    assert _listing(tmp_path) == ["m.json"]


def test_a_save_without_permission_names_the_folder(tmp_path, monkeypatch):
    def denied(target):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(serialize, "_open_temp", denied)
    with pytest.raises(PermissionError) as info:
        Neuron(2, seed=0).save(tmp_path / "m.json")
    message = str(info.value)
    assert str(tmp_path / "m.json") in message and "no permission to write in" in message


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write anywhere"
)
def test_a_save_into_a_read_only_folder_is_a_permission_error(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(PermissionError, match="no permission to write in"):
            Neuron(2, seed=0).save(folder / "m.json")
        assert _listing(folder) == []
    finally:
        folder.chmod(0o700)


@pytest.mark.skipif(not hasattr(os, "umask"), reason="POSIX permissions")
def test_save_keeps_an_existing_files_permissions_and_gives_a_new_one_the_usual(tmp_path):
    old = tmp_path / "old.json"
    old.write_text("{}")
    old.chmod(0o640)
    Neuron(2, seed=0).save(old)
    assert stat.S_IMODE(old.stat().st_mode) == 0o640
    umask = os.umask(0o022)
    os.umask(umask)
    Neuron(2, seed=0).save(tmp_path / "new.json")
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o666 & ~umask


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX named pipes")
@pytest.mark.parametrize("verb", ["save", "load"])
def test_a_pipe_is_refused_not_waited_on(tmp_path, verb):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with pytest.raises(OSError, match="not a regular file") as info:
        getattr(Neuron(2, seed=0), verb)(pipe)
    assert str(pipe) in str(info.value)


def test_loading_a_missing_file_is_a_file_not_found_error_naming_it(tmp_path):
    path = tmp_path / "nope.json"
    model = Neuron(2, seed=0)
    before = _bits(model)
    with pytest.raises(FileNotFoundError, match="no such file") as info:
        model.load(path)
    assert str(path) in str(info.value) and _bits(model) == before


def test_loading_a_folder_says_it_is_a_folder(tmp_path):
    with pytest.raises(IsADirectoryError, match="it is a folder, not a model file") as info:
        Neuron(2, seed=0).load(tmp_path)
    assert str(tmp_path) in str(info.value)


def test_loading_through_a_dangling_link_names_where_it_points(tmp_path):
    link = tmp_path / "latest.json"
    link.symlink_to(tmp_path / "gone.json")
    with pytest.raises(FileNotFoundError, match="it is a link to .*gone.json.*which does not"):
        Neuron(2, seed=0).load(link)


@pytest.mark.parametrize("verb", ["save", "load"])
def test_what_is_no_path_is_refused_saying_what_it_is(tmp_path, verb):
    model = Neuron(2, seed=0)
    with pytest.raises(TypeError, match="got int 3"):
        getattr(model, verb)(3)  # a file descriptor is no file name here
    with pytest.raises(TypeError, match="not an open file: pass its name"):
        with open(tmp_path / "f.json", "w") as f:
            getattr(model, verb)(f)
    with pytest.raises(ValueError, match="the path is empty"):
        getattr(model, verb)("")


def test_str_bytes_and_pathlib_paths_all_work(tmp_path):
    model = MLP(2, [2, 1], seed=0)
    for path in (tmp_path / "a.json", str(tmp_path / "b.json"), os.fsencode(tmp_path / "c.json")):
        model.save(path)
        assert _bits(MLP(2, [2, 1], seed=1).load(path)) == _bits(model)


def test_a_read_only_file_is_not_replaced(tmp_path):
    import os
    import subprocess
    import sys

    # As a user without root's right to write anywhere: os.access speaks for that user.
    path = tmp_path / "model.json"
    path.write_text("{}")
    path.chmod(0o444)
    code = (
        "import sys; from nn import MLP\n"
        "try:\n    MLP(2, [1], seed=0).save(sys.argv[1])\n"
        "except PermissionError as e:\n    print('refused:', e)\n"
    )
    if os.geteuid() == 0:  # root may write anything: check the refusal's logic directly
        import nn.serialize as serialize

        real = os.access
        os.access = lambda p, mode, **kw: False if mode == os.W_OK else real(p, mode, **kw)
        try:
            with pytest.raises(PermissionError, match="read-only"):
                serialize._check_target(str(path))
        finally:
            os.access = real
    else:
        out = subprocess.run(
            [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
        ).stdout
        assert "refused" in out and "read-only" in out
    assert path.read_text() == "{}"
