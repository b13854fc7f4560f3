"""Tag operations and their invertible deltas (the window's undo stack keeps them).

Every operation runs inside the caller's write transaction and returns a :class:`TagDelta`:
``apply(s, delta.inverse())`` undoes it and ``apply(s, delta)`` redoes it, including a
deleted or merged tag's id, colour and papers. :func:`create_tag` is the one way a tag row
is made (by an operation, an undo, or an import).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from app.errors import PaperdeskError, UnknownTag
from app.records import utcnow
from app.store import feed
from app.store.changes import Changes
from app.store.filters import normalise_tag, tag_key
from app.store.queries import CHUNK
from db import Paper, Tag, TagRename, paper_tags
from db.engine import insert_new


@dataclass(frozen=True)
class TagMeta:
    """A tag's identity and looks, as stored (what re-creating it needs)."""

    id: int
    name: str
    color: str | None
    created_at: datetime


@dataclass
class TagDelta:
    """An exact change to tags; ``inverse()`` is the change that undoes it.

    ``changes`` is what the write that produced (or applied) it committed; it takes no part
    in comparisons and is not carried over by ``inverse()``.
    """

    create: list[TagMeta] = field(default_factory=list)
    drop: list[TagMeta] = field(default_factory=list)
    update: list[tuple[TagMeta, TagMeta]] = field(default_factory=list)
    link: list[tuple[int, int]] = field(default_factory=list)  # (paper id, tag id)
    unlink: list[tuple[int, int]] = field(default_factory=list)
    merged: bool = False  # a rename that merged into an existing tag
    changes: Changes = field(default_factory=Changes, compare=False, repr=False)

    def inverse(self) -> TagDelta:
        return TagDelta(
            create=list(self.drop),
            drop=list(self.create),
            update=[(after, before) for before, after in self.update],
            link=list(self.unlink),
            unlink=list(self.link),
            merged=self.merged,
        )

    def __bool__(self) -> bool:
        return bool(self.create or self.drop or self.update or self.link or self.unlink)

    @property
    def paper_ids(self) -> list[int]:
        return sorted({p for p, _ in self.link} | {p for p, _ in self.unlink})


# -- reading inside a transaction -------------------------------------------------------------


def unique_names(names: Sequence[str]) -> list[str]:
    """Checked, trimmed names, one per case-insensitive key, in the order given."""
    out: dict[str, str] = {}
    for raw in names:
        name = normalise_tag(raw)
        out.setdefault(tag_key(name), name)
    return list(out.values())


def meta(s: Session, name: str) -> TagMeta | None:
    row = s.execute(
        select(Tag.id, Tag.name, Tag.color, Tag.created_at).where(Tag.name_key == tag_key(name))
    ).first()
    return TagMeta(*row) if row else None


# How long a renamed tag's old name still names it (team issue 13): a member who tags
# with the old name meanwhile had not seen the rename (a live window sees it within a
# second; a script started before it may run for minutes) and means the renamed tag.
# After that the old name is free again: tagging with it makes a new tag.
RENAME_GRACE = timedelta(minutes=10)


def resolve(s: Session, name: str) -> TagMeta | None:
    """The tag ``name`` names: its own, or a tag renamed from it within
    :data:`RENAME_GRACE` (so a rename and a tagging with the old name at once end in one
    tag on all the papers)."""
    found = meta(s, name)
    if found is not None:
        return found
    since = utcnow() - RENAME_GRACE
    row = s.execute(
        select(Tag.id, Tag.name, Tag.color, Tag.created_at)
        .join(TagRename, TagRename.tag_id == Tag.id)
        .where(TagRename.old_key == tag_key(name), TagRename.renamed_at >= since)
    ).first()
    return TagMeta(*row) if row else None


def _remember_rename(s: Session, old: TagMeta, into: int) -> None:
    """``old``'s name now names tag ``into`` (for :func:`resolve`)."""
    key = tag_key(old.name)
    s.execute(update(TagRename).where(TagRename.tag_id == old.id).values(tag_id=into))
    s.execute(delete(TagRename).where(TagRename.old_key == key))
    s.execute(insert(TagRename).values(old_key=key, tag_id=into, renamed_at=utcnow()))


