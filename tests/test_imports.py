"""The import graph of the two packages: no cycles, the engine never imports the network
library, and the network library uses only the engine's public API (``autograd.__all__``).

The graph is read from the source with ``ast``, never by importing: every ``import`` and
``from ... import`` statement anywhere in a file counts, at module level, inside a function,
under ``if TYPE_CHECKING:`` or in a ``try``. A module is named by its dotted name; a package
by its own name, which stands for its ``__init__.py``. ``from pkg import name`` leads to the
module ``pkg.name`` when that file exists, else to ``pkg`` (its ``__init__``). Only explicit
imports are edges: importing ``pkg.sub`` also runs ``pkg/__init__.py``, but that implicit
step is left out, or every submodule that imports a sibling would close a cycle through
its package's ``__init__``.
"""

from __future__ import annotations

import ast
from collections import deque
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd", "nn")


@dataclass(frozen=True)
class Import:
    """One import statement's edge: ``source`` imports ``target``, at ``where``."""

    source: str
    target: str
    where: str  # path:line


def find_modules(root: Path, packages=PACKAGES) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file of ``packages``, subpackages included."""
    modules = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _existing(name: str, modules: dict[str, Path]) -> str | None:
    """``name`` if it is a module of ours, else its nearest enclosing one that is."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _from_base(source: str, path: Path, node: ast.ImportFrom) -> str:
    """The absolute module that ``from <base> import ...`` names."""
    if not node.level:
        return node.module or ""
    package = source if _is_package(path) else source.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _targets(source: str, path: Path, node: ast.AST, modules: dict[str, Path]) -> list[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        base = _from_base(source, path, node)
        submodules = [f"{base}.{alias.name}" for alias in node.names if alias.name != "*"]
        names = [m if m in modules else base for m in submodules] or [base]
    else:
        return []
    return [t for t in (_existing(n, modules) for n in names) if t is not None]


def import_graph(root: Path = ROOT, packages=PACKAGES) -> list[Import]:
    """Every explicit import between modules of ``packages``, in file and line order."""
    modules = find_modules(root, packages)
    edges = []
    for source, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        nodes = sorted(
            (n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))),
            key=lambda n: (n.lineno, n.col_offset),
        )
        for node in nodes:
            for target in _targets(source, path, node, modules):
                if target != source:
                    where = f"{path.relative_to(root)}:{node.lineno}"
                    edges.append(Import(source, target, where))
    return edges


def find_cycles(edges: list[Import]) -> list[list[str]]:
    """For every import that lies on a cycle, a shortest cycle through it, each cycle once,
    written as a path back to its start: ``[a, b, a]``. Breaking every cycle listed breaks
    them all: each import on any cycle is on one of these."""
    successors: dict[str, list[str]] = {}
    for e in edges:
        out = successors.setdefault(e.source, [])
        if e.target not in out:
            out.append(e.target)

    def shortest_path(start: str, goal: str) -> list[str] | None:
        came_from: dict[str, str | None] = {start: None}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            if node == goal:
                path = [node]
                while (before := came_from[path[-1]]) is not None:
                    path.append(before)
                return path[::-1]
            for nxt in successors.get(node, ()):
                if nxt not in came_from:
                    came_from[nxt] = node
                    queue.append(nxt)
        return None

    cycles, seen = [], set()
    for source in sorted(successors):
        for target in successors[source]:
            back = shortest_path(target, source)
            if back is None:
                continue
            ring = [source, *back[:-1]]
            i = ring.index(min(ring))  # the same cycle found from another import: written once
            key = tuple(ring[i:] + ring[:i])
            if key not in seen:
                seen.add(key)
                cycles.append([*key, key[0]])
    return cycles


def declared_all(init: Path) -> set[str]:
    """The names in a package's ``__all__``, read from its ``__init__.py`` without running it
    (a static test: it holds while the engine is half edited and does not import)."""
    names: set[str] = set()
    found = False
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            found = True
            names |= set(ast.literal_eval(node.value))
        # public names kept out of __all__ so that a star import shadows no builtin
        if any(isinstance(t, ast.Name) and t.id == "NOT_STARRED" for t in targets):
            names |= set(ast.literal_eval(node.value))
    assert found, f"{init} has no __all__ list"
    return names


def describe(cycle: list[str], edges: list[Import]) -> str:
    where = {(e.source, e.target): e.where for e in reversed(edges)}  # the first one wins
    steps = ", ".join(f"{a} -> {b} at {where[a, b]}" for a, b in zip(cycle, cycle[1:]))
    return f"{' -> '.join(cycle)}   ({steps})"


