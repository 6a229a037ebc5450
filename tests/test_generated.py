"""The Value methods are real source, written from the table and checked in: a test fails
when they are out of date with it, as CPython checks its Argument Clinic output."""

import inspect
import math
import traceback

import pytest

from autograd import PRIMITIVES, Value, define_primitive
from autograd.generate import VALUE_PY, regenerate


def test_the_checked_in_methods_are_what_the_table_writes():
    text = VALUE_PY.read_text()
    assert regenerate(text) == text, "autograd/value.py is out of date: run make generate"


@pytest.mark.parametrize("p", list(PRIMITIVES.values()), ids=lambda p: p.name)
def test_every_method_has_source_and_a_docstring_with_its_rule(p):
    for name in p.methods:
        method = getattr(Value, name)
        source = inspect.getsource(method)
        assert source.lstrip().startswith(f"def {name}(self")
        assert p.dx in method.__doc__ and (p.dy is None or p.dy in method.__doc__)
        assert inspect.signature(method).return_annotation in ("Value", Value)


def test_a_traceback_through_an_operation_shows_its_source_line():
    try:
        Value(1.0) / 0
    except ZeroDivisionError as error:
        frames = traceback.extract_tb(error.__traceback__)
    assert frames[-1].filename.endswith("value.py")
    assert frames[-1].line  # a real line of source, not "<autograd primitive ...>"


def test_a_primitive_defined_at_run_time_has_source_too():
    erf = define_primitive(
        "erf_src", "erf(x)", dx="1.1283791670955126 * exp(-x * x)", functions={"erf": math.erf}
    )
    assert "def erf_src(self) -> Value" in inspect.getsource(Value.erf_src)
    x = Value(0.5)
    erf(x).backward()
    assert x.grad == 1.1283791670955126 * math.exp(-0.25)


def test_help_documents_the_data_grad_and_label():
    doc = Value.__doc__
    assert all(word in doc for word in ("``data``", "``grad``", "``label``"))


def test_source_takes_a_primitive_or_a_method_name_and_names_the_choices():
    assert Value.source("mul") == Value.source("__mul__")
    assert "def __rmul__(self, other: float) -> Value:" in Value.source("mul")
    with pytest.raises(KeyError, match="primitives: add, sub"):
        Value.source("nope")