def require(s: Session, name: str) -> TagMeta:
    found = meta(s, name)
    if found is None:
        raise UnknownTag(normalise_tag(name))
    return found


def all_ids_with_tag(s: Session, tid: int) -> list[int]:
    return list(
        s.scalars(
            select(paper_tags.c.paper_id)
            .where(paper_tags.c.tag_id == tid)
            .order_by(paper_tags.c.paper_id)
        )
    )


def ids_with_tag(s: Session, tid: int, ids: Sequence[int]) -> list[int]:
    out: list[int] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        out += s.scalars(
            select(paper_tags.c.paper_id).where(
                paper_tags.c.tag_id == tid, paper_tags.c.paper_id.in_(chunk)
            )
        )
    return out


# -- the one way to make a tag ------------------------------------------------------------------


def create_tag(
    s: Session,
    name: str,
    color: str | None = None,
    created_at: datetime | None = None,
    tag_id: int | None = None,
) -> TagMeta:
    """Insert a tag row; ``tag_id`` is kept if free (an undo restoring a tag), else the
    database assigns one. ``name`` must be normalised and not yet taken."""
    created_at = created_at or utcnow()
    values: dict[str, Any] = {
        "name": name,
        "name_key": tag_key(name),
        "color": color,
        "created_at": created_at,
    }
    if tag_id is not None and s.scalar(select(Tag.id).where(Tag.id == tag_id)) is None:
        values["id"] = tag_id
    new_id = s.scalar(insert(Tag).values(**values).returning(Tag.id))
    assert new_id is not None
    return TagMeta(new_id, name, color, created_at)


def ensure_tags(
    s: Session, names: Iterable[str], colors: dict[str, str | None] | None = None
) -> dict[str, int]:
    """Ids of tags ``names`` (normalised), creating the missing ones (with ``colors``)."""
    out: dict[str, int] = {}
    created = False
    for name in sorted(set(names)):
        found = meta(s, name)
        if found is None:
            found = create_tag(s, name, (colors or {}).get(name))
            created = True
        out[name] = found.id
    if created:
        feed.append(s, [None], "tags")
    return out


# -- operations (each inside the caller's write transaction) ---------------------------------


def add(s: Session, ids: Sequence[int], names: Sequence[str]) -> TagDelta:
    """Tag papers ``ids`` (checked to exist) with ``names``, creating tags on the fly."""
    delta = TagDelta()
    for name in unique_names(names):
        found = resolve(s, name)
        if found is None:
            found = create_tag(s, name)
            delta.create.append(found)
            had: set[int] = set()
        else:
            had = set(ids_with_tag(s, found.id, ids))
        delta.link += [(i, found.id) for i in ids if i not in had]
    return apply(s, delta)


def remove(s: Session, ids: Sequence[int], names: Sequence[str]) -> TagDelta:
    delta = TagDelta()
    for name in unique_names(names):
        found = resolve(s, name)
        if found is None:
            raise UnknownTag(normalise_tag(name))
        delta.unlink += [(i, found.id) for i in ids_with_tag(s, found.id, ids)]
    return apply(s, delta)


def rename(s: Session, old: str, new: str) -> TagDelta:
    """Rename a tag; onto an existing tag's name it merges (``delta.merged``)."""
    new = normalise_tag(new)
    src = require(s, old)
    dst = meta(s, new)
    delta = TagDelta()
    if dst is None or dst.id == src.id:
        if src.name != new:
            delta.update.append((src, TagMeta(src.id, new, src.color, src.created_at)))
    else:
        carried = all_ids_with_tag(s, src.id)
        on_dst = set(all_ids_with_tag(s, dst.id))
        delta.link = [(i, dst.id) for i in carried if i not in on_dst]
        delta.unlink = [(i, src.id) for i in carried]
        delta.drop = [src]
        delta.merged = True
    if tag_key(new) != tag_key(src.name):
        _remember_rename(s, src, src.id if dst is None else dst.id)
    s.execute(delete(TagRename).where(TagRename.old_key == tag_key(new)))
    return apply(s, delta)


def delete_tag(s: Session, name: str) -> TagDelta:
    found = require(s, name)
    delta = TagDelta(unlink=[(i, found.id) for i in all_ids_with_tag(s, found.id)], drop=[found])
    return apply(s, delta)


