"""Paper queries in SQL: what a ``PaperFilter`` selects, and the sort orders."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, exists, or_

from app.errors import PaperdeskError
from app.store.filters import PaperFilter, tag_key
from db import Paper, Tag, paper_tags, personal

CHUNK = 500  # bound parameters per IN (...), well under SQLite's limit

SORT_COLUMNS = {
    "title": Paper.title_key,
    "published": Paper.published,
    "upvotes": Paper.upvotes,
    "comments": Paper.comments,
    "authors": Paper.authors_count,
    # The names as stored (a JSON list): in order of the first author's name.
    "author_names": Paper.authors,
    "arxiv_id": Paper.arxiv_id,
    "listed_on": Paper.listed_on,
    "organization": Paper.organization,
    "added": Paper.added_at,
    "id": Paper.id,
    "trashed": Paper.trashed_at,
}
# Columns that may be NULL (unknown): last in either direction.
_UNKNOWN_LAST = (
    "published",
    "upvotes",
    "comments",
    "authors",
    "author_names",
    "organization",
    "arxiv_id",
    "listed_on",
)


def order_by(sort: str, descending: bool) -> list[Any]:
    """ORDER BY terms for ``sort`` (ties broken by id; unknown values last)."""
    if sort not in SORT_COLUMNS:
        raise PaperdeskError(f"unknown sort {sort!r}; use one of {', '.join(SORT_COLUMNS)}")
    col = SORT_COLUMNS[sort]
    order: list[Any] = [col.desc(), Paper.id.desc()] if descending else [col.asc(), Paper.id.asc()]
    if sort in _UNKNOWN_LAST:
        order.insert(0, col.is_(None))
    return order


def filtered(stmt: Select, flt: PaperFilter) -> Select:
    """``stmt`` (over ``papers``) restricted to what ``flt`` selects."""
    conds = []
    if flt.tags:
        keys = [tag_key(t) for t in flt.tags]
        has = lambda ks: exists().where(  # noqa: E731
            paper_tags.c.paper_id == Paper.id,
            paper_tags.c.tag_id == Tag.id,
            Tag.name_key.in_(ks),
        )
        conds.append(or_(has(keys)) if flt.match == "any" else and_(*(has([k]) for k in keys)))
    if flt.untagged:
        conds.append(~exists().where(paper_tags.c.paper_id == Paper.id))
    if flt.starred is not None:
        conds.append(personal.STARRED.is_(flt.starred))
    if flt.read is not None:
        conds.append(personal.READ.is_(flt.read))
    if flt.added_since is not None:
        conds.append(Paper.added_at >= flt.added_since)
    if flt.ids is not None:
        conds.append(Paper.id.in_(flt.ids))
    if flt.trashed is not None:
        conds.append(Paper.trashed_at.is_not(None) if flt.trashed else Paper.trashed_at.is_(None))
    return stmt.where(*conds) if conds else stmt
