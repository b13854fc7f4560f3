"""Full-text search over a library: an index derived from the database, following its
change feed.

Nothing here attaches itself to anything: the facade builds ``SearchIndex(folder, store)``
and holds it as ``lib.index``. The engine sits behind ``app.search.engine``; the Whoosh
implementation lives in ``app.search.whoosh``.

The public names are loaded on first use (PEP 562), so that a bulk index worker (a module
of this package) does not load the facade's side of search.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.search.engine import IndexSource, ParsedQuery, SearchEngine
    from app.search.index import SearchIndex
    from app.search.results import Hit, SearchResult
    from app.search.whoosh.schema import match_spans

__all__ = [
    "Hit",
    "IndexSource",
    "ParsedQuery",
    "SearchEngine",
    "SearchIndex",
    "SearchResult",
    "match_spans",
]

_HOMES = {
    "Hit": "app.search.results",
    "IndexSource": "app.search.engine",
    "ParsedQuery": "app.search.engine",
    "SearchEngine": "app.search.engine",
    "SearchIndex": "app.search.index",
    "SearchResult": "app.search.results",
    "match_spans": "app.search.whoosh.schema",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'app.search' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(home), name)
    globals()[name] = value
    return value
