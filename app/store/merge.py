"""The one merge writer: every importer hands its parsed papers here.

A paper is identified by its title key. A paper not yet in the library is inserted; one
already there is *merged*: the longer abstract wins, missing metadata is filled in, the
highest upvote count and new links are kept. Annotations are never taken away: a backup's
tags are added, its note fills only a missing note, its star/read flags are only ever set.

Rows are plain dicts with the paper fields (``title, abstract, authors_count,
organization, published, upvotes, url, links``) and optionally ``id`` (kept where free),
``tags``, ``note``, ``starred``, ``read``, ``added_at`` — what a richer form carries.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app.records import FileResult, utcnow
from app.store import feed, tags
from app.store.edits import edited_set
from app.store.queries import CHUNK
from db import ImportRecord, Note, Paper, paper_tags
from db.engine import bulk_insert

FIELDS = ("title", "abstract", "authors_count", "organization", "published", "upvotes", "url")
FLAGS = ("starred", "read")
PROGRESS = "paperdesk.import_progress"  # session.info: called with the papers read so far


def title_key(title: str) -> str:
    """The identity of a work: NFKC, case-folded, punctuation and whitespace collapsed."""
    text = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(re.findall(r"\w+", text))


def merge_values(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The changes a newly seen copy brings to ``old``: the longer abstract, missing
    metadata filled in, the highest upvote count, links added. Annotations never change."""
    changes: dict[str, Any] = {}
    if len(new["abstract"] or "") > len(old["abstract"] or ""):
        changes["abstract"] = new["abstract"]
    for name in ("authors_count", "organization", "published", "url"):
        if old[name] is None and new[name] is not None:
            changes[name] = new[name]
    if (new["upvotes"] or 0) > (old["upvotes"] or 0):
        changes["upvotes"] = new["upvotes"]
    old_links = _links_list(old["links"])
    extra = [u for u in _links_list(new["links"]) if u not in old_links]
    if extra:
        changes["links"] = old_links + extra
    return changes


def absorb(by_key: dict[str, dict[str, Any]], key: str, row: dict[str, Any]) -> None:
    """Add ``row`` to one file's papers; a paper listed twice merges into its first copy."""
    into = by_key.get(key)
    if into is None:
        by_key[key] = row
        return
    into.update(merge_values(into, row))
    if row.get("tags"):
        into["tags"] = list(dict.fromkeys([*into.get("tags", ()), *row["tags"]]))
    if row.get("note") and not into.get("note"):
        into["note"] = row["note"]
    for flag in FLAGS:
        if row.get(flag):
            into[flag] = True


