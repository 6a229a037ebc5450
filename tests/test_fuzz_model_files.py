"""Fuzzing the model-file parser: whatever a file holds, ``load`` either loads exactly the
numbers the file gives, or refuses it with a ``StateDictError`` that names the file and
leaves every parameter as it was, bit for bit.

What a valid file is, is written here a second time, independently of ``nn.serialize``
(``_expected``): UTF-8 (a byte order mark allowed), one JSON object with each key once,
exactly the model's entry names, a number for a scalar entry and a list of that many
numbers for a list entry; a number is a JSON number (not a bool, NaN or Infinity) that
rounds to a finite float and is written in at most ``MAX_NUMBER_CHARS`` characters. Numbers
are read here through ``decimal``, not ``float`` or ``int``. ``load`` must agree with it on
every input: it loads where the oracle says valid (the numbers it gives), and refuses with a
``StateDictError`` (no other error: the file is there and readable) where it says not.

Three sources of files: random JSON values, random bytes, and near-valid mutations of a real
saved file (keys dropped, added, renamed or doubled; numbers turned into strings, bools,
nulls, huge integers, NaN, Infinity, overflowing or over-long literals, nested lists; the
text truncated or a character inserted or deleted).
"""

from __future__ import annotations

import decimal
import json
import math

import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from nn import MLP, StateDictError
from nn.serialize import MAX_NUMBER_CHARS


def _model():
    return MLP(2, [3, 1], seed=0)  # list entries (weights) and scalar entries (biases)


_SHAPE = {
    name: (len(value) if isinstance(value, list) else None)
    for name, value in _model().state_dict().items()
}
_NAMES = list(_SHAPE)


def _bits(model):
    return [p.data.hex() for p in model.parameters()]


# -- the oracle ------------------------------------------------------------------------------


class _Invalid(Exception):
    pass


def _pairs(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise _Invalid("a key given twice")
    return dict(pairs)


class _Number:
    def __init__(self, text):
        self.text = text


def _to_float(value):
    if not isinstance(value, _Number):
        raise _Invalid(f"not a number: {type(value).__name__}")
    if len(value.text) > MAX_NUMBER_CHARS:
        raise _Invalid("too long")
    x = float(decimal.Decimal(value.text))  # correctly rounded, as float(text) is
    if not math.isfinite(x):
        raise _Invalid("too large")
    return x


def _expected(raw: bytes) -> list[float] | None:
    """The parameters, in order, that a valid file ``raw`` gives; None if it is invalid."""
    try:
        text = raw.decode("utf-8")
        if text.startswith("\ufeff"):
            text = text[1:]
        state = json.loads(
            text,
            object_pairs_hook=_pairs,
            parse_int=_Number,
            parse_float=_Number,
            parse_constant=lambda name: name,  # NaN, Infinity: a str, so not a number
        )
        if not isinstance(state, dict) or set(state) != set(_SHAPE):
            return None
        out: list[float] = []
        for name in _NAMES:  # entries in parameter order
            given, n = state[name], _SHAPE[name]
            if n is None:
                out.append(_to_float(given))
            elif isinstance(given, list) and len(given) == n:
                out.extend(_to_float(x) for x in given)
            else:
                return None
        return out
    except (_Invalid, UnicodeDecodeError, ValueError, RecursionError):
        return None


def _check_load(tmp_path_factory, raw: bytes) -> str:
    """Load ``raw`` into a model; assert the outcome is what the oracle says. Returns which."""
    path = tmp_path_factory.mktemp("fuzz") / "model.json"
    path.write_bytes(raw)
    model = _model()
    for i, p in enumerate(model.parameters()):  # numbers no valid file here would give
        p.data = -1.0 - i / 64.0
    before = _bits(model)
    want = _expected(raw)
    if want is None:
        with pytest.raises(StateDictError) as info:
            model.load(path)
        assert str(path) in str(info.value), str(info.value)
        assert _bits(model) == before
        event("refused")
        return "refused"
    assert model.load(path) is model
    assert _bits(model) == [x.hex() for x in want]
    event("loaded")  # hypothesis' statistics show how often each way was taken
    return "loaded"


# -- strategies ------------------------------------------------------------------------------

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**300, max_value=10**320)
    | st.floats()  # nan and infinities are written NaN, Infinity, -Infinity
    | st.text(max_size=10)
)
_JSON = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(_NAMES) | st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


class _Raw:
    """A literal written as it is into the JSON text."""

    def __init__(self, text):
        self.text = text


def _dump(value) -> str:
    if isinstance(value, _Raw):
        return value.text
    if isinstance(value, list):
        return "[" + ", ".join(_dump(v) for v in value) + "]"
    if isinstance(value, tuple):  # pairs: an object that may give a key twice
        return "{" + ", ".join(f"{json.dumps(k)}: {_dump(v)}" for k, v in value) + "}"
    return json.dumps(value)


