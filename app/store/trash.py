"""The Trash: a paper moved there is out of every view, search and export until restored;
emptying the Trash deletes its papers for good. Each runs in the caller's write
transaction and logs itself in the feed (``trash``, ``restore``, ``delete``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.records import utcnow
from app.store import feed
from app.store.queries import CHUNK
from db import Paper


def trash(s: Session, ids: Sequence[int]) -> list[int]:
    """Move papers to the Trash; returns those that were not there yet (for undo)."""
    return _set(s, ids, to_trash=True)


def restore(s: Session, ids: Sequence[int]) -> list[int]:
    """Bring papers back from the Trash; returns those that were in it."""
    return _set(s, ids, to_trash=False)


def _set(s: Session, ids: Sequence[int], to_trash: bool) -> list[int]:
    now = utcnow()
    changed: list[int] = []
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        where = Paper.trashed_at.is_(None) if to_trash else Paper.trashed_at.is_not(None)
        found = list(s.scalars(select(Paper.id).where(Paper.id.in_(chunk), where)))
        if found:
            s.execute(
                update(Paper)
                .where(Paper.id.in_(found))
                .values(trashed_at=now if to_trash else None)
            )
        changed += found
    feed.append(s, changed, "trash" if to_trash else "restore")
    return changed


def empty(s: Session) -> int:
    """Delete every paper in the Trash for good; returns how many."""
    ids = list(s.scalars(select(Paper.id).where(Paper.trashed_at.is_not(None))))
    for start in range(0, len(ids), CHUNK):
        s.execute(delete(Paper).where(Paper.id.in_(ids[start : start + CHUNK])))
    feed.append(s, ids, "delete")
    return len(ids)
