"""The user's marks on papers — notes, star, read — and deletions and saved searches;
each runs inside the caller's write transaction and logs itself in the feed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from app.errors import PaperdeskError
from app.records import utcnow
from app.store import feed
from app.store.changes import Changes
from app.store.queries import CHUNK
from db import Note, Paper, SavedSearch, personal

FLAGS = {"starred": "star", "read": "read"}  # column -> feed kind


@dataclass(frozen=True)
class NoteInfo:
    """A paper's note as stored: its text, version (0: no note), who saved it and when."""

    body: str
    version: int
    by: str | None
    at: datetime | None


class NoteConflict(PaperdeskError):
    """A note saved over a version its writer had not seen: refused, nothing written.
    ``theirs`` is the note as stored now (what the other member saved)."""

    def __init__(self, paper_id: int, theirs: NoteInfo) -> None:
        who = theirs.by or "someone else"
        when = f" at {theirs.at:%Y-%m-%d %H:%M} UTC" if theirs.at else ""
        text = " ".join(theirs.body.split())
        if len(text) > 200:
            text = text[:197] + "..."
        what = f"to {text!r}" if theirs.body else "(removed it)"
        super().__init__(
            f"note of paper {paper_id} not saved: {who} changed it{when} {what} "
            f"(version {theirs.version}); save again with --version {theirs.version} to "
            "replace their note"
        )
        self.paper_id = paper_id
        self.theirs = theirs


def note_info(s: Session, paper_id: int) -> NoteInfo:
    row = s.execute(
        select(Note.body, Note.version, Note.note_by, Note.updated_at).where(
            Note.paper_id == paper_id
        )
    ).first()
    if row is None:
        return NoteInfo("", 0, None, None)
    return NoteInfo(row[0], row[1] or 1, row[2], row[3])


def set_note(s: Session, paper_id: int, text: str, base_version: int | None = None) -> NoteInfo:
    """Store a note exactly as given; an empty note removes it. Returns the note saved.

    ``base_version`` is the version the writer saw (0: no note); a different stored
    version is a :class:`NoteConflict` and nothing is written. Without it, a note last
    saved by another team member is a conflict too (the writer saw none of it); in a
    personal library (no members) the note is simply replaced, as before.
    """
    member = feed.member_of(s)
    now = note_info(s, paper_id)
    if base_version is not None and base_version != now.version:
        raise NoteConflict(paper_id, now)
    if base_version is None and now.by is not None and now.by != member:
        raise NoteConflict(paper_id, now)
    s.execute(delete(Note).where(Note.paper_id == paper_id))
    saved = NoteInfo("", 0, None, None)
    if text:
        saved = NoteInfo(text, now.version + 1, member, utcnow())
        s.execute(
            insert(Note).values(
                paper_id=paper_id,
                body=text,
                updated_at=saved.at,
                note_by=member,
                version=saved.version,
            )
        )
    feed.append(s, [paper_id], "note")
    return saved


def set_flag(s: Session, ids: Sequence[int], column: str, value: bool) -> list[int]:
    """Set ``starred`` or ``read`` (the member's own in a team library); returns the ids
    whose value really changed (for undo)."""
    changed = personal.set_flags(s, ids, column, value)
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
