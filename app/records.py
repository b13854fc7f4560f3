"""Plain records handed out by the Library facade (no ORM objects leave app/).

Light on purpose: this module imports only the standard library and ``app.store.changes``
(plain dataclasses), so views, workers and tests can use the records without loading the
database or search stack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from app.store.changes import Changes

# The JSON backup (``export --format json``) names its form; ``import`` restores it.
BACKUP_FORMAT_ID = "paperdesk-export"
BACKUP_VERSION = 1


@dataclass(frozen=True)
class PaperRecord:
    id: int
    title: str
    abstract: str
    authors_count: int | None
    organization: str | None
    published: date | None
    upvotes: int
    url: str | None
    links: list[str]
    tags: list[str]
    note: str
    starred: bool
    read: bool
    added_at: datetime
    trashed: bool = False  # in the Trash (issue 14): out of every view until restored

    def to_json(self, exact: bool = False) -> dict[str, Any]:
        """The paper's JSON fields, as DESIGN.md names them (the one paper → JSON).
        ``exact``: ``added_at`` keeps its microseconds, so a backup restores exactly."""
        return {
            "id": self.id,
            "title": self.title,
            "abstract": self.abstract,
            "authors_count": self.authors_count,
            "organization": self.organization,
            "published": self.published.isoformat() if self.published else None,
            "upvotes": self.upvotes,
            "url": self.url,
            "links": list(self.links),
            "tags": list(self.tags),
            "note": self.note,
            "starred": self.starred,
            "read": self.read,
            "added_at": iso_utc(self.added_at, "auto" if exact else "seconds"),
            "trashed": self.trashed,
        }


def metadata_line(
    p: PaperRecord, day_format: str = "%Y-%m-%d", escape: Callable[[str], str] = str
) -> str:
    """The paper's one-line summary — published day, authors, organisation, upvotes,
    starred, read — for the CLI, the reader and the HTML export alike. ``escape`` is
    applied to the one piece of free text (the organisation) for HTML callers."""
    parts = []
    if p.published:
        parts.append(f"published {p.published.strftime(day_format)}")
    if p.authors_count:
        parts.append(f"{p.authors_count} authors")
    if p.organization:
        parts.append(escape(p.organization))
    parts.append(f"{p.upvotes} upvotes")
    parts.append("★ starred" if p.starred else "not starred")
    parts.append("read" if p.read else "unread")
    return " · ".join(parts)


def iso_utc(moment: datetime, timespec: str = "seconds") -> str:
    """Stored datetimes are naive UTC; show them as ISO 8601 with the offset."""
    return moment.replace(tzinfo=timezone.utc).isoformat(timespec=timespec)


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class TagInfo:
    name: str
    count: int
    color: str | None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "count": self.count, "color": self.color}


@dataclass
class FileResult:
    """What one file brought: counts, or the reason it was refused."""

    path: str
    status: str  # "imported" | "refused"
    new: int = 0
    merged: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)  # lines not read as a paper
    reason: str | None = None
    paper_ids: list[int] = field(default_factory=list)
    changes: Changes = field(default_factory=Changes, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "status": self.status,
            "new": self.new,
            "merged": self.merged,
            "unchanged": self.unchanged,
            "skipped": list(self.skipped),
            "reason": self.reason,
        }


@dataclass
class ImportReport:
    files: list[FileResult] = field(default_factory=list)

    @property
    def new(self) -> int:
        return sum(f.new for f in self.files)

    @property
    def merged(self) -> int:
        return sum(f.merged for f in self.files)

    @property
    def unchanged(self) -> int:
        return sum(f.unchanged for f in self.files)

    @property
    def changes(self) -> Changes:
        """What the import committed, every file's changes together."""
        out = Changes()
        for f in self.files:
            out = out.merge(f.changes)
        return out

    @property
    def refused(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "refused"]

    def summary(self) -> str:
        text = f"{self.new} new, {self.merged} merged, {self.unchanged} unchanged"
        if self.files and not self.new and not self.merged and not self.refused:
            text += " (nothing new: every paper was already in the library)"
        if self.refused:
            text += f"; {len(self.refused)} file(s) refused"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "merged": self.merged,
            "unchanged": self.unchanged,
            "refused": len(self.refused),
            "files": [f.to_json() for f in self.files],
        }
