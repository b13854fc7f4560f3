"""The user's marks on papers — notes, star, read — and deletions and saved searches;
each runs inside the caller's write transaction and logs itself in the feed."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from app.errors import PaperdeskError
from app.records import utcnow
from app.store import feed
from app.store.changes import Changes
from app.store.queries import CHUNK
from db import Note, Paper, SavedSearch

FLAGS = {"starred": "star", "read": "read"}  # column -> feed kind


def set_note(s: Session, paper_id: int, text: str) -> None:
    """Store a note exactly as given; an empty note removes it."""
    s.execute(delete(Note).where(Note.paper_id == paper_id))
    if text:
        s.execute(insert(Note).values(paper_id=paper_id, body=text, updated_at=utcnow()))
    feed.append(s, [paper_id], "note")


def set_flag(s: Session, ids: Sequence[int], column: str, value: bool) -> list[int]:
    """Set ``starred`` or ``read``; returns the ids whose value really changed (for undo)."""
    col = getattr(Paper, column)
    changed: list[int] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        changed += s.scalars(select(Paper.id).where(Paper.id.in_(chunk), col != value))
    for start in range(0, len(changed), CHUNK):
        chunk = changed[start : start + CHUNK]
        s.execute(update(Paper).where(Paper.id.in_(chunk)).values({column: value}))
    feed.append(s, changed, FLAGS[column])
    return changed


def delete_papers(s: Session, ids: Sequence[int]) -> int:
    for start in range(0, len(ids), CHUNK):
        s.execute(delete(Paper).where(Paper.id.in_(ids[start : start + CHUNK])))
    feed.append(s, ids, "delete")
    return len(ids)


def save_search(s: Session, name: str, query: str, view: str = "all") -> None:
    clean = " ".join(name.split())
    if not clean:
        raise PaperdeskError("a saved search needs a name")
    s.execute(delete(SavedSearch).where(SavedSearch.name == clean))
    s.execute(insert(SavedSearch).values(name=clean, query=query, view=view, created_at=utcnow()))


def delete_saved_search(s: Session, name: str) -> None:
    s.execute(delete(SavedSearch).where(SavedSearch.name == name))


class ChangedIds(list[int]):
    """The ids a write really changed, carrying the write's ``Changes``."""

    def __init__(self, ids: list[int], changes: Changes) -> None:
        super().__init__(ids)
        self.changes = changes


class Counted(int):
    """How many things a write touched, carrying the write's ``Changes``."""

    changes: Changes

    def __new__(cls, n: int, changes: Changes) -> Counted:
        out = super().__new__(cls, n)
        out.changes = changes
        return out
