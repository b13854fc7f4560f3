"""Which papers a view shows, and the one rule for tag names (display form and key)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.errors import BadTagName
from db.models import TAG_NAME_MAX


@dataclass(frozen=True)
class PaperFilter:
    """Which papers a view shows; every part is optional and they combine with AND."""

    tags: tuple[str, ...] = ()
    match: str = "all"  # "all" | "any" of ``tags``
    starred: bool | None = None
    read: bool | None = None
    untagged: bool = False
    added_since: datetime | None = None
    ids: tuple[int, ...] | None = None  # restrict to these (e.g. search hits)
    # The Trash: False (default) leaves trashed papers out, True lists only them, None both.
    # (``flt=None`` given to a store read means every stored paper, trash included: what
    # the search index mirrors; any PaperFilter is the library as the user sees it.)
    trashed: bool | None = False


def normalise_tag(name: str) -> str:
    """Trim and check a tag name; raise :class:`BadTagName` with the reason."""
    if not isinstance(name, str):
        raise BadTagName("a tag name must be text")
    clean = " ".join(name.split())
    if not clean:
        raise BadTagName("a tag name cannot be empty or only spaces")
    if len(clean) > TAG_NAME_MAX:
        raise BadTagName(f"tag name {clean[:20]!r}… is longer than {TAG_NAME_MAX} characters")
    return clean


def tag_key(name: str) -> str:
    """The case-insensitive identity of a tag name (its stored ``name_key``)."""
    return normalise_tag(name).casefold()
