"""Related papers: more-like-this over title and abstract, the text read from SQLite."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from whoosh import query as q

from app.errors import UnknownPaper
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
        terms: list[q.Query] = []
        for fname, text in (("title", title), ("abstract", abstract)):
            # Key terms are weighted against the whole collection (Bo1); search each one in
            # title and abstract so that a paper naming the topic in its title ranks high.
            for word, weight in searcher.key_terms_from_text(
                fname, text, numterms=KEY_TERMS[fname]
            ):
                for target in ("title", "abstract"):
                    terms.append(q.Term(target, word, boost=weight * TEXT_FIELDS[target]))
        if not terms:
            return result
        col = idx.id_column(searcher)
        own = searcher.document_number(id=paper_id)
        mask = {own} if own is not None else None
        found = searcher.search(q.Or(terms), limit=limit, mask=mask)
        for i in range(found.scored_length()):
            pid = int(col[found.docnum(i)])
            result.hits.append(Hit(paper_id=pid, score=float(found.score(i) or 0.0)))
        result.total = len(result.hits)
    result.took_ms = (time.perf_counter() - t0) * 1000
    return result
