"""nn's structure: imports run one way (no cycle, counting function-level and TYPE_CHECKING
imports), ``Module`` knows none of its subclasses, and only the engine's public API is used."""

import ast
import importlib
import inspect
import pathlib

import autograd
import nn
from nn import MLP, Layer, Module

NN = pathlib.Path(nn.__file__).parent
MODULES = {("nn" if p.stem == "__init__" else f"nn.{p.stem}"): p for p in sorted(NN.glob("*.py"))}


def _nn_imports(name: str) -> set[str]:
    """Every nn module that ``name`` imports anywhere in its file (functions and
    ``if TYPE_CHECKING:`` blocks included)."""
    tree = ast.parse(MODULES[name].read_text())
    package = name if name == "nn" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "nn"}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = package + (f".{base}" if base else "")
            if base.split(".")[0] != "nn":
                continue
            if node.module is None:  # from . import x, y: submodules, else the package
                subs = {f"{base}.{a.name}" for a in node.names}
                out |= {s for s in subs if s in MODULES} or {base}
            else:
                out.add(base)
    out.discard(name)
    return out


GRAPH = {name: _nn_imports(name) for name in MODULES}


def test_there_is_no_import_cycle_in_nn():
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            cycle = path[path.index(name) :] + [name]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if name in done:
            return
        for dep in sorted(GRAPH[name]):
            visit(dep, [*path, name])
        done.add(name)

    for name in GRAPH:
        visit(name, [])


def test_only_the_package_imports_the_package():
    assert [name for name, deps in GRAPH.items() if "nn" in deps] == []


def _below(name: str) -> set[str]:
    seen, stack = set(), [name]
    while stack:
        for dep in GRAPH[stack.pop()]:
            if dep not in seen:
                seen.add(dep)
                stack.append(dep)
    return seen


def test_module_depends_on_none_of_its_subclasses():
    for name in _below("nn.module") | {"nn.module"}:
        mod = importlib.import_module(name)
        subclasses = [
            c.__name__
            for c in vars(mod).values()
            if inspect.isclass(c) and issubclass(c, Module) and c is not Module
        ]
        assert subclasses == [], f"nn.module depends on {name}, which defines {subclasses}"


def test_the_network_depends_one_way():
    assert "nn.layer" in _below("nn.mlp") and "nn.neuron" in _below("nn.layer")
    assert not {"nn.mlp", "nn.layer"} & _below("nn.neuron")
    assert "nn.mlp" not in _below("nn.layer")
    assert not {"nn.neuron", "nn.layer", "nn.mlp"} & _below("nn.dropout")
    assert GRAPH["nn.export"] == set()  # export reads models by their shape


def test_nn_uses_only_the_public_engine_api():
    # public: __all__, and the names kept out of it so that a star import shadows no builtin
    public = set(autograd.__all__) | set(autograd.NOT_STARRED)
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("autograd"):
                assert node.module == "autograd", f"{name} imports {node.module}"
                assert {a.name for a in node.names} <= public, name
            elif isinstance(node, ast.Import):
                assert all(
                    a.name == "autograd" or not a.name.startswith("autograd") for a in node.names
                )
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if node.value.id == "autograd":
                    assert node.attr in public, f"{name} uses autograd.{node.attr}"


def test_mlp_calls_its_layers():
    calls = []
    original = Layer.outputs

    def outputs(self, xs, mask=None):
        calls.append(self)
        return original(self, xs, mask)

    model = MLP(2, [3, 3, 1], seed=0)
    try:
        Layer.outputs = outputs
        model([[0.5, 1.0], [1.0, 0.5]])
        model([0.5, 1.0])
    finally:
        Layer.outputs = original
    assert calls == model.layers * 2
