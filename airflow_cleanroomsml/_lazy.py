"""
Module attributes resolved when asked for (PEP 562): lazily loaded classes, and renamed ones.

``operators/cleanroomsml.py`` and ``sensors/cleanroomsml.py`` keep the import paths users know, but
each class lives in its kind's module and is imported only when a DAG file (or anything else) asks
for it by name: a DAG file pays for what it imports. Names of 0.2.0 that were renamed still resolve,
with a ``DeprecationWarning``.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


def lazy_names(
    module: str,
    where: Mapping[str, str],
    renamed: Mapping[str, str] | None = None,
    namespace: Mapping[str, Any] | None = None,
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """
    The ``__getattr__`` and ``__dir__`` of a module whose names live in its package's submodules.

    :param module: The public module's ``__name__``.
    :param where: Each public name → the submodule (of the same package) that defines it.
    :param renamed: Old names → new ones: still importable, with a deprecation warning.
    :param namespace: The module's own ``globals()``, for new names it defines itself.
    """
    package = module.rpartition(".")[0]
    renamed = renamed or {}

    def __getattr__(name: str) -> Any:
        if name in renamed:
            warnings.warn(
                f"{module}.{name} is deprecated; use {renamed[name]}.", DeprecationWarning, stacklevel=2
            )
            name = renamed[name]
        if namespace is not None and name in namespace:
            return namespace[name]
        if name not in where:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{where[name]}"), name)

    def __dir__() -> list[str]:
        return sorted({*(namespace or {}), *where})

    return __getattr__, __dir__


def deprecated_names(module: str, moved: Mapping[str, str]) -> Callable[[str], Any]:
    """
    The ``__getattr__`` of a module whose names of 0.2.0 moved or were renamed: each still resolves,
    with a ``DeprecationWarning`` naming where it is now.

    :param module: The module's ``__name__``.
    :param moved: Each old name → the full path of what it is now (``package.module.Name``).
    """

    def __getattr__(name: str) -> Any:
        if name not in moved:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        path, _, new = moved[name].rpartition(".")
        warnings.warn(f"{module}.{name} is deprecated; use {moved[name]}.", DeprecationWarning, stacklevel=2)
        return getattr(importlib.import_module(path), new)

    return __getattr__
