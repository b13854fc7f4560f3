"""Reading papers out of the database for the index (the database is the truth).

A paper for the index is a plain dict (engine-neutral): the papers table's columns used for
search (``id, title, abstract, organization, organization_id, published, upvotes, comments,
arxiv_id``; ``starred`` and ``read`` the reader's own, ``db.personal``: in a team library
each member's index holds their star and read state), ``authors`` (names, in order:
decoded from the column's JSON list), ``tags`` (names, in order) and ``note`` (text).
Each engine maps it to its own document.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Engine, select

from app.store.records import tags_and_notes
from db import Paper, personal, read_session

_CHUNK = 500
_COLUMNS = (
    Paper.id,
    Paper.title,
    Paper.abstract,
    Paper.organization,
    Paper.organization_id,
    Paper.published,
    Paper.upvotes,
    Paper.comments,
    Paper.arxiv_id,
    Paper.authors,
    personal.STARRED.label("starred"),
    personal.READ.label("read"),
)


def papers_by_id(engine: Engine, ids: Sequence[int]) -> Iterator[list[dict[str, Any]]]:
    """Papers ``ids`` for the index, in batches; ids that no longer exist are left out."""
    with read_session(engine) as s:
        for start in range(0, len(ids), _CHUNK):
            chunk = list(ids[start : start + _CHUNK])
            yield _papers(s, chunk)


def _papers(s: Any, ids: list[int]) -> list[dict[str, Any]]:
    rows = [dict(r) for r in s.execute(select(*_COLUMNS).where(Paper.id.in_(ids))).mappings()]
    tags, notes = tags_and_notes(s, ids)
    for r in rows:
        r["tags"] = tags.get(r["id"], [])
        r["note"] = notes.get(r["id"], "")
        r["authors"] = author_names(r["authors"])
    return rows


def author_names(raw: str | None) -> list[str]:
    """The authors column (a JSON list of names) as names; damaged text gives none."""
    if not raw:
        return []
    try:
        names = json.loads(raw)
    except ValueError:
        return []
    if not isinstance(names, list):
        return []
    return [n for n in names if isinstance(n, str) and n.strip()]


def texts_for(engine: Engine, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """``{id: (title, abstract)}`` for highlights, the result list and related papers."""
    out: dict[int, tuple[str, str]] = {}
    with read_session(engine) as s:
        for start in range(0, len(ids), _CHUNK):
            chunk = list(ids[start : start + _CHUNK])
            for pid, title, abstract in s.execute(
                select(Paper.id, Paper.title, Paper.abstract).where(Paper.id.in_(chunk))
            ):
                out[pid] = (title, abstract or "")
    return out


def live_ids(engine: Engine, ids: Sequence[int]) -> set[int]:
    """Which of ``ids`` are papers of the database."""
    wanted = sorted({i for i in ids if -(2**63) <= i < 2**63})
    out: set[int] = set()
    with read_session(engine) as s:
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            out.update(s.scalars(select(Paper.id).where(Paper.id.in_(chunk))))
    return out