_WEIRD = [
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999",
    "-1e400",
    "1.7976931348623157e308",
    "1.7976931348623159e308",  # rounds to inf
    "-0",
    "-0.0",
    "5e-324",
    "1e-400",  # rounds to 0.0: a valid number
    "1E+2",
    "9" * 400,
    "9" * 5000,  # past Python's int digit limit
    # the longest exact decimal expansion of a double (1077 characters): valid
    format(decimal.Decimal(-5e-324), "f"),
    "0." + "1" * (MAX_NUMBER_CHARS - 2),  # exactly at the limit: valid
    "0." + "1" * (MAX_NUMBER_CHARS - 1),  # one past it
    "true",
    "null",
    '"0.5"',
    "[]",
    "[0.5]",
    "{}",
]
_WEIRD_NUMBERS = st.sampled_from(_WEIRD)
_NUMBER = st.floats(allow_nan=False, allow_infinity=False).map(lambda x: _Raw(repr(x)))
_REPLACEMENT = (
    _WEIRD_NUMBERS.map(_Raw)  # twice: a third of the replacements
    | _WEIRD_NUMBERS.map(_Raw)
    | _NUMBER
    | _SCALARS.map(lambda v: _Raw(json.dumps(v)))
    | st.lists(_NUMBER, max_size=4)
    | st.lists(st.lists(_NUMBER, max_size=2), min_size=1, max_size=3)
)


def _is_float(value) -> bool:
    try:
        return isinstance(value, _Raw) and math.isfinite(float(value.text))
    except ValueError:
        return False


@st.composite
def _mutated_files(draw) -> bytes:
    """A real saved file, then one to three changes."""
    numbers = draw(
        st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=13, max_size=13)
    )
    model = _model()
    for p, x in zip(model.parameters(), numbers, strict=True):
        p.data = x
    pairs = [
        (name, [_Raw(repr(x)) for x in value] if isinstance(value, list) else _Raw(repr(value)))
        for name, value in model.state_dict().items()
    ]
    # Half the files get only changes that keep them valid (a number written another way,
    # or another finite number): the loaded path is fuzzed as well as the refused one.
    keep_valid = draw(st.booleans())
    ops = (
        ["respell", "renumber"]
        if keep_valid
        else ["drop", "add", "rename", "double", "replace", "replace item", "respell", "text"]
    )
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(ops))
        i = draw(st.integers(0, max(len(pairs) - 1, 0)))
        if op == "drop" and pairs:
            del pairs[i]
        elif op == "add":
            key = draw(st.sampled_from(_NAMES) | st.text(max_size=12))
            pairs.insert(i, (key, draw(_REPLACEMENT)))
        elif op == "rename" and pairs:
            key = draw(st.sampled_from(_NAMES) | st.text(max_size=12))
            pairs[i] = (key, pairs[i][1])
        elif op == "double" and pairs:
            pairs.insert(draw(st.integers(0, len(pairs))), (pairs[i][0], draw(_REPLACEMENT)))
        elif op == "replace" and pairs:
            pairs[i] = (pairs[i][0], draw(_REPLACEMENT))
        elif op == "replace item" and pairs and isinstance(pairs[i][1], list) and pairs[i][1]:
            items = list(pairs[i][1])
            items[draw(st.integers(0, len(items) - 1))] = draw(_REPLACEMENT)
            pairs[i] = (pairs[i][0], items)
        elif op == "renumber" and pairs:
            value = pairs[i][1]
            new = [draw(_NUMBER) for _ in value] if isinstance(value, list) else draw(_NUMBER)
            pairs[i] = (pairs[i][0], new)
        elif op == "respell" and pairs and _is_float(pairs[i][1]):
            # the same number written another way: exactly (up to 1077 characters), with an
            # exponent, or as an integer when it is one
            x = float(pairs[i][1].text)
            forms = [str(decimal.Decimal(x)), f"{x:.17e}", f"{x:.17E}"]
            if x.is_integer() and abs(x) < 1e300:
                forms.append(str(int(x)))
            pairs[i] = (pairs[i][0], _Raw(draw(st.sampled_from(forms))))
        elif op == "text":
            text = _dump(tuple(pairs))
            at = draw(st.integers(0, len(text)))
            edit = draw(st.sampled_from(["truncate", "insert", "delete"]))
            if edit == "truncate":
                text = text[:at]
            elif edit == "insert":
                text = text[:at] + draw(st.sampled_from(list('{}[],:"0-.eE \n\\x'))) + text[at:]
            else:
                text = text[:at] + text[at + 1 :]
            return text.encode("utf-8")
    return _dump(tuple(pairs)).encode("utf-8")


# -- the fuzzers -----------------------------------------------------------------------------


@settings(deadline=None)
@given(value=_JSON)
def test_any_json_value_is_loaded_exactly_or_refused_leaving_the_model(tmp_path_factory, value):
    _check_load(tmp_path_factory, json.dumps(value).encode("utf-8"))


