"""Related papers: more-like-this over title and abstract, the text read from SQLite."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

from app.errors import UnknownPaper
from app.search.fast import top
from app.search.results import Hit, SearchResult
from app.search.rows import texts_for
from app.search.schema import TEXT_FIELDS

if TYPE_CHECKING:
    from app.search.index import SearchIndex

KEY_TERMS = {"title": 6, "abstract": 12}


def related(idx: SearchIndex, paper_id: int, limit: int = 10) -> SearchResult:
    """The papers most similar to ``paper_id`` (itself excluded), best first."""
    t0 = time.perf_counter()
    texts = texts_for(idx.lib.engine, [paper_id])
    if paper_id not in texts:
        raise UnknownPaper(paper_id)
    title, abstract = texts[paper_id]
    result = SearchResult(query=f"related:{paper_id}")
    result.indexing = not idx.ensure()
    with idx.searcher() as searcher:
        if searcher is None or limit <= 0:
            return result
        weighted: dict[str, float] = {}
        for fname, text in (("title", title), ("abstract", abstract)):
            # Key terms are weighted against the whole collection (Bo1); each is then
            # searched in title and abstract, so that a paper naming the topic in its
            # title ranks high.
            for word, weight in searcher.key_terms_from_text(
                fname, text, numterms=KEY_TERMS[fname]
            ):
                weighted[word] = weighted.get(word, 0.0) + weight
        if not weighted:
            return result
        # Vectorised scoring (app/search/fast.py): a Whoosh OR of ~30 common terms takes
        # over a second at 100,000 papers.
        view = idx.view(searcher)
        ids = view.column("id")
        scores = np.zeros(view.n, dtype=np.float32)
        for word, weight in weighted.items():
            group = {"title": [word], "abstract": [word]}
            scores += weight * view.group_scores(group, TEXT_FIELDS)
        mask = view.live & (scores > 0) & (ids != paper_id)
        docs = np.flatnonzero(mask)
        for i in top(docs, scores[docs], limit):
            result.hits.append(Hit(paper_id=int(ids[docs[i]]), score=float(scores[docs[i]])))
        result.total = len(docs)
    result.took_ms = (time.perf_counter() - t0) * 1000
    return result
