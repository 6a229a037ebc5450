"""``Module``: the base of every network: parameters, names, gradients, modes and model files.

A module's parameters are found the way PyTorch finds them, by looking at its attributes, in
the order they were assigned: a ``Value`` is a parameter, a ``Module`` is a submodule, and a
list, tuple or dict is looked into item by item (named by index or key). A list whose items
are all Values is one *entry* of the state dict (a list of floats, like a PyTorch weight
tensor); its parameters are named ``<list name>.<index>``. Attributes whose name starts
with ``_`` are private and never looked at.

The same walk gives every parameter its ``.label`` (its dotted name) and every module its
path, which neurons use to tag the nodes of their forward pass (``layers.0.neurons.3/dot``).
Built-in modules run it when they are constructed; a top-level module runs it again
whenever it lists its parameters, so a user-defined module is named as soon as an optimiser
is given its parameters.
"""

from __future__ import annotations

import os
from typing import Any

from autograd import Value

from . import serialize


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
    _path: str = ""
    _owned = False  # True once a parent module has walked over this one

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; subclasses define this (or ``__call__``, as micrograd does)."""
        raise NotImplementedError(f"{type(self).__name__} defines neither forward nor __call__")

    # -- the walk ------------------------------------------------------------------------
    def _scan(self) -> tuple[list[tuple[str, Module]], list[tuple[str, Value | list[Value]]]]:
        """Every module (self first, path "") and every state-dict entry, in assignment order.

        A Value or module reachable by two paths counts once, under the first. Walking from a
        module that no other module has walked over yet also names what it finds (``.label``
        of parameters, ``_path`` of modules); walking from a submodule names nothing, so
        ``model.layers[0].parameters()`` does not rename the model's parameters.
        """
        modules: list[tuple[str, Module]] = []
        entries: list[tuple[str, Value | list[Value]]] = []
        seen: set[int] = set()
        rename = not self._owned

        def visit(obj: object, name: str) -> None:
            if isinstance(obj, Value):
                if id(obj) not in seen:
                    seen.add(id(obj))
                    if rename:
                        obj.label = name
                    entries.append((name, obj))
            elif isinstance(obj, Module):
                if id(obj) in seen:
                    return
                seen.add(id(obj))
                if rename:
                    obj._set_path(name)
                if name:
                    obj._owned = True
                modules.append((name, obj))
                for attr, value in vars(obj).items():
                    if not attr.startswith("_"):
                        visit(value, f"{name}.{attr}" if name else attr)
            elif isinstance(obj, (list, tuple)):
                ids = {id(v) for v in obj if isinstance(v, Value)}
                if obj and len(ids) == len(obj) and not ids & seen:
                    # A list of distinct, unseen Values: one entry, like a weight tensor.
                    seen.update(ids)
                    if rename:
                        for i, v in enumerate(obj):
                            v.label = f"{name}.{i}"
                    entries.append((name, list(obj)))
                    return
                for i, v in enumerate(obj):
                    visit(v, f"{name}.{i}")
            elif isinstance(obj, dict):
                for key, v in obj.items():
                    visit(v, f"{name}.{key}")

        visit(self, "")
        return modules, entries

    def _set_path(self, path: str) -> None:
        """Remember where this module sits in the model (subclasses precompute node tags)."""
        self._path = path

    # -- parameters ----------------------------------------------------------------------
    def parameters(self) -> list[Value]:
        """Every parameter, in assignment order (micrograd's order for ``MLP``)."""
        out: list[Value] = []
        for _, entry in self._scan()[1]:
            if isinstance(entry, Value):
                out.append(entry)
            else:
                out.extend(entry)
        return out

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(dotted name, parameter)`` pairs, e.g. ``("layers.0.neurons.3.w.1", w)``."""
        out: list[tuple[str, Value]] = []
        for name, entry in self._scan()[1]:
            if isinstance(entry, Value):
                out.append((name, entry))
            else:
                out.extend((f"{name}.{i}", v) for i, v in enumerate(entry))
        return out

    def named_modules(self) -> list[tuple[str, Module]]:
        """``(dotted path, module)`` for this module (path ``""``) and every submodule."""
        return self._scan()[0]

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0.0 (gradients accumulate otherwise)."""
        for p in self.parameters():
            p.grad = 0.0

    # -- modes ---------------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Training mode (the default) for this module and every submodule; returns self."""
        for _, m in self.named_modules():
            m.training = bool(mode)
        return self

    def eval(self) -> Module:
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
            for name, entry in self._scan()[1]
        }

    def load_state_dict(self, state: dict[str, Any]) -> Module:
        """Copy ``state`` into the parameters; returns self.

        Everything is checked first (no missing, extra or misshapen entry, only finite
        numbers); on any problem a ``StateDictError`` names the parameter and nothing changes.
        """
        entries = self._scan()[1]
        values = serialize.check_state(entries, state)
        for (_, entry), data in zip(entries, values):
            if isinstance(entry, Value):
                entry.data = data
            else:
                for v, x in zip(entry, data):
                    v.data = x
        return self

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write ``state_dict()`` to ``path`` as JSON (never pickle)."""
        serialize.write_json(self.state_dict(), path)

    def load(self, path: str | os.PathLike[str]) -> Module:
        """Load a file written by ``save`` into this module, in place; returns self.

        A file that is not valid JSON, or whose state does not fit this module, is refused
        with a ``StateDictError`` and the module is left exactly as it was.
        """
        state = serialize.read_json(path)
        try:
            return self.load_state_dict(state)
        except serialize.StateDictError as error:
            raise serialize.StateDictError(f"{os.fspath(path)}: {error}") from None

    # -- export --------------------------------------------------------------------------
    def to_torch(self) -> Any:
        """An equivalent ``torch.nn.Sequential`` in float64 (see ``nn.to_torch``)."""
        from .export import to_torch

        return to_torch(self)

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
