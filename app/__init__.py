"""The application core, Qt-free: the Library facade, importers, search, exporters, CLI.

The public names are loaded on first use (PEP 562), so that importing a light module such
as ``app.records`` does not load the database and search stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.errors import PaperdeskError
    from app.library import Library
    from app.store.filters import PaperFilter

__all__ = ["Library", "PaperFilter", "PaperdeskError"]

_HOMES = {
    "Library": "app.library",
    "PaperFilter": "app.store.filters",
    "PaperdeskError": "app.errors",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'app' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(home), name)
    globals()[name] = value
    return value
