"""Full-text search over a library: an index derived from the database, following its
change feed.

Nothing here attaches itself to anything: the facade builds ``SearchIndex(folder, store)``
and holds it as ``lib.index``. The engine sits behind ``app.search.engine``; the Whoosh
implementation lives in ``app.search.whoosh``.
"""

from __future__ import annotations

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