_ANY_NUMBER = st.floats() | st.integers() | st.integers(min_value=10**300, max_value=10**320)


@st.composite
def _states(draw) -> dict:
    """The model's entries with finite floats, then none to two of them given any value
    (any number of the right shape, or any JSON value), and maybe a key more."""
    finite = st.floats(allow_nan=False, allow_infinity=False)
    state = {
        name: (draw(st.lists(finite, min_size=n, max_size=n)) if n else draw(finite))
        for name, n in _SHAPE.items()
    }
    for name in draw(st.lists(st.sampled_from(_NAMES), max_size=2, unique=True)):
        n = _SHAPE[name]
        shaped = st.lists(_ANY_NUMBER, min_size=n, max_size=n) if n else _ANY_NUMBER
        state[name] = draw(shaped | _JSON)
    if draw(st.booleans()):
        state.update(draw(st.dictionaries(st.text(max_size=8), _JSON, max_size=1)))
    return state


@settings(deadline=None)
@given(state=_states())
def test_any_object_of_the_models_names_is_loaded_exactly_or_refused(tmp_path_factory, state):
    _check_load(tmp_path_factory, json.dumps(state).encode("utf-8"))


@settings(deadline=None)
@given(raw=st.binary(max_size=200) | st.binary(max_size=20).map(lambda b: b'{"' + b))
def test_any_bytes_are_loaded_exactly_or_refused_leaving_the_model(tmp_path_factory, raw):
    _check_load(tmp_path_factory, raw)


@settings(deadline=None)
@given(raw=_mutated_files())
def test_a_damaged_model_file_is_loaded_exactly_or_refused(tmp_path_factory, raw):
    _check_load(tmp_path_factory, raw)


def _one_number_spelt(literal: str, position: int, numbers: list[float]) -> bytes:
    model = _model()
    for p, x in zip(model.parameters(), numbers, strict=True):
        p.data = x
    texts = [repr(x) for x in numbers]
    texts[position] = literal
    it = iter(texts)
    pairs = [
        (name, [_Raw(next(it)) for _ in value] if isinstance(value, list) else _Raw(next(it)))
        for name, value in model.state_dict().items()
    ]
    return _dump(tuple(pairs)).encode("utf-8")


_FINITE_13 = st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=13, max_size=13)


def _each_weird_literal(test):
    """Every odd literal once, at the first, a middle and the last parameter; then random."""
    for k, literal in enumerate(_WEIRD):
        test = example(literal=literal, position=(0, 6, 12)[k % 3], numbers=[0.5] * 13)(test)
    return test


@settings(deadline=None)
@_each_weird_literal
@given(
    literal=_WEIRD_NUMBERS | _NUMBER.map(lambda r: r.text),
    position=st.integers(0, 12),
    numbers=_FINITE_13,
)
def test_a_saved_file_with_one_number_spelt_oddly_is_loaded_exactly_or_refused(
    tmp_path_factory, literal, position, numbers
):
    _check_load(tmp_path_factory, _one_number_spelt(literal, position, numbers))


@settings(deadline=None)
@given(state=st.dictionaries(st.sampled_from(_NAMES) | st.text(max_size=8), _JSON))
def test_any_python_state_dict_is_loaded_or_refused_leaving_the_model(state):
    """``load_state_dict`` on Python values: the same checks (here only the outcome's kind
    and the model left alone are checked; the numbers are checked through files above)."""
    model = _model()
    before = _bits(model)
    try:
        model.load_state_dict(state)
    except StateDictError:
        assert _bits(model) == before
    else:
        assert set(state) == set(_SHAPE)


# -- the oracle itself, on files whose fate is known -------------------------------------------


def test_the_oracle_accepts_a_saved_file_and_refuses_its_damage(tmp_path):
    model = _model()
    model.save(tmp_path / "m.json")
    raw = (tmp_path / "m.json").read_bytes()
    numbers = [p.data for p in model.parameters()]
    assert _expected(raw) == numbers
    assert _expected(b"\xef\xbb\xbf" + raw) == numbers
    assert _expected(raw[:-3]) is None
    assert _expected(raw.replace(b"0.0", b"NaN", 1)) is None
    assert _expected(raw.replace(b"0.0", b"1e999", 1)) is None
    assert _expected(raw.replace(b"0.0", b"true", 1)) is None
    assert _expected(json.dumps({"x": 0.0}).encode()) is None


def test_a_negative_zero_written_as_an_integer_loads_as_negative_zero(tmp_path):
    state = {name: ([0.0] * n if n else 0.0) for name, n in _SHAPE.items()}
    text = json.dumps(state).replace('"layers.1.neurons.0.b": 0.0', '"layers.1.neurons.0.b": -0')
    (tmp_path / "m.json").write_text(text)
    bias = _model().load(tmp_path / "m.json").layers[1].neurons[0].b.data
    assert bias == 0.0 and math.copysign(1.0, bias) == -1.0
