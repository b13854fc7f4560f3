"""Which papers an export holds, and reading them back in bounded chunks."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from app.errors import PaperdeskError
from app.records import PaperRecord
from db import Note, Paper, Tag, paper_tags, read_session

if TYPE_CHECKING:
    from app.library import Library, PaperFilter

CHUNK = 2000  # papers held in memory at once while writing


@dataclass(frozen=True)
class Selection:
    """An export's scope. ``ids`` (explicit papers) wins; otherwise tags (any/all), the
    starred flag, a sidebar filter and a search query combine with AND."""

    ids: tuple[int, ...] | None = None
    tags: tuple[str, ...] = ()
    match: str = "all"
    starred: bool = False
    query: str | None = None
    view: PaperFilter | None = field(default=None)
    sort: str = "published"
    descending: bool = True


def resolve(lib: Library, sel: Selection) -> list[int]:
    """The ids ``sel`` selects, in export order. Unknown tags raise ``UnknownTag``."""
    if sel.ids is not None:
        return lib.require(sel.ids)
    ids = lib.paper_ids(_filter(lib, sel), sort=sel.sort, descending=sel.descending)
    if sel.query and sel.query.strip():
        hits = search_ids(lib, sel.query)
        rank = {pid: i for i, pid in enumerate(hits)}
        # Keep the search's ranking: a query export is a list of the best matches first.
        ids = sorted((i for i in ids if i in rank), key=rank.__getitem__)
    return ids


def count(lib: Library, sel: Selection) -> int:
    """How many papers ``sel`` exports: one SQL count unless a search query is involved."""
    if sel.ids is not None:
        return len(lib.require(sel.ids))
    if sel.query and sel.query.strip():
        return len(resolve(lib, sel))
    return lib.count(_filter(lib, sel))


def _filter(lib: Library, sel: Selection) -> PaperFilter:
    from app.library import PaperFilter

    if sel.match not in ("any", "all"):
        raise PaperdeskError(f"unknown match {sel.match!r}; use 'any' or 'all'")
    for name in sel.tags:
        lib.tag_id(name)  # an unknown tag is a mistake, not an empty export
    if sel.view is not None:
        flt = sel.view
    else:
        flt = PaperFilter(tags=tuple(sel.tags), match=sel.match)
    return replace(flt, starred=True) if sel.starred else flt


def search_ids(lib: Library, query: str) -> list[int]:
    """Every paper id the search index finds for ``query``, best first (the limit is the
    library's size, so no hit is cut off)."""
    return [hit.paper_id for hit in lib.search(query, limit=max(1, lib.count())).hits]


def iter_papers(lib: Library, ids: Sequence[int], chunk: int = CHUNK) -> Iterator[PaperRecord]:
    """Records for ``ids`` in order (unknown ids left out), ``chunk`` at a time, all read in
    one transaction so an export is one consistent snapshot.

    The same records as ``lib.papers(ids)`` (a test holds them equal), read with fewer,
    larger queries: for 100,000 papers that is ~3x faster, which the 5 s target needs."""
    with read_session(lib.engine) as s:
        for start in range(0, len(ids), chunk):
            yield from _records(s, list(ids[start : start + chunk]))


_COLUMNS = (
    Paper.id,
    Paper.title,
    Paper.abstract,
    Paper.authors_count,
    Paper.organization,
    # Dates come raw and are parsed below with the C-fast fromisoformat: SQLAlchemy's
    # SQLite date processing is a regex per value, a quarter of the reading time.
    type_coerce(Paper.published, String),
    Paper.upvotes,
    Paper.url,
    Paper.links,
    Paper.starred,
    Paper.read,
    type_coerce(Paper.added_at, String),
)


def _day(value: object) -> date | None:
    # A driver with native dates (PostgreSQL) hands out date objects already.
    return date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]


def _moment(value: object) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]


def _records(s: Session, ids: list[int]) -> list[PaperRecord]:
    # Core statements on the session's connection, rows unpacked as tuples: the ORM layer
    # and named attribute access cost more than the SQL itself at this volume.
    conn = s.connection()
    rows = {r[0]: r for r in conn.execute(select(*_COLUMNS).where(Paper.id.in_(ids)))}
    tags: dict[int, list[str]] = {}
    for pid, name in conn.execute(
        select(paper_tags.c.paper_id, Tag.name)
        .join(Tag, Tag.id == paper_tags.c.tag_id)
        .where(paper_tags.c.paper_id.in_(ids))
        .order_by(Tag.name_key)
    ):
        tags.setdefault(pid, []).append(name)
    notes = {
        pid: body
        for pid, body in conn.execute(
            select(Note.paper_id, Note.body).where(Note.paper_id.in_(ids))
        )
    }
    out = []
    for i in ids:
        r = rows.get(i)
        if r is None:
            continue
        _, title, abstract, authors, org, published, upvotes, url, links, starred, read, added = r
        out.append(
            PaperRecord(
                i,
                title,
                abstract,
                authors,
                org,
                _day(published),
                upvotes,
                url,
                links.split("\n") if links else [],
                tags.get(i, []),
                notes.get(i, ""),
                bool(starred),
                bool(read),
                _moment(added),
            )
        )
    return out
