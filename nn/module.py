"""``Module``: the base of every network: parameters, names, gradients, modes and model files.

A module's parameters are found the way PyTorch finds them, by looking at its attributes, in
the order they were assigned: a ``Value`` is a parameter, a ``Module`` is a submodule, and a
list, tuple or dict is looked into item by item (named by index or key). A list whose items
are all Values is one *entry* of the state dict (a list of floats, like a PyTorch weight
tensor); its parameters are named ``<list name>.<index>``. Attributes whose name starts
with ``_`` are private and never looked at.

The walk only reads: names are computed from where things sit, relative to the module
walked from, and nothing is changed. Labels are another matter: a ``Value``'s ``.label`` is
given where the parameter is made (the built-in modules take a ``name=`` prefix at
construction and label what they create with it), never as a side effect of listing.
This module knows no subclass of ``Module``; export to PyTorch lives in ``nn.export``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, TypeVar

from autograd import Value

from .options import flag
from .serialize import StateDictError, check_state, read_json, user_path, write_json

__all__ = ["Module"]

_M = TypeVar("_M", bound="Module")


def _attribute(path: str, attr: str) -> str:
    """Python for reading ``attr`` of ``path``: ``model.a``, or ``getattr(model, 'a.b')``."""
    return f"{path}.{attr}" if attr.isidentifier() else f"getattr({path}, {attr!r})"


class Module:
    """Base class: subclass it and assign Values, Modules or lists of them as attributes.

    >>> class Affine(Module):
    ...     def __init__(self):
    ...         self.a, self.b = Value(2.0), Value(1.0)
    ...     def forward(self, x):
    ...         return self.a * x + self.b
    >>> m = Affine()
    >>> [name for name, _ in m.named_parameters()]
    ['a', 'b']
    >>> m(3.0).data
    7.0
    """

    # Class attributes, not set in __init__: micrograd-style subclasses never call it.
    training: bool = True
    #: Where this module sits in its model (``"layers.0"``), fixed at construction: the
    #: built-in modules start their parameters' labels and their nodes' tags with it.
    name: str = ""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; subclasses define this (or ``__call__``, as micrograd does)."""
        raise NotImplementedError(f"{type(self).__name__} defines neither forward nor __call__")

    # -- the walk ------------------------------------------------------------------------
    def _scan(
        self, where: bool = False
    ) -> tuple[list[tuple[str, Module]], list[tuple[str, Value | list[Value]]], list[str]]:
        """Every module (self first, path "") and every state-dict entry, in assignment order.

        A Value or module reachable by two paths counts once, under the first. Names are
        relative to ``self``, as PyTorch's are; nothing is changed on the way. With
        ``where``, the third list gives each entry's Python path (``model.d['a.b']``), for
        error messages; otherwise it is empty.
        """
        modules: list[tuple[str, Module]] = []
        entries: list[tuple[str, Value | list[Value]]] = []
        wheres: list[str] = []
        seen: set[int] = set()

        def visit(obj: object, name: str, path: str) -> None:
            if isinstance(obj, Value):
                if id(obj) not in seen:
                    seen.add(id(obj))
                    entries.append((name, obj))
                    if where:
                        wheres.append(path)
            elif isinstance(obj, Module):
                if id(obj) in seen:
                    return
                seen.add(id(obj))
                modules.append((name, obj))
                for attr, value in vars(obj).items():
                    if not attr.startswith("_"):
                        where_ = _attribute(path, attr) if where else ""
                        visit(value, f"{name}.{attr}" if name else attr, where_)
            elif isinstance(obj, (list, tuple)):
                ids = {id(v) for v in obj if isinstance(v, Value)}
                if obj and len(ids) == len(obj) and not ids & seen:
                    # A list of distinct, unseen Values: one entry, like a weight tensor.
                    seen.update(ids)
                    entries.append((name, list(obj)))
                    if where:
                        wheres.append(path)
                    return
                for i, v in enumerate(obj):
                    visit(v, f"{name}.{i}", f"{path}[{i}]" if where else "")
            elif isinstance(obj, dict):
                for key, v in obj.items():
                    visit(v, f"{name}.{key}", f"{path}[{key!r}]" if where else "")

        visit(self, "", "model")
        return modules, entries, wheres

    def _entries(self) -> list[tuple[str, Value | list[Value]]]:
        """The state-dict entries, once their names are known to be distinct.

        Names join attribute names, list indices and dict keys with dots, so two paths can
        make one name: a dict ``{"a": neuron, "a.b": w}`` (the neuron's bias is ``a.b``
        too), an attribute set as ``setattr(m, "a.b", w)`` beside a submodule ``a`` with a
        parameter ``b``, or the keys ``"1"`` and ``1``. Such a model cannot be saved or
        loaded faithfully (one name, two numbers), and is refused, naming both.
        """
        entries = self._scan()[1]
        first: dict[str, int] = {}
        lists: dict[str, int] = {}
        for k, (name, entry) in enumerate(entries):
            if name in first:
                self._collision(name, first[name], None, k)
            first[name] = k
            if not isinstance(entry, Value):
                lists[name] = k
        if lists:  # a scalar named like a list's item: "w.0" beside the list "w"
            for k, (name, entry) in enumerate(entries):
                prefix, _, index = name.rpartition(".")
                if prefix in lists and isinstance(entry, Value) and index.isascii():
                    j = lists[prefix]
                    if index.isdigit() and str(int(index)) == index:
                        if int(index) < len(entries[j][1]):  # type: ignore[arg-type]
                            self._collision(name, j, int(index), k)
        return entries

    def _collision(self, name: str, a: int, item: int | None, b: int) -> None:
        wheres = self._scan(where=True)[2]
        first = wheres[a] if item is None else f"{wheres[a]}[{item}]"
        raise StateDictError(
            f"two parameters would both be named {name!r}: {first} and {wheres[b]}. Names "
            "join attribute names, list indices and dict keys with dots, so a key or "
            "attribute name that holds a dot, or the keys 1 and '1', can make one name "
            "twice: rename one"
        )

    # -- parameters ----------------------------------------------------------------------
    def parameters(self) -> list[Value]:
        """Every parameter, in assignment order (micrograd's order for ``MLP``)."""
        out: list[Value] = []
        for _, entry in self._scan()[1]:  # names are not read: no check of them
            if isinstance(entry, Value):
                out.append(entry)
            else:
                out.extend(entry)
        return out

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(dotted name, parameter)`` pairs, e.g. ``("layers.0.neurons.3.w.1", w)``."""
        out: list[tuple[str, Value]] = []
        for name, entry in self._entries():
            if isinstance(entry, Value):
                out.append((name, entry))
            else:
                out.extend((f"{name}.{i}", v) for i, v in enumerate(entry))
        return out

    def named_modules(self) -> list[tuple[str, Module]]:
        """``(dotted path, module)`` for this module (path ``""``) and every submodule."""
        return self._scan()[0]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Set every parameter's gradient to 0.0 (gradients accumulate otherwise).

        ``set_to_none`` is accepted for PyTorch's sake and changes nothing: gradients are
        read as floats, so 0.0 is "no gradient" here, with either value.
        """
        flag(set_to_none, "set_to_none")
        for p in self.parameters():
            p.grad = 0.0

    # -- modes ---------------------------------------------------------------------------
    def train(self: _M, mode: bool = True) -> _M:
        """Training mode (the default) for this module and every submodule; returns self."""
        mode = flag(mode, "train(mode)")
        for _, m in self.named_modules():
            m.training = mode
        return self

    def eval(self: _M) -> _M:
        """Evaluation mode (``Dropout`` is the identity); returns self."""
        return self.train(False)

    # -- state and model files -----------------------------------------------------------
    def state_dict(self) -> dict[str, float | list[float]]:
        """The parameters as plain JSON-ready data: a float per Value, a list per list.

        >>> from nn import Neuron
        >>> Neuron(2, seed=0).state_dict().keys()
        dict_keys(['w', 'b'])
        """
        return {
            name: entry.data if isinstance(entry, Value) else [v.data for v in entry]
            for name, entry in self._entries()
        }

    def load_state_dict(self: _M, state: Mapping[str, Any], *, strict: bool = True) -> _M:
        """Copy ``state`` into the parameters; returns self.

        Everything is checked first (no missing, extra or misshapen entry, only finite
        numbers); on any problem a ``StateDictError`` names the parameter and nothing changes.
        ``strict=False`` (PyTorch's) loads the entries whose names match and leaves the
        rest; a state that matches no entry at all is still refused. Unlike PyTorch, which
        returns the missing and unexpected keys, this returns the module.
        """
        for p, x in check_state(self._entries(), state, flag(strict, "strict")):
            p.data = x
        return self

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write ``state_dict()`` to ``path`` as JSON (never pickle), atomically.

        A symlink is written through. On any failure nothing is left behind and ``path``
        is as it was; the error names ``path`` and what is wrong with it (a folder, a
        missing folder, no permission, a non-finite parameter).
        """
        write_json(self.state_dict(), path)

    def load(self: _M, path: str | os.PathLike[str], *, strict: bool = True) -> _M:
        """Load a file written by ``save`` into this module, in place; returns self.

        A file that cannot be read is an ``OSError`` (``FileNotFoundError``, ...) naming
        it. A file that is not a valid model file, or whose state does not fit this
        module, is refused with a ``StateDictError`` naming the file and the parameter,
        and the module is left exactly as it was. ``strict`` is as in ``load_state_dict``.
        """
        state = read_json(path)
        try:
            return self.load_state_dict(state, strict=strict)
        except StateDictError as error:
            raise StateDictError(f"{user_path(path, 'load')}: {error}") from None

    # -- repr ----------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """What a module says about itself inside its parentheses."""
        return ""

    def children(self) -> list[tuple[str, Module]]:
        """The direct submodules, with their names relative to this module (``layers.0``)."""
        out: list[tuple[str, Module]] = []

        def visit(obj: object, name: str) -> None:
            if isinstance(obj, Module):
                out.append((name, obj))
            elif isinstance(obj, (list, tuple)):
                for i, v in enumerate(obj):
                    visit(v, f"{name}.{i}")
            elif isinstance(obj, dict):
                for key, v in obj.items():
                    visit(v, f"{name}.{key}")

        for attr, value in vars(self).items():
            if not attr.startswith("_"):
                visit(value, attr)
        return out

    def __repr__(self) -> str:
        extra = self.extra_repr()
        kids = self.children()
        if not kids:
            return f"{type(self).__name__}({extra})"
        lines = [f"{type(self).__name__}("] + ([f"  {extra}"] if extra else [])
        for name, m in kids:
            lines.append(f"  ({name}): " + repr(m).replace("\n", "\n  "))
        return "\n".join(lines) + "\n)"
