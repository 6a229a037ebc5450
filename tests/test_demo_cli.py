"""The demos behave as programs and as modules: --help names how to run them and shows the
defaults, importing one leaves matplotlib's backend alone, and progress bars appear only on
a terminal."""

import io
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib", reason="the demos need the demo extra: pip install -e '.[demo]'")
pytest.importorskip("tqdm", reason="the demos need the demo extra: pip install -e '.[demo]'")

ROOT = Path(__file__).resolve().parent.parent
DEMOS = ["moons", "chain_rule", "vanishing", "optimizers", "dropout", "forward_reverse"]


@pytest.mark.parametrize("demo", DEMOS)
def test_help_names_the_command_and_shows_the_defaults(demo):
    done = subprocess.run(
        [sys.executable, "-m", f"demos.{demo}", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert done.stdout.startswith(f"usage: python -m demos.{demo} ")
    assert "(default: out)" in done.stdout


def test_importing_a_demo_leaves_the_backend_alone():
    code = (
        "import matplotlib; before = matplotlib.get_backend(); import demos.moons; "
        "assert matplotlib.get_backend() == before, (before, matplotlib.get_backend())"
    )
    env = {"MPLBACKEND": "svg", "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env=env)


def test_progress_bars_only_on_a_terminal(monkeypatch):
    from demos._common import progress

    log = io.StringIO()  # a redirected stderr: not a terminal
    monkeypatch.setattr(sys, "stderr", log)
    for _ in progress(range(50), desc="steps"):
        pass
    assert log.getvalue() == ""