def merge(
    s: Session,
    by_key: dict[str, dict[str, Any]],
    result: FileResult,
    seen_new: set[int],
    colors: dict[str, str | None] | None = None,
) -> None:
    """Insert or merge ``by_key`` (papers by title key) inside the caller's transaction,
    adding the counts to ``result``; logs ``add``/``merge`` in the feed. ``seen_new``: ids
    this file created in an earlier batch (seeing one again is not a merge)."""
    now = utcnow()
    keys = list(by_key)
    existing: dict[str, dict[str, Any]] = {}
    cols = [Paper.id, Paper.title_key, Paper.links, Paper.starred, Paper.read, Paper.edited_fields]
    cols += [getattr(Paper, f) for f in FIELDS]
    for chunk in _chunks(keys):
        for rec in s.execute(select(*cols).where(Paper.title_key.in_(chunk))).mappings():
            existing[rec["title_key"]] = dict(rec)

    # New papers keep the id they bring where it is free (a backup restored into an empty
    # library is the same library, ids included).
    wanted = [r["id"] for k, r in by_key.items() if k not in existing and r.get("id")]
    taken: set[int] = set()
    for chunk in _chunks(wanted):
        taken.update(s.scalars(select(Paper.id).where(Paper.id.in_(chunk))))
    with_id: list[dict[str, Any]] = []
    without_id: list[dict[str, Any]] = []
    for key, r in by_key.items():
        if key in existing:
            continue
        row = {f: r[f] for f in FIELDS}
        row.update(
            title_key=key,
            links="\n".join(r["links"]),
            starred=bool(r.get("starred")),
            read=bool(r.get("read")),
            added_at=r.get("added_at") or now,
            updated_at=now,
        )
        pid = r.get("id")
        if pid and pid not in taken:
            taken.add(pid)
            with_id.append({"id": pid, **row})
        else:
            without_id.append(row)
    # Plain executemany, then look the ids up: portable, and far faster than RETURNING
    # through SQLAlchemy's insertmanyvalues for many rows.
    bulk_insert(s, Paper.__table__, with_id)
    bulk_insert(s, Paper.__table__, without_id)
    ids: dict[str, int] = {k: e["id"] for k, e in existing.items()}
    new_keys = [r["title_key"] for r in with_id + without_id]
    for chunk in _chunks(new_keys):
        found = s.execute(select(Paper.title_key, Paper.id).where(Paper.title_key.in_(chunk)))
        ids.update((k, i) for k, i in found)
    new_ids = [ids[k] for k in new_keys]

    updated: set[int] = set()
    for key, old in existing.items():
        r = by_key[key]
        changes = merge_values(old, r)
        for name in edited_set(old["edited_fields"]):  # the user's edits win over imports
            changes.pop(name, None)
        if "links" in changes:
            changes["links"] = "\n".join(changes["links"])
        for flag in FLAGS:
            if r.get(flag) and not old[flag]:
                changes[flag] = True
        if changes:  # rows differ in which columns change; one statement each
            s.execute(update(Paper).where(Paper.id == old["id"]).values(updated_at=now, **changes))
            updated.add(old["id"])
    updated |= _add_annotations(s, by_key, ids, existing, colors)

    feed.append(s, new_ids, "add")
    feed.append(s, sorted(updated), "merge")
    seen_before = set(seen_new)
    seen_new.update(new_ids)
    old_ids = {e["id"] for e in existing.values()} - seen_before
    result.new += len(new_ids)
    result.merged += len(updated & old_ids)
    result.unchanged += len(old_ids - updated)
    result.paper_ids += [ids[k] for k in keys if ids[k] not in seen_before]
    progress = s.info.get(PROGRESS)  # papers read so far in this file (progress bars)
    if progress is not None:
        progress(result.new + result.merged + result.unchanged)


def _add_annotations(
    s: Session,
    by_key: dict[str, dict[str, Any]],
    ids: dict[str, int],
    existing: dict[str, dict[str, Any]],
    colors: dict[str, str | None] | None,
) -> set[int]:
    """Add the rows' tags and fill missing notes; the existing papers this changed."""
    names = {t for r in by_key.values() for t in r.get("tags", ())}
    notes = {k for k, r in by_key.items() if r.get("note")}
    if not names and not notes:
        return set()
    changed: set[int] = set()
    old_ids = [e["id"] for e in existing.values()]
    if names:
        tag_ids = tags.ensure_tags(s, names, colors)
        have: set[tuple[int, int]] = set()
        for chunk in _chunks(old_ids):
            have.update(
                (pid, tid)
                for pid, tid in s.execute(
                    select(paper_tags.c.paper_id, paper_tags.c.tag_id).where(
                        paper_tags.c.paper_id.in_(chunk)
                    )
                )
            )
        links = []
        for key, r in by_key.items():
            for t in r.get("tags", ()):
                pair = (ids[key], tag_ids[t])
                if pair not in have:
                    have.add(pair)
                    links.append({"paper_id": pair[0], "tag_id": pair[1]})
                    if key in existing:
                        changed.add(ids[key])
        if links:
            s.execute(insert(paper_tags), links)
    if notes:
        noted: set[int] = set()
        for chunk in _chunks(old_ids):
            noted.update(s.scalars(select(Note.paper_id).where(Note.paper_id.in_(chunk))))
        now = utcnow()
        rows = []
        for key in notes:
            if ids[key] not in noted:  # a note already there is never replaced
                rows.append({"paper_id": ids[key], "body": by_key[key]["note"], "updated_at": now})
                if key in existing:
                    changed.add(ids[key])
        if rows:
            s.execute(insert(Note), rows)
    return changed


def record_import(s: Session, name: object, digest: str, as_of: date, result: FileResult) -> None:
    """The import record of one file (what it was and what it brought)."""
    s.add(
        ImportRecord(
            file_name=str(name),
            content_hash=digest,
            imported_at=utcnow(),
            as_of=as_of,
            papers_new=result.new,
            papers_merged=result.merged,
            papers_unchanged=result.unchanged,
        )
    )


def _links_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [x for x in value.split("\n") if x]
    return list(value or [])


def _chunks(seq: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(seq), size):
        yield seq[start : start + size]
