"""HIPS autograd and chainrule share the import name ``autograd``: where chainrule's code
runs, it sees the other package and says so in words (README: one venv each)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(code: str, path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(path)}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=path
    )


def test_hips_files_in_our_folder_are_named_in_a_warning(tmp_path):
    # pip installed HIPS autograd over or under chainrule: its files sit in our folder
    shutil.copytree(ROOT / "autograd", tmp_path / "autograd")
    (tmp_path / "autograd" / "tracer.py").write_text("# HIPS autograd's tracer\n")
    done = run("import warnings; warnings.simplefilter('error'); import autograd", tmp_path)
    assert done.returncode != 0
    assert "HIPS autograd is installed in the same environment" in done.stderr
    assert "virtual environment" in done.stderr


def test_a_clean_install_says_nothing(tmp_path):
    shutil.copytree(ROOT / "autograd", tmp_path / "autograd")
    done = run("import warnings; warnings.simplefilter('error'); import autograd", tmp_path)
    assert done.returncode == 0, done.stderr


def test_nn_over_hips_autograd_says_what_happened(tmp_path):
    # HIPS's __init__ won: `autograd` is theirs, and chainrule's nn cannot use it
    (tmp_path / "autograd").mkdir()
    (tmp_path / "autograd" / "__init__.py").write_text("def grad(fun):\n    return fun\n")
    shutil.copytree(ROOT / "nn", tmp_path / "nn")
    done = run("import nn", tmp_path)
    assert done.returncode != 0
    assert "found another package" in done.stderr and "virtual environment" in done.stderr
