"""Papers read for the citation formats (BibTeX, BibLaTeX, CSL-JSON, RIS): only the columns
a citation uses, fetched a chunk at a time in one snapshot.

At 100,000 papers the full reader (``app.store.records``) spends a third of a citation
export on fields no citation prints (links, AI summary and keywords, flags, dates added);
this one builds the same records with those left at their defaults.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, timezone
from typing import Any

import orjson
from sqlalchemy import String, bindparam, select, type_coerce

from app.records import PaperRecord
from app.store.records import tags_and_notes
from db import CitationKey, Paper, read_session

_COLUMNS = (
    Paper.id,
    Paper.title,
    Paper.abstract,
    Paper.authors_count,
    Paper.organization,
    type_coerce(Paper.published, String),
    Paper.upvotes,
    Paper.url,
    Paper.arxiv_id,
    Paper.authors,
    Paper.comments,
    CitationKey.key,
)
# One statement, its id list bound at execution: ``in_(part)`` would build and coerce 2,000
# parameter objects per chunk (a tenth of a citation export's reading).
# The key by a left join on its table's primary key (a paper may have none yet).
_SELECT = (
    select(*_COLUMNS)
    .outerjoin(CitationKey, CitationKey.paper_id == Paper.id)
    .where(Paper.id.in_(bindparam("ids", expanding=True)))
)
_NEVER = datetime(2000, 1, 1, tzinfo=timezone.utc)  # added_at: no citation prints it


def _names(value: str | None) -> list[str]:
    if not value:
        return []
    try:
        items = orjson.loads(value)
    except orjson.JSONDecodeError:
        return []  # damage reads as no authors, as the full reader does
    return [str(x) for x in items] if isinstance(items, list) else []


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def cited_records(store: Any, ids: Sequence[int], chunk: int) -> Iterator[PaperRecord]:
    """Records of ``ids`` in order (unknown ids left out) with what a citation uses."""
    ids = list(ids)
    with read_session(store.engine) as s:
        conn = s.connection()
        for start in range(0, len(ids), chunk):
            part = ids[start : start + chunk]
            rows = {r[0]: r for r in conn.execute(_SELECT, {"ids": part}).all()}
            tags, notes = tags_and_notes(conn, part)
            for i in part:
                r = rows.get(i)
                if r is None:
                    continue
                _, title, abstract, count, org, published, upvotes, url, aid, names, n, key = r
                yield PaperRecord(
                    i,
                    title,
                    abstract,
                    count,
                    org,
                    _day(published),
                    upvotes,
                    url,
                    [],
                    tags.get(i, []),
                    notes.get(i, ""),
                    False,
                    False,
                    _NEVER,
                    arxiv_id=aid,
                    authors=_names(names),
                    comments=n,
                    citation_key=key,
                )
