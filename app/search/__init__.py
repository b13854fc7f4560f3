"""Full-text search over a library: a Whoosh index derived from the database.

Importing this package attaches the index to every library opened afterwards (through the
facade's open/close hooks) and keeps it in sync after every commit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.search.index import SearchIndex
from app.search.results import Hit, SearchResult

if TYPE_CHECKING:
    from app.library import Library

__all__ = ["Hit", "SearchIndex", "SearchResult", "index_for"]


def index_for(lib: Library) -> SearchIndex:
    """The library's index, attached (and subscribed to its commits) on first use."""
    idx = getattr(lib, "_search_index", None)
    if idx is None:
        idx = SearchIndex(lib)
        lib._search_index = idx  # type: ignore[attr-defined]
        lib.subscribe(idx.after_commit)
    return idx


def _on_open(lib: Library) -> None:
    index_for(lib)  # cheap: no file is opened until the first search or commit


def _on_close(lib: Library) -> None:
    idx = getattr(lib, "_search_index", None)
    if idx is not None:
        lib.unsubscribe(idx.after_commit)
        idx.close()


def _register() -> None:
    from app import library, maintenance
    from app.search.health import check_index

    if _on_open not in library._OPEN_HOOKS:
        library._OPEN_HOOKS.append(_on_open)
        library._CLOSE_HOOKS.append(_on_close)
    if check_index not in maintenance.CHECKS:
        maintenance.CHECKS.append(check_index)


_register()
