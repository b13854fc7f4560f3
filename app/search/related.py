"""Related papers: more-like-this over title and abstract, the text read from SQLite."""

from __future__ import annotations

import time

from app.errors import UnknownPaper
from app.search.engine import OpenIndex
from app.search.results import Hit, SearchResult
from app.search.rows import texts_for


def related(idx: OpenIndex, paper_id: int, limit: int = 10) -> SearchResult:
    """The papers most similar to ``paper_id`` (itself excluded), best first."""
    t0 = time.perf_counter()
    texts = texts_for(idx.source.engine, [paper_id])
    if paper_id not in texts:
        raise UnknownPaper(paper_id)
    title, abstract = texts[paper_id]
    result = SearchResult(query=f"related:{paper_id}")
    result.indexing = not idx.ensure()
    with idx.reading() as reader:
        if reader is None or limit <= 0:
            return result
        found = reader.more_like_this({"title": title, "abstract": abstract}, paper_id, limit)
    live = idx.live_ids(found.ids)  # a damaged index may name ids of no paper
    result.hits = [
        Hit(pid, score) for pid, score in zip(found.ids, found.scores, strict=True) if pid in live
    ]
    result.total = found.total - (len(found.ids) - len(result.hits))
    result.took_ms = (time.perf_counter() - t0) * 1000
    return result