# -- the project -------------------------------------------------------------------------------


def test_the_packages_import_each_other_without_cycles():
    edges = import_graph()
    cycles = find_cycles(edges)
    assert not cycles, f"{len(cycles)} import cycle(s):\n" + "\n".join(
        describe(c, edges) for c in cycles
    )


def test_nothing_under_autograd_imports_nn():
    wrong = [
        f"{e.source} -> {e.target} at {e.where}"
        for e in import_graph()
        if e.source.split(".")[0] == "autograd" and e.target.split(".")[0] == "nn"
    ]
    assert not wrong, "the engine imports the network library:\n" + "\n".join(wrong)


def test_nn_imports_from_autograd_only_names_in_autograd_all():
    public = declared_all(ROOT / "autograd" / "__init__.py")
    wrong = []
    for name, path in find_modules(ROOT, ["nn"]).items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        aliases = set()  # names bound to the autograd package itself: `import autograd as ag`
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.ImportFrom):
                base = _from_base(name, path, node)
                if base == "autograd":
                    for alias in node.names:
                        if alias.name != "*" and alias.name not in public:
                            wrong.append(f"from autograd import {alias.name}, at {where}")
                elif base.startswith("autograd."):
                    wrong.append(f"from {base} import ..., at {where}: a submodule")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == "autograd":
                        aliases.add(alias.asname or "autograd")
                    elif alias.name.startswith("autograd."):
                        wrong.append(f"import {alias.name}, at {where}: a submodule")
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and node.attr not in public
            ):
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                wrong.append(f"{node.value.id}.{node.attr}, at {where}")
    assert not wrong, "nn uses engine names outside autograd.__all__:\n" + "\n".join(wrong)


# -- the graph builder itself, on a made-up package ----------------------------------------------


def write_tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_every_explicit_import_is_an_edge_and_the_implicit_init_step_is_not(tmp_path):
    write_tree(
        tmp_path,
        {
            "p/__init__.py": "from .a import A\n",
            "p/a.py": (
                "from typing import TYPE_CHECKING\n"
                "from . import b\n"  # a submodule
                "from . import VERSION\n"  # a name of p/__init__.py
                "if TYPE_CHECKING:\n"
                "    from .sub.c import C\n"
                "def f():\n"
                "    import p.sub\n"
                "    from .. import elsewhere\n"  # outside the packages: no edge
            ),
            "p/b.py": "import os\nfrom p.a import A\n",
            "p/sub/__init__.py": "",
            "p/sub/c.py": "from ..b import B\nfrom q import thing\n",
            "q/__init__.py": "from p import a\n",
        },
    )
    edges = {(e.source, e.target) for e in import_graph(tmp_path, ["p", "q"])}
    assert edges == {
        ("p", "p.a"),
        ("p.a", "p.b"),
        ("p.a", "p"),
        ("p.a", "p.sub.c"),
        ("p.a", "p.sub"),
        ("p.b", "p.a"),
        ("p.sub.c", "p.b"),
        ("p.sub.c", "q"),
        ("q", "p.a"),
    }


def test_a_cycle_is_named_as_the_path_around_it(tmp_path):
    write_tree(
        tmp_path,
        {
            "p/__init__.py": "",
            "p/a.py": "from .b import B\n",
            "p/b.py": "def f():\n    from .c import C\n",
            "p/c.py": "from p import a\n",
            "p/d.py": "from .a import A\n",  # leads into the cycle, is not on it
        },
    )
    edges = import_graph(tmp_path, ["p"])
    assert find_cycles(edges) == [["p.a", "p.b", "p.c", "p.a"]]
    assert describe(find_cycles(edges)[0], edges) == (
        "p.a -> p.b -> p.c -> p.a   "
        "(p.a -> p.b at p/a.py:1, p.b -> p.c at p/b.py:2, p.c -> p.a at p/c.py:1)"
    )


def test_every_module_declares_all_and_a_star_import_shadows_no_builtin():
    import builtins

    shadows, missing = [], []
    for name, path in find_modules(ROOT, ["autograd", "nn"]).items():
        if path.name == "__main__.py":
            continue  # a program, not a module to import from
        declared = None
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                declared = set(ast.literal_eval(node.value))
        if declared is None:
            missing.append(name)
        else:
            shadows += [f"{name}.{n}" for n in sorted(declared & set(dir(builtins)))]
    assert not missing, f"modules without __all__: {missing}"
    assert not shadows, f"a star import would shadow builtins: {shadows}"
