"""Full-text search over a library: an index derived from the database, following its
change feed.

Nothing here attaches itself to anything: the facade builds ``SearchIndex(folder, store)``
and holds it as ``lib.index``. The engine sits behind ``app.search.engine``; the Whoosh
implementation lives in ``app.search.whoosh``.
"""

from __future__ import annotations

from typing import Any

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
    "index_for",
    "match_spans",
]


def index_for(lib: Any) -> SearchIndex:
    """Transition only (until the facade holds ``lib.index`` as an attribute, then it
    returns that): the library's index, made on first use. Attaches nothing: the index
    catches up when searched or when ``sync()`` is called."""
    held = vars(lib).get("index")
    if isinstance(held, SearchIndex):
        return held
    idx = vars(lib).get("_search_index")
    if idx is None:
        idx = SearchIndex(lib.path, lib)
        vars(lib)["_search_index"] = idx
    return idx
