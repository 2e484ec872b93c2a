"""The console's pages, one module each: a module here with `routes` (and optionally `NAV`) is served."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def discover() -> list[ModuleType]:
    """Every page module of this package, by name (the order of routes does not matter: paths differ)."""
    return [importlib.import_module(f"{__name__}.{found.name}") for found in sorted(
        pkgutil.iter_modules(__path__), key=lambda m: m.name)]
