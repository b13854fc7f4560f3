"""Read papers as plain records, fast: one reader for the facade, export and the index."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import String, bindparam, select, type_coerce

from app.records import PaperRecord
from db import CitationKey, Note, Paper, Tag, paper_tags, personal

# Core statements and plain tuples: at 100,000 papers the ORM layer and SQLAlchemy's
# per-value date processing (a regex each) cost more than the SQL itself, so dates come
# raw and are parsed with the C-fast ``fromisoformat``.
_RECORD_COLUMNS = (
    Paper.id,
    Paper.title,
    Paper.abstract,
    Paper.authors_count,
    Paper.organization,
    type_coerce(Paper.published, String),
    Paper.upvotes,
    Paper.url,
    Paper.links,
    personal.STARRED,  # the member's own (a team library) or the paper's (a personal one)
    personal.READ,
    type_coerce(Paper.added_at, String),
    Paper.arxiv_id,
    Paper.authors,
    Paper.organization_id,
    type_coerce(Paper.listed_on, String),
    Paper.comments,
    Paper.submitted_by,
    Paper.ai_summary,
    Paper.ai_keywords,
    Paper.github,
    Paper.github_stars,
    Paper.project_page,
    Paper.trashed_at.is_not(None),
    CitationKey.key,
)


# The key by a left join on its table's primary key (a paper may have none yet).
_RECORDS = select(*_RECORD_COLUMNS).outerjoin(CitationKey, CitationKey.paper_id == Paper.id)


def tags_and_notes(conn: Any, ids: Sequence[int]) -> tuple[dict[int, list[str]], dict[int, str]]:
    """Tag names (in name order) and notes of papers ``ids`` (one chunk of ids)."""
    tags: dict[int, list[str]] = {}
    for pid, name in conn.execute(_TAGS_OF, {"ids": list(ids)}).all():
        tags.setdefault(pid, []).append(name)
    notes = dict(conn.execute(_NOTES_OF, {"ids": list(ids)}).all())
    return tags, notes


# Statements built once, their id lists bound at execution: ``in_(ids)`` builds and coerces
# a parameter object per id, each chunk.
_TAGS_OF = (
    select(paper_tags.c.paper_id, Tag.name)
    .join(Tag, Tag.id == paper_tags.c.tag_id)
    .where(paper_tags.c.paper_id.in_(bindparam("ids", expanding=True)))
    .order_by(Tag.name_key)
)
_NOTES_OF = select(Note.paper_id, Note.body).where(
    Note.paper_id.in_(bindparam("ids", expanding=True))
)


def records(conn: Any, ids: list[int]) -> list[PaperRecord]:
    # .all(): one fetchall, not a driver call per row (a tenth of an export's reading).
    rows = {r[0]: r for r in conn.execute(_RECORDS.where(Paper.id.in_(ids))).all()}
    tags, notes = tags_and_notes(conn, ids)
    out = []
    for i in ids:
        r = rows.get(i)
        if r is None:
            continue
        (
            _,
            title,
            abstract,
            count,
            org,
            published,
            upvotes,
            url,
            links,
            starred,
            read,
            added,
            *more,
        ) = r
        (
            arxiv,
            names,
            org_id,
            listed,
            comments,
            by,
            summary,
            keywords,
            gh,
            stars,
            page,
            trash,
            key,
        ) = more
        out.append(
            PaperRecord(
                i,
                title,
                abstract,
                count,
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
                arxiv_id=arxiv,
                authors=json_list(names),
                organization_id=org_id,
                listed_on=_day(listed),
                comments=comments,
                submitted_by=by,
                ai_summary=summary,
                ai_keywords=json_list(keywords),
                github=gh,
                github_stars=stars,
                project_page=page,
                trashed=bool(trash),
                citation_key=key,
            )
        )
    return out


def json_list(value: str | None) -> list[str]:
    """A JSON list column (authors, AI keywords) as a list; NULL or damage gives []."""
    if not value:
        return []
    try:
        items = orjson.loads(value)  # ~4x json.loads; every exported paper has one
    except ValueError:
        return []
    return [str(x) for x in items] if isinstance(items, list) else []


def _day(value: Any) -> date | None:
    # A driver with native dates (PostgreSQL) hands out date objects already.
    return date.fromisoformat(value) if isinstance(value, str) else value


def _moment(value: Any) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value
