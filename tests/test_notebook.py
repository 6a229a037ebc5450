"""docs/tour.ipynb runs from top to bottom, headless, so it never rots; its numbers are
checked against the hand derivations it shows."""

import json
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="needs the dev extra: pip install -e '.[dev]'")
nbclient = pytest.importorskip("nbclient", reason="needs the dev extra: pip install -e '.[dev]'")
pytest.importorskip("ipykernel", reason="needs the dev extra: pip install -e '.[dev]'")
pytest.importorskip("matplotlib", reason="needs the demo extra: pip install -e '.[demo]'")

TOUR = Path(__file__).resolve().parent.parent / "docs" / "tour.ipynb"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    nb = nbformat.read(TOUR, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(TOUR.parent)}}
    )
    client.execute()
    return nb


def outputs(nb, kind):
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if kind in out.get("data", {}):
                yield out["data"][kind]
            if kind == "text/plain" and out.get("output_type") == "stream":
                yield out["text"]


def test_the_tour_is_stored_without_outputs():
    cells = json.loads(TOUR.read_text())["cells"]
    assert all(not c.get("outputs") for c in cells if c["cell_type"] == "code")


def test_the_tour_runs_and_shows_graphs_and_a_plot(executed):
    cells = executed.cells
    errors = [o for c in cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors
    svgs = list(outputs(executed, "image/svg+xml"))
    assert len(svgs) >= 2 and all("<svg" in s for s in svgs)  # draw_dot, inline
    assert list(outputs(executed, "image/png"))  # the decision boundary


def test_the_tour_s_numbers_are_the_hand_derived_ones(executed):
    text = "".join(outputs(executed, "text/plain"))
    assert "dL/da = 6.0  dL/db = -4.0  dL/dc = -2.0  dL/df = 4.0" in text  # by hand
    assert "accuracy 100%" in text
