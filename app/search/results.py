"""Running a search: the result object, totals, highlights and "did you mean"."""

from __future__ import annotations

import html
import logging
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.errors import PaperdeskError
from app.search.engine import EngineReader, OpenIndex, ParsedQuery
from app.search.rows import texts_for

if TYPE_CHECKING:
    from app.store.filters import PaperFilter

_log = logging.getLogger(__name__)

SORTS = {"relevance": None, "date": "published", "upvotes": "upvotes"}
FEW_HITS = 3  # at or below this many hits, look for a "did you mean"


class Hit:
    """One matching paper.

    ``paper_id``: the paper; ``score``: its BM25F score (0.0 when sorted by date/upvotes);
    ``highlights``: ``{"title": ..., "abstract": ...}`` HTML fragments (text escaped, the
    matched words in ``<b>``), only for fields where a query word occurs; empty in
    as-you-type mode. Made when first read, for that hit and the next few: a caller that
    only wants ids (``export --query``, a window listing) never pays for them.
    """

    __slots__ = ("_highlights", "_lazy", "paper_id", "score")

    def __init__(
        self, paper_id: int, score: float, highlights: dict[str, str] | None = None
    ) -> None:
        self.paper_id = paper_id
        self.score = score
        self._highlights = highlights
        self._lazy: _Highlighter | None = None

    @property
    def highlights(self) -> dict[str, str]:
        if self._highlights is None:
            if self._lazy is not None:
                self._lazy.fill(self)
            if self._highlights is None:
                self._highlights = {}
        return self._highlights

    @highlights.setter
    def highlights(self, value: dict[str, str]) -> None:
        self._highlights = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Hit) and (self.paper_id, self.score, self.highlights) == (
            other.paper_id,
            other.score,
            other.highlights,
        )

    def __repr__(self) -> str:
        return f"Hit({self.paper_id}, {self.score})"


HIGHLIGHT_BATCH = 50  # hits highlighted together (one database read)


class _Highlighter:
    """Highlights made on demand, a batch of hits at a time."""

    def __init__(self, idx: OpenIndex, hits: list[Hit], parsed: ParsedQuery) -> None:
        self.idx = idx
        self.hits = hits
        self.parsed = parsed
        self.at = {id(h): i for i, h in enumerate(hits)}
        self.done = 0  # hits highlighted so far (for tests and measurements)

    def fill(self, hit: Hit) -> None:
        start = self.at.get(id(hit))
        if start is None:
            return
        batch = [h for h in self.hits[start : start + HIGHLIGHT_BATCH] if h._highlights is None]
        for h in batch:
            h._highlights = {}
        self.done += len(batch)
        add_highlights(self.idx, batch, self.parsed)


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
    - ``terms``: per field (``title``, ``abstract``, ``tags``, ``note``, ``org``), the
      analysed terms the query matched there — a typed prefix as the words it expanded
      to. A reader marks a token of a field's text when its analysed form (lower-cased
      word) is in that field's set: exactly what matched, nothing else.
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
    terms: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def ids(self) -> list[int]:
        return [h.paper_id for h in self.hits]


def run_search(
    idx: OpenIndex,
    text: str,
    limit: int = 50,
    sort: str = "relevance",
    as_you_type: bool = False,
    flt: PaperFilter | None = None,
) -> SearchResult:
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
        result.note = idx.note or f"the search index is being built{pct}; results may be incomplete"
    elif idx.note:
        result.note = idx.note
    parsed: ParsedQuery | None = None
    plain: str | None = None  # why the query is read as plain words
    for attempt in (1, 2, 3):
        try:
            parsed = _search_once(idx, text, result, limit, as_you_type, flt, plain)
            break
        except PaperdeskError:
            raise
        except Exception as exc:  # Whoosh checks little: damage shows as struct/zlib/EOF...
            result.hits.clear()
            if not idx.rebuilding and plain is None and not idx.confirm_damage():
                # The files are sound: the query was at fault. Plain words, never a rebuild.
                _log.info("query %r failed (%s); searching its plain words", text, exc)
                plain = "it could not be run"
                continue
            if attempt == 3 or idx.rebuilding or not idx.ensure(background=as_you_type):
                result.indexing = True
                result.note = result.note or "the search index is being built"
                parsed = None
                break
    if parsed is None:
        result.took_ms = (time.perf_counter() - t0) * 1000
        return result
    result.terms = dict(parsed.terms)
    if result.hits and not as_you_type:
        lazy = _Highlighter(idx, result.hits, parsed)
        for h in result.hits:
            h._lazy = lazy
    result.took_ms = (time.perf_counter() - t0) * 1000
    return result


def _search_once(
    idx: OpenIndex,
    text: str,
    result: SearchResult,
    limit: int,
    as_you_type: bool,
    flt: PaperFilter | None,
    plain: str | None = None,
) -> ParsedQuery | None:
    with idx.reading() as reader:
        if reader is None:
            raise OSError("the index could not be opened")
        parsed = reader.plain(text, plain) if plain else reader.parse(text, as_you_type)
        result.note = parsed.note or result.note
        if parsed.native is None:
            return parsed
        found = reader.search(  # limit 0: the count alone
            parsed, max(limit, 1), SORTS[result.sort], idx.only(flt) if flt is not None else None
        )
        found.ids, found.scores = found.ids[:limit], found.scores[:limit]
        if found.ran is not None:
            _log.info("query %r was read as plain words", text)
            parsed = found.ran
            result.note = parsed.note
        live = idx.live_ids(found.ids)
        if len(live) < len(set(found.ids)) and idx.lag() == 0:
            # Ids of no paper, though the index is current: its id column is damaged.
            raise _NotPapers(f"{len(found.ids) - len(live)} hit(s) name no paper")
        hits = [(pid, s) for pid, s in zip(found.ids, found.scores, strict=True) if pid in live]
        result.hits = [Hit(pid, score) for pid, score in hits]
        result.total = max(len(hits), found.total - (len(found.ids) - len(hits)))
        result.total_is_exact = found.exact
        if result.total <= FEW_HITS and not as_you_type:
            result.suggestion = _suggest(reader, parsed)
    return parsed


class _NotPapers(Exception):
    """A search named ids that are no papers: the index is damaged (rebuilt)."""


def _suggest(reader: EngineReader, parsed: ParsedQuery) -> str | None:
    return reader.suggest(parsed) if parsed.words else None


def add_highlights(idx: OpenIndex, hits: list[Hit], parsed: ParsedQuery) -> None:
    """Mark what the query matched in each hit's title and abstract (text from SQLite)."""
    wanted = {name: parsed.terms.get(name, frozenset()) for name in ("title", "abstract")}
    if not any(wanted.values()):
        return
    texts = texts_for(idx.source.engine, [h.paper_id for h in hits])
    for h in hits:
        title, abstract = texts.get(h.paper_id, ("", ""))
        for name, body in (("title", title), ("abstract", abstract)):
            marked = idx.highlight(body, wanted[name], whole=name == "title")
            if marked:
                h.highlights[name] = marked


def plain_text(fragment: str) -> str:
    """A highlight fragment as plain text, the matches in «» (for the terminal)."""
    marked = re.sub(r"<b[^>]*>(.*?)</b>", r"«\1»", fragment)
    return html.unescape(re.sub(r"<[^>]+>", "", marked))
