"""Running a search: the result object, totals, highlights and "did you mean"."""

from __future__ import annotations

import html
import logging
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from whoosh import highlight as wh

from app.search.fast import top
from app.search.query import Parsed, parse, plain
from app.search.rows import texts_for
from app.search.schema import ANALYZER, TEXT_FIELDS

if TYPE_CHECKING:
    from app.search.index import SearchIndex
    from app.store.filters import PaperFilter

_log = logging.getLogger(__name__)

SORTS = {"relevance": None, "date": "published", "upvotes": "upvotes"}
FEW_HITS = 3  # at or below this many hits, look for a "did you mean"


@dataclass
class Hit:
    """One matching paper.

    ``paper_id``: the paper; ``score``: its BM25F score (0.0 when sorted by date/upvotes);
    ``highlights``: ``{"title": ..., "abstract": ...}`` HTML fragments (text escaped, the
    matched words in ``<b>``), only for fields where a query word occurs; empty in
    as-you-type mode.
    """

    paper_id: int
    score: float
    highlights: dict[str, str] = field(default_factory=dict)


@dataclass
class SearchResult:
    """What :meth:`Library.search` returns.

    - ``query``: the text searched; ``sort``: relevance, date or upvotes.
    - ``hits``: the best ``limit`` hits, in order (:class:`Hit`); ``ids``: their paper ids.
    - ``total``: how many papers match; ``total_is_exact``: False when it is an estimate
      (an upper bound: counting exactly would re-run the whole query).
    - ``suggestion``: a corrected query to offer ("did you mean") when there are few or no
      hits, else None.
    - ``took_ms``: time spent, in milliseconds.
    - ``note``: one line for the user, or None: the query was malformed and read as plain
      words, or the index is being built.
    - ``indexing``: True while the index is being (re)built; hits may then be incomplete.
    """

    query: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    total_is_exact: bool = True
    suggestion: str | None = None
    took_ms: float = 0.0
    note: str | None = None
    indexing: bool = False
    sort: str = "relevance"

    @property
    def ids(self) -> list[int]:
        return [h.paper_id for h in self.hits]


def run_search(
    idx: SearchIndex,
    text: str,
    limit: int = 50,
    sort: str = "relevance",
    as_you_type: bool = False,
    flt: PaperFilter | None = None,
) -> SearchResult:
    from app.errors import PaperdeskError

    if sort not in SORTS:
        raise PaperdeskError(f"unknown sort {sort!r}; use relevance, date or upvotes")
    if limit < 0:
        raise PaperdeskError("the limit must be 0 or more")
    t0 = time.perf_counter()
    result = SearchResult(query=text, sort=sort)
    ready = idx.ensure(background=as_you_type)
    if not ready:
        result.indexing = True
        done, total = idx.progress
        pct = f" ({100 * done // total}%)" if total else ""
        result.note = f"the search index is being built{pct}; results may be incomplete"
    for attempt in (1, 2):
        try:
            parsed = _search_once(idx, text, result, limit, as_you_type, flt)
            break
        except PaperdeskError:
            raise
        except Exception as exc:  # Whoosh checks little: damage shows as struct/zlib/EOF...
            result.hits.clear()
            if not idx.rebuilding:
                # The index files are damaged: rebuild from the database and answer again.
                _log.warning("search index unreadable (%s); rebuilding it", exc)
                idx.damaged = True
            if attempt == 2 or idx.rebuilding or not idx.ensure(background=as_you_type):
                result.indexing = True
                result.note = result.note or "the search index is being built"
                parsed = None
                break
    if parsed is None:
        result.took_ms = (time.perf_counter() - t0) * 1000
        return result
    if result.hits and not as_you_type:
        add_highlights(idx, result.hits, parsed)
    result.took_ms = (time.perf_counter() - t0) * 1000
    return result


def _search_once(
    idx: SearchIndex,
    text: str,
    result: SearchResult,
    limit: int,
    as_you_type: bool,
    flt: PaperFilter | None,
) -> Parsed | None:
    with idx.searcher() as searcher:
        if searcher is None:
            raise OSError("the index could not be opened")
        parsed = parse(text, searcher.reader(), as_you_type)
        result.note = parsed.note or result.note
        if parsed.query is None or limit == 0:
            return parsed
        if parsed.groups is not None:
            _fast_search(idx, searcher, parsed, result, limit, flt)
        else:
            try:
                _whoosh_search(idx, searcher, parsed, result, limit, flt)
            except (ValueError, TypeError, AttributeError, IndexError) as exc:
                # A query shape Whoosh cannot run: never an error for the user.
                _log.info("query %r fell back to plain words: %s", text, exc)
                parsed = plain(text, "Whoosh could not run it")
                result.hits.clear()
                if parsed.groups is not None:
                    _fast_search(idx, searcher, parsed, result, limit, flt)
                result.note = parsed.note
        if result.total <= FEW_HITS and not as_you_type:
            result.suggestion = suggest(searcher, text, parsed)
    return parsed


