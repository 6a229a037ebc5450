"""The public surface of API.md: constructors, operators with numbers, bad input."""

import math

import pytest

import autograd
from autograd import Value


@pytest.mark.parametrize("bad", ["1.0", None, 1 + 2j, [1.0], (1.0,), {}])
def test_value_rejects_non_real_data_with_a_type_error_naming_it(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


def test_value_of_a_value_is_a_type_error():
    with pytest.raises(TypeError, match="Value"):
        Value(Value(1.0))


def test_value_stores_ints_and_numpy_floats_as_python_floats():
    assert type(Value(3).data) is float
    np = pytest.importorskip("numpy")
    v = Value(np.float32(0.5))
    assert type(v.data) is float and v.data == 0.5


def test_label_must_be_a_string():
    assert Value(1.0, label="w").label == "w"
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)


@pytest.mark.parametrize(
    "expr, expect",
    [
        (lambda a: a + 2, 5.0),
        (lambda a: 2 + a, 5.0),
        (lambda a: a - 2, 1.0),
        (lambda a: 2 - a, -1.0),
        (lambda a: a * 2, 6.0),
        (lambda a: 2 * a, 6.0),
        (lambda a: a / 2, 1.5),
        (lambda a: 6 / a, 2.0),
        (lambda a: a**2, 9.0),
        (lambda a: 2**a, 8.0),
        (lambda a: a ** Value(2.0), 9.0),
        (lambda a: -a, -3.0),
        (lambda a: abs(-a), 3.0),
    ],
)
def test_operators_take_numbers_on_either_side(expr, expect):
    assert expr(Value(3.0)).data == expect


@pytest.mark.parametrize("bad", ["x", None, [1.0]])
def test_operators_with_non_numbers_raise_type_error(bad):
    with pytest.raises(TypeError):
        Value(1.0) + bad
    with pytest.raises(TypeError):
        bad * Value(1.0)
    with pytest.raises(TypeError, match="leaky_relu"):
        Value(1.0).leaky_relu(bad)


def test_float_repr_and_augmented_assignment():
    a = Value(2.5)
    assert float(a) == 2.5
    assert repr(a) == "Value(data=2.5, grad=0.0)"
    c = a
    c += 1  # rebinds c to a new node, as in micrograd
    assert c is not a and a.data == 2.5 and c.data == 3.5


def test_every_method_of_the_contract_exists():
    v = Value(0.5)
    for name in [
        "exp",
        "log",
        "tanh",
        "sigmoid",
        "relu",
        "sin",
        "cos",
        "sqrt",
        "log1p",
        "softplus",
        "leaky_relu",
        "reciprocal",
    ]:
        out = getattr(v, name)()
        assert isinstance(out, Value) and math.isfinite(out.data)


def test_leaky_relu_takes_its_slope_by_name():
    assert Value(-1.0).leaky_relu(slope=0.2).data == -0.2
    assert Value(-1.0).leaky_relu().data == -0.01


def test_booleans_are_not_numbers_here():
    with pytest.raises(TypeError, match="bool"):
        Value(True)
    with pytest.raises(TypeError):
        Value(1.0) * True


def test_an_int_too_large_for_a_float_is_a_named_overflow():
    with pytest.raises(OverflowError, match="too large for a float"):
        Value(10**400)
    with pytest.raises(OverflowError, match="too large for a float"):
        Value(2.0) * 10**400


def test_a_star_import_shadows_no_builtin_and_sum_and_compile_stay_attributes():
    import builtins

    namespace: dict = {}
    exec("from autograd import *", namespace)  # noqa: S102
    assert not (set(namespace) - {"__builtins__"}) & set(dir(builtins))
    assert callable(autograd.sum) and callable(autograd.compile)
    assert set(autograd.NOT_STARRED) <= set(dir(autograd))


def test_the_version_is_the_installed_distributions():
    from importlib.metadata import version

    assert autograd.__version__ == version("chainrule")
