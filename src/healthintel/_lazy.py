"""Lazy public names for packages: ``name -> submodule`` maps loaded on first access (cheap imports)."""

from __future__ import annotations

import importlib


def lazy_exports(package: str, exports: dict[str, str], namespace: dict):
    """Return ``(__getattr__, __dir__)`` for a package whose public names live in submodules.

    On first access of any name of a submodule, every exported name of that submodule is bound in the package
    namespace, so ``from pkg import a, b`` gets the functions even when a submodule shares a function's name.
    """

    def __getattr__(name: str):
        try:
            module = exports[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        mod = importlib.import_module(f".{module}", package)
        for key, value in exports.items():
            if value == module and hasattr(mod, key):
                namespace[key] = getattr(mod, key)
        return namespace[name]

    def __dir__():
        return sorted(exports)

    return __getattr__, __dir__
