"""The search engine interface: what the index needs from a full-text engine, and what it
needs from the store it follows.

``SearchIndex`` (app/search/index.py) owns the library's index folder, its stamp and its
locks, and follows the change feed; everything engine-specific sits behind
:class:`SearchEngine` (today: Whoosh, app/search/whoosh/). Another engine (tantivy, as
paperless-ngx moved to) would implement the same methods.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import Engine

from app.store.filters import PaperFilter

Progress = Callable[[int, int], None]  # (papers done, papers in all)


@runtime_checkable
class IndexSource(Protocol):
    """The store the index follows (today's ``Library`` satisfies it, as will the store)."""

    @property
    def engine(self) -> Engine: ...

    @property
    def db_path(self) -> Path: ...

    def last_change(self) -> int: ...

    def changes_since(
        self, seq: int, limit: int | None = None
    ) -> list[tuple[int, int | None, str]]: ...

    def count(self, flt: PaperFilter | None = None) -> int: ...

    def paper_ids(
        self, flt: PaperFilter | None = None, sort: str = "added", descending: bool = True
    ) -> list[int]: ...


@dataclass
class ParsedQuery:
    """A query as the engine read it.

    ``terms``: per field, the analysed terms the query matches there (a typed prefix
    expanded to the words it stands for) — what a reader should mark, and nothing else.
    ``words``: the positive plain words (for "did you mean"); ``note``: why the query was
    read as plain words, or None; ``prefix``: the as-you-type prefix, if one was expanded;
    ``native``: the engine's own query object (None: matches everything).
    """

    text: str
    native: Any = None
    terms: dict[str, frozenset[str]] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)
    note: str | None = None
    prefix: str | None = None
    simplified: bool = False  # cut down to the engine's bounds (``note`` says how)

    @property
    def highlight(self) -> frozenset[str]:
        """Every field's terms together."""
        out: set[str] = set()
        for terms in self.terms.values():
            out |= terms
        return frozenset(out)


@dataclass
class Found:
    """An engine's answer: paper ids best first, their scores, and how many matched."""

    ids: list[int] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    total: int = 0
    exact: bool = True
    ran: ParsedQuery | None = None  # the query actually run, when the engine had to
    # read it differently (e.g. as plain words); None: the one asked


@dataclass(frozen=True)
class IdFilter:
    """Restrict hits to these papers; ``key`` names the set (equal keys: same ids), so an
    engine may cache what it derives from ``ids()``."""

    key: Hashable
    ids: Callable[[], Sequence[int]]


class IndexWriter(Protocol):
    """One write transaction on the index."""

    def upsert(self, docs: Iterable[dict[str, Any]]) -> None:
        """Add documents, replacing any with the same ``id``."""

    def delete(self, ids: Iterable[int]) -> None: ...


class SearchEngine(Protocol):
    """A full-text engine over one index folder."""

    folder: Path

    def writer(self, bulk: bool = False) -> AbstractContextManager[IndexWriter]:
        """A write transaction: commits when the block ends normally, else cancels.
        ``bulk``: many documents (a rebuild, a large catch-up); the engine may then use
        faster machinery."""

    def bulk_index(
        self, db_path: Path, ids: Sequence[int], progress: Callable[[int], None] | None = None
    ) -> None:
        """Index papers ``ids`` (read from the database at ``db_path``) in worker processes,
        replacing their documents; one commit."""

    def check(self) -> int:
        """Open every part of the index (raising on damage); the number of documents."""

    def doc_count(self) -> int: ...

    def clean_up(self) -> list[str]:
        """Remove what failed or killed writes left in the folder; the names removed."""

    def audit(self, rows: Callable[[list[int]], list[dict[str, Any]]], k: int = 200) -> str | None:
        """Sample documents against the database (``rows(ids)``): what is wrong, or None."""

    def reading(self) -> AbstractContextManager[EngineReader]:
        """A consistent view for searching, for this thread while the block runs."""

    def highlight(self, text: str, terms: frozenset[str], whole: bool) -> str | None:
        """``text`` as HTML (escaped) with the tokens in ``terms`` in ``<b>``: all of it
        (``whole``) or the best fragments; None when nothing in it matches."""

    def close(self) -> None: ...


class EngineReader(Protocol):
    """Searching one consistent view of the index."""

    def parse(self, text: str, as_you_type: bool = False) -> ParsedQuery: ...

    def plain(self, text: str, why: str) -> ParsedQuery:
        """``text`` read as plain words (a query the engine could not run), ``why`` noted."""

    def search(
        self,
        query: ParsedQuery,
        limit: int,
        sort: str | None = None,
        only: IdFilter | None = None,
    ) -> Found:
        """The best ``limit`` hits of ``query``: by score, or by the numeric field ``sort``
        (highest first, then score); ``only``: hits must be among these papers."""

    def more_like_this(self, texts: dict[str, str], exclude: int, limit: int) -> Found:
        """Papers like the given field texts (``exclude``: the paper itself)."""

    def suggest(self, query: ParsedQuery) -> str | None:
        """``query.text`` with rare or unknown words replaced by close, common ones."""

    def prefix_terms(self, field_name: str, prefix: str, cap: int) -> list[str]:
        """The ``cap`` most common indexed words of ``field_name`` starting with ``prefix``."""

    def indexed_ids(self) -> list[int]:
        """Every live document's paper id (for checks)."""


class OpenIndex(Protocol):
    """What a search or a more-like-this needs of an open index (``SearchIndex`` is one):
    the query modules take this, so they never import the index module back."""

    source: IndexSource
    rebuilding: bool
    damaged: bool
    progress: tuple[int, int]
    note: str | None  # set by ensure(): why results may be out of date

    def ensure(self, background: bool = False) -> bool: ...

    def confirm_damage(self) -> bool:
        """After a failed search: is the index really damaged (then marked for a rebuild)?
        False: the files are sound, and the query was at fault."""

    def lag(self) -> int: ...

    def live_ids(self, ids: list[int]) -> set[int]:
        """Which of ``ids`` are papers of the database (a damaged index may name others)."""

    def reading(self) -> AbstractContextManager[EngineReader | None]: ...

    def only(self, flt: Any) -> IdFilter: ...

    def highlight(self, text: str, terms: frozenset[str], whole: bool) -> str | None: ...
