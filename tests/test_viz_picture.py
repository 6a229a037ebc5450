"""draw_dot's picture behaves like the graphviz object it is: micrograd's and graphviz's
keywords, and its own render, pipe, view and save, with no system Graphviz on PATH."""

import graphviz
import pytest

from autograd import Value
from autograd.viz import draw_dot


@pytest.fixture
def no_system_dot(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no `dot` anywhere on PATH
    monkeypatch.chdir(tmp_path)
    return tmp_path


def neuron():
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    o = (x * w + 6.8813735870195432).tanh()
    o.backward()
    return o


def test_micrograds_call_and_graphvizs_keywords_are_taken(no_system_dot):
    picture = draw_dot(neuron(), "png", "TB", graph_attr={"dpi": "40"}, node_attr={"color": "red"})
    assert isinstance(picture, graphviz.Digraph) and picture.format == "png"
    assert "rankdir=TB" in picture.source and "dpi=40" in picture.source
    assert "color=red" in picture.source
    with pytest.raises(ValueError, match="graphviz format"):
        draw_dot(neuron(), format="nope")


def test_pipe_gives_the_picture_as_bytes_or_text(no_system_dot):
    picture = draw_dot(neuron(), format="svg")
    assert picture.pipe().startswith(b"<?xml")
    assert "<svg" in picture.pipe(encoding="utf-8")
    assert picture.pipe(format="png").startswith(b"\x89PNG")


def test_render_writes_the_source_and_the_picture_as_graphviz_does(no_system_dot):
    picture = draw_dot(neuron())
    out = picture.render("neuron")
    assert out == "neuron.svg" and (no_system_dot / "neuron").read_text() == picture.source
    assert (no_system_dot / "neuron.svg").read_bytes().startswith(b"<?xml")
    assert picture.render(outfile="pic.png") == "pic.png"
    assert (no_system_dot / "pic.png").read_bytes().startswith(b"\x89PNG")
    picture.render("gone", cleanup=True)
    assert not (no_system_dot / "gone").exists() and (no_system_dot / "gone.svg").exists()


def test_view_renders_and_opens_the_picture(no_system_dot, monkeypatch):
    opened = []
    monkeypatch.setattr(graphviz, "view", lambda path, quiet=False: opened.append(path))
    path = draw_dot(neuron()).view("shown")
    assert opened == [path] and (no_system_dot / "shown.svg").exists()


def test_jupyter_displays_it(no_system_dot):
    assert "<svg" in draw_dot(neuron())._repr_image_svg_xml()
