"""Seeing HIPS autograd in the same environment, and saying so.

chainrule's engine is imported as ``autograd`` (the design card fixes the name), and so is
HIPS autograd, a dependency of PennyLane and lifelines. pip installs both into one
``site-packages/autograd/`` folder, each overwriting the other's ``__init__.py``: whichever
came last is what ``import autograd`` runs, and the other one breaks, while ``pip check``
sees nothing wrong. Where chainrule's ``__init__`` runs, it looks for the other package's
files and metadata and warns in words; where HIPS's runs, ``import nn`` says what happened.
The cure is one environment each (a venv), as the README's install section says.
"""

from __future__ import annotations

import os
import warnings
from importlib import metadata

__all__ = ["foreign_files", "hips_installed", "message", "warn_if_shared"]

#: Files and folders of HIPS autograd that chainrule's package never has.
_HIPS_FILES = ("tracer.py", "wrap_util.py", "core.py", "numpy", "scipy", "builtins.py")


def foreign_files(folder: str) -> list[str]:
    """HIPS autograd's files found in ``folder`` (chainrule's package folder)."""
    return [name for name in _HIPS_FILES if os.path.exists(os.path.join(folder, name))]


def hips_installed() -> str | None:
    """The version of an installed distribution named ``autograd`` (HIPS's), if any."""
    try:
        return metadata.version("autograd")
    except metadata.PackageNotFoundError:
        return None


def message(folder: str) -> str:
    return (
        f"HIPS autograd is installed in the same environment as chainrule, and both own the "
        f"import name 'autograd' ({folder}): whichever was installed last replaced the other's "
        "files, so one of them is broken. Use one virtual environment for each "
        "(python -m venv), or pip uninstall autograd chainrule and reinstall the one you need."
    )


def warn_if_shared() -> None:
    """Warn (once per process) if HIPS autograd shares this environment."""
    folder = os.path.dirname(os.path.abspath(__file__))
    if foreign_files(folder) or hips_installed() is not None:
        warnings.warn(message(folder), RuntimeWarning, stacklevel=3)
