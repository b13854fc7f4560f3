"""The Whoosh implementation of the search engine (whoosh-reloaded 2.7.5, pinned exactly).

Everything Whoosh-specific lives in this package: the engine and its reader (``engine``),
the schema and analysis (``schema``), the query language's translation to Whoosh queries
(``query``), the vectorised BM25F scorer over Whoosh's postings (``fast``), the bulk
segment writer (``fastwrite``) and the bulk worker processes (``bulk``). The stock
``SegmentWriter`` serves incremental commits; the fast writer serves bulk builds only.
tests/app/search/test_contracts.py holds both private pieces to Whoosh's own results.

The public names are loaded on first use (PEP 562): a bulk worker, started as
``python -m app.search.whoosh.bulk``, runs this file first and should not pay for the
searching side (numpy's scorer, highlighting, the query parser).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.search.whoosh.engine import (
        IndexDamaged,
        IndexLocked,
        WhooshEngine,
        WhooshReader,
        file_lock,
    )

__all__ = ["IndexDamaged", "IndexLocked", "WhooshEngine", "WhooshReader", "file_lock"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'app.search.whoosh' has no attribute {name!r}")
    from app.search.whoosh import engine

    value = getattr(engine, name)
    globals()[name] = value
    return value