def set_color(s: Session, name: str, color: str | None) -> TagDelta:
    found = require(s, name)
    delta = TagDelta()
    if found.color != color:
        delta.update.append((found, TagMeta(found.id, found.name, color, found.created_at)))
    return apply(s, delta)


def apply(s: Session, delta: TagDelta) -> TagDelta:
    """Create, update, link, unlink, drop — in that order, idempotently — and log it in
    the feed. Returns the delta as applied (a re-created tag may get a new id)."""
    # A tag is the same tag if its id *and* creation time match: SQLite reuses the
    # highest free id, so an id alone may name a tag created since by someone else.
    remap: dict[int, int] = {}
    created = []
    for m in delta.create:
        named = s.execute(
            select(Tag.id, Tag.created_at).where(Tag.name_key == tag_key(m.name))
        ).first()
        if named is not None and tuple(named) != (m.id, m.created_at):
            raise PaperdeskError(f"cannot restore tag {m.name!r}: another tag has that name now")
        if named is None:
            made = create_tag(s, m.name, m.color, m.created_at, tag_id=m.id)
            if made.id != m.id:
                remap[m.id] = made.id
            m = made
        created.append(m)
    if remap:
        moved = lambda pairs: [(p, remap.get(t, t)) for p, t in pairs]  # noqa: E731
        delta = TagDelta(
            create=created,
            drop=delta.drop,
            update=delta.update,
            link=moved(delta.link),
            unlink=moved(delta.unlink),
            merged=delta.merged,
        )
    for _before, after in delta.update:
        taken = s.scalar(select(Tag.id).where(Tag.name_key == tag_key(after.name)))
        if taken is not None and taken != after.id:
            raise PaperdeskError(f"cannot rename a tag to {after.name!r}: that name is taken")
        s.execute(
            update(Tag)
            .where(Tag.id == after.id)
            .values(name=after.name, name_key=tag_key(after.name), color=after.color)
        )
    for tid, pids in _by_tag(delta.link).items():
        had = set(ids_with_tag(s, tid, pids))
        alive: set[int] = set()
        for start in range(0, len(pids), CHUNK):
            chunk = pids[start : start + CHUNK]
            alive.update(s.scalars(select(Paper.id).where(Paper.id.in_(chunk))))
        by = feed.member_of(s)
        rows = [
            {"paper_id": p, "tag_id": tid, "tagged_by": by}
            for p in pids
            if p in alive and p not in had
        ]
        if rows:
            # A set operation: a link another member made first stays, never an error.
            s.execute(insert_new(s, paper_tags), rows)
    for tid, pids in _by_tag(delta.unlink).items():
        for start in range(0, len(pids), CHUNK):
            s.execute(
                delete(paper_tags).where(
                    paper_tags.c.tag_id == tid,
                    paper_tags.c.paper_id.in_(pids[start : start + CHUNK]),
                )
            )
    for m in delta.drop:
        this_tag = (Tag.id == m.id) & (Tag.created_at == m.created_at)
        if s.scalar(select(Tag.id).where(this_tag)) is not None:
            s.execute(delete(paper_tags).where(paper_tags.c.tag_id == m.id))
            s.execute(delete(Tag).where(this_tag))
    _log(s, delta)
    return delta


def _by_tag(pairs: list[tuple[int, int]]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for pid, tid in pairs:
        out.setdefault(tid, []).append(pid)
    return out


def _log(s: Session, delta: TagDelta) -> None:
    """Feed rows for exactly what a view or the index must redo: ``tag`` for each paper
    whose tag text changed, ``tags`` when names changed, ``color`` when only looks did."""
    papers = set(delta.paper_ids)
    renamed = colored = False
    for before, after in delta.update:
        if before.name != after.name:  # a renamed tag reads anew on all its papers
            renamed = True
            papers.update(all_ids_with_tag(s, after.id))
        if before.color != after.color:
            colored = True
    feed.append(s, sorted(papers), "tag")
    if delta.create or delta.drop or renamed:
        feed.append(s, [None], "tags")
    if colored:
        feed.append(s, [None], "color")


@dataclass(frozen=True)
class Renamed:
    """A rename's outcome: true if it merged into an existing tag; its ``Changes``."""

    merged: bool
    changes: Changes

    def __bool__(self) -> bool:
        return self.merged
