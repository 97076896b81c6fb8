"""
Public modules that load their classes when first used (PEP 562): a DAG file pays for what it imports.

``operators/cleanroomsml.py`` and ``sensors/cleanroomsml.py`` keep the import paths users know, but
each class lives in its kind's module and is imported only when a DAG file (or anything else) asks
for it by name.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


def lazy_names(
    module: str, where: Mapping[str, str], renamed: Mapping[str, str] | None = None
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """
    The ``__getattr__`` and ``__dir__`` of a module whose names live in its package's submodules.

    :param module: The public module's ``__name__``.
    :param where: Each public name → the submodule (of the same package) that defines it.
    :param renamed: Old names → new ones: still importable, with a deprecation warning.
    """
    package = module.rpartition(".")[0]
    renamed = renamed or {}

    def __getattr__(name: str) -> Any:
        if name in renamed:
            warnings.warn(
                f"{module}.{name} is deprecated; use {renamed[name]}.", DeprecationWarning, stacklevel=2
            )
            name = renamed[name]
        if name not in where:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{where[name]}"), name)

    def __dir__() -> list[str]:
        return sorted(where)

    return __getattr__, __dir__