def _fast_search(
    idx: SearchIndex,
    searcher: Any,
    parsed: Parsed,
    result: SearchResult,
    limit: int,
    flt: PaperFilter | None,
) -> None:
    """Plain words: vectorised BM25F (app/search/fast.py); the total is always exact."""
    view = idx.view(searcher)
    allowed = idx.filter_mask(searcher, flt) if flt is not None else None
    assert parsed.groups is not None
    docs, scores = view.search_all(parsed.groups, TEXT_FIELDS, allowed)
    column = SORTS[result.sort]
    chosen = top(docs, scores, limit, view.column(column) if column else None)
    ids = view.column("id")
    relevance = column is None
    for i in chosen:
        score = float(scores[i]) if relevance else 0.0
        result.hits.append(Hit(paper_id=int(ids[docs[i]]), score=score))
    result.total = len(docs)
    result.total_is_exact = True


def _whoosh_search(
    idx: SearchIndex,
    searcher: Any,
    parsed: Parsed,
    result: SearchResult,
    limit: int,
    flt: PaperFilter | None,
) -> None:
    """Phrases, OR/NOT, fields and ranges: Whoosh's own matchers and collectors."""
    comb = None
    if flt is not None:
        comb = set(np.flatnonzero(idx.filter_mask(searcher, flt)).tolist())
    kwargs: dict[str, Any] = {"limit": limit, "filter": comb}
    if SORTS[result.sort]:
        kwargs.update(sortedby=SORTS[result.sort], reverse=True)
    found = searcher.search(parsed.query, **kwargs)
    ids = idx.id_column(searcher)
    for i in range(found.scored_length()):
        score = found.score(i) if result.sort == "relevance" else 0.0
        result.hits.append(Hit(paper_id=int(ids[found.docnum(i)]), score=float(score or 0.0)))
    if found.scored_length() < limit or found.has_exact_length():
        # Fewer hits than asked for: every match was scored, so the count is exact.
        result.total = len(found) if found.has_exact_length() else found.scored_length()
        result.total_is_exact = True
    else:
        result.total = max(found.estimated_length(), found.scored_length())
        result.total_is_exact = False


def add_highlights(idx: SearchIndex, hits: list[Hit], parsed: Parsed) -> None:
    """Mark the query's words in each hit's title and abstract (text read from SQLite)."""
    terms = frozenset(parsed.highlight)
    if not terms:
        return
    texts = texts_for(idx.lib.engine, [h.paper_id for h in hits])
    formatter = _Bold(between=" … ")
    whole, context = wh.WholeFragmenter(), wh.ContextFragmenter(maxchars=240, surround=60)
    for h in hits:
        title, abstract = texts.get(h.paper_id, ("", ""))
        for name, body, frag in (("title", title, whole), ("abstract", abstract, context)):
            if not body:
                continue
            marked = wh.highlight(body, terms, ANALYZER, frag, formatter, top=2)
            if marked and "<b>" in marked:
                h.highlights[name] = marked


class _Bold(wh.HtmlFormatter):
    """Matches in plain ``<b>`` (no per-term classes); the rest HTML-escaped."""

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"<b>{wh.htmlescape(wh.get_text(text, token, replace), quote=False)}</b>"


def suggest(searcher: Any, text: str, parsed: Parsed) -> str | None:
    """The query with its unknown or rare words replaced by close, more common words."""
    reader = searcher.reader()
    replaced = text
    changed = False
    for word in dict.fromkeys(parsed.words):
        freq = sum(reader.doc_frequency(f, word) for f in ("title", "abstract"))
        if freq > FEW_HITS:
            continue
        best: tuple[int, str] | None = None
        for fname in ("title", "abstract"):
            for cand in searcher.corrector(fname).suggest(word, limit=3, maxdist=2, prefix=1):
                n = reader.doc_frequency(fname, cand)
                if cand != word and n > freq and (best is None or n > best[0]):
                    best = (n, cand)
        if best is not None:
            replaced = re.sub(rf"(?i)\b{re.escape(word)}\b", best[1], replaced, count=1)
            changed = True
    return replaced if changed and replaced != text else None


def plain_text(fragment: str) -> str:
    """A highlight fragment as plain text, the matches in «» (for the terminal)."""
    marked = re.sub(r"<b[^>]*>(.*?)</b>", r"«\1»", fragment)
    return html.unescape(re.sub(r"<[^>]+>", "", marked))
