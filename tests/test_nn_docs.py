"""docs/nn.md stays true: every Python example runs, and the shown outputs are what prints."""

import contextlib
import doctest
import importlib
import io
import pathlib
import pkgutil
import re

import pytest

import nn
from nn import MLP

DOC = pathlib.Path(__file__).parent.parent / "docs" / "nn.md"
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", DOC.read_text(), re.DOTALL)
PYTHON = [code for lang, code in BLOCKS if lang == "python"]


@pytest.mark.parametrize("index", range(len(PYTHON)))
def test_each_python_example_runs(index, tmp_path, monkeypatch):
    code = PYTHON[index]
    if "import torch" in code:
        pytest.importorskip("torch")
    monkeypatch.chdir(tmp_path)  # examples may write model files
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, f"docs/nn.md example {index}", "exec"), {})  # noqa: S102
    # an example that prints is followed by a plain block showing what it prints
    if out.getvalue():
        following = BLOCKS[BLOCKS.index(("python", code)) + 1]
        assert following[0] == "" and out.getvalue() == following[1]


def test_the_repr_shown_is_the_repr():
    shown = next(code for lang, code in BLOCKS if lang == "" and code.startswith("MLP("))
    assert repr(MLP(2, [16, 16, 1], seed=0)) + "\n" == shown


@pytest.mark.parametrize("name", sorted(m.name for m in pkgutil.iter_modules(nn.__path__)))
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(f"nn.{name}")
    result = doctest.testmod(module)
    assert result.failed == 0


def test_package_docstring_example_runs():
    result = doctest.testmod(nn)
    assert result.attempted > 0 and result.failed == 0
