"""What the table shows: a sidebar view's filter, an optional query and a sort, as paper ids.

``compute_listing`` runs in a worker thread; it touches only ``app.Library`` (thread-safe:
each call opens its own session) and returns plain data.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app import Library, PaperFilter
from app.records import PaperRecord

if TYPE_CHECKING:
    from app.search import SearchResult

SEARCH_LIMIT = 2000  # hits listed for a query; the status bar says when there are more
PREFETCH = 120  # records of the first rows, read in the worker so the first paint needn't


@dataclass(frozen=True)
class ListRequest:
    flt: PaperFilter
    query: str = ""
    sort: str | None = "added"  # None: by relevance (a query) or the default order
    descending: bool = True
    as_you_type: bool = False


@dataclass
class Listing:
    request: ListRequest
    ids: list[int]
    library_total: int
    matches: int  # papers matching (may exceed len(ids) for a query)
    estimated: bool = False
    took_ms: float | None = None  # the search's own time, for the status bar
    suggestion: str | None = None
    note: str | None = None  # e.g. "query not understood; searched the words"
    # Per field, the analysed terms the index matched (``SearchResult.terms``): what the
    # reader marks. No query: empty.
    terms: dict[str, frozenset[str]] = field(default_factory=dict)
    records: list[PaperRecord] = field(default_factory=list)  # of ids[:PREFETCH]
    seq: int = 0  # the change feed's position when computed (older records are stale)
    indexing: bool = False  # the index was being built: the hits may be incomplete


def compute_listing(lib: Library, req: ListRequest) -> Listing:
    seq = lib.last_change()
    listing = _listing(lib, req)
    listing.seq = seq
    listing.records = lib.papers(listing.ids[:PREFETCH])
    return listing


def _listing(lib: Library, req: ListRequest) -> Listing:
    total = lib.count()
    query = req.query.strip()
    if not query:
        ids = lib.paper_ids(req.flt, req.sort or "added", req.descending)
        return Listing(req, ids, total, len(ids))
    t0 = time.perf_counter()
    result = _search(lib, query, req)
    took = getattr(result, "took_ms", None)
    took_ms = float(took) if took is not None else (time.perf_counter() - t0) * 1000
    ids = [h.paper_id for h in result.hits]
    if req.sort is not None and ids:
        # Re-order the hits in SQL; the hits themselves stay the best ones by relevance.
        ids = lib.paper_ids(PaperFilter(ids=tuple(ids)), req.sort, req.descending)
    return Listing(
        req,
        ids,
        total,
        int(getattr(result, "total", len(ids)) or 0),
        estimated=not bool(getattr(result, "total_is_exact", True)),
        took_ms=took_ms,
        suggestion=getattr(result, "suggestion", None) or None,
        note=_note_of(result),
        terms=dict(getattr(result, "terms", None) or {}),
        indexing=bool(getattr(result, "indexing", False)),
    )


def _search(lib: Library, query: str, req: ListRequest) -> SearchResult:
    flt = req.flt if req.flt != PaperFilter() else None
    return lib.search(query, limit=SEARCH_LIMIT, as_you_type=req.as_you_type, flt=flt)


def _note_of(result: object) -> str | None:
    for name in ("note", "warning", "message", "error"):
        value = getattr(result, name, None)
        if isinstance(value, str) and value:
            return value
    return None
