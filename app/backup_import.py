"""Restore a Paperdesk JSON export (``paperdesk export --format json``) on import.

Into an empty library the restore is exact: every paper with its id, fields, tags (and
their colours), note, star and read state, and ``added_at``. Into a library that already
holds some of the papers it merges like a page import does (by title), adding tags,
filling a missing note, and setting star/read where the backup has them set.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app import importer
from app.errors import PaperdeskError, RefusedFile
from app.export.to_json import FORMAT_ID, VERSION
from app.pageparse import title_key
from app.records import FileResult, utcnow
from db import Change, ImportRecord, Note, Paper, Tag, paper_tags

_CHUNK = 500
_FIELDS = ("title", "abstract", "authors_count", "organization", "published", "upvotes", "url")


def is_export(payload: Any) -> bool:
    return (
        isinstance(payload, dict)
        and payload.get("format") == FORMAT_ID
        and isinstance(payload.get("papers"), list)
    )


def restorer(name: object, payload: Any, as_of: date) -> Callable[[Session], FileResult]:
    """The write step restoring ``payload`` (a parsed JSON document), for the library's
    one-transaction import path. Raises :class:`RefusedFile` if it is not a valid Paperdesk
    export; nothing is written then."""
    if not is_export(payload):
        raise importer.refuse_json(name)
    papers, colors = validate(name, payload)
    # The file's bytes are not at hand here; the canonical JSON identifies the content.
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
    return lambda s: _store(s, name, digest, as_of, papers, colors)


def validate(name: object, payload: dict[str, Any]) -> tuple[list[dict[str, Any]], dict]:
    """Checked, typed paper rows and tag colours; :class:`RefusedFile` names the first
    bad paper and why."""
    from app.store.filters import normalise_tag

    version = payload.get("version")
    if not isinstance(version, int) or version < 1:
        raise RefusedFile(name, "is a Paperdesk export without a valid 'version'")
    if version > VERSION:
        raise RefusedFile(
            name, f"is a version {version} Paperdesk export; upgrade Paperdesk to import it"
        )
    colors: dict[str, str | None] = {}
    for n, t in enumerate(payload.get("tags") or [], 1):
        if not isinstance(t, dict) or not isinstance(t.get("name"), str):
            raise RefusedFile(name, f"tag {n} of the export is not a {{name, color}} record")
        try:
            colors[normalise_tag(t["name"])] = _opt(t.get("color"), str, "color")
        except (PaperdeskError, _Bad) as exc:
            raise RefusedFile(name, f"tag {n} of the export: {exc}") from None
    rows = []
    for n, raw in enumerate(payload["papers"], 1):
        try:
            rows.append(_paper(raw, normalise_tag))
        except (PaperdeskError, _Bad) as exc:
            label = raw.get("title") if isinstance(raw, dict) else None
            what = f"paper {n} ({label[:60]!r})" if isinstance(label, str) else f"paper {n}"
            raise RefusedFile(name, f"{what}: {exc}") from None
    return rows, colors


class _Bad(Exception):
    pass


def _opt(value: Any, kind: type, field: str) -> Any:
    if value is None or (isinstance(value, kind) and not isinstance(value, bool)):
        return value
    if kind is bool and isinstance(value, bool):
        return value
    raise _Bad(f"'{field}' must be {kind.__name__} or null, not {type(value).__name__}")


def _paper(raw: Any, normalise_tag) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _Bad("is not a JSON object")
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        raise _Bad("has no title")
    authors = _opt(raw.get("authors_count"), int, "authors_count")
    if authors is not None and authors <= 0:
        raise _Bad("'authors_count' must be positive")
    upvotes = _opt(raw.get("upvotes", 0), int, "upvotes") or 0
    if upvotes < 0:
        raise _Bad("'upvotes' cannot be negative")
    published = _opt(raw.get("published"), str, "published")
    added = _opt(raw.get("added_at"), str, "added_at")
    links = raw.get("links") or []
    tags = raw.get("tags") or []
    if not isinstance(links, list) or not all(isinstance(x, str) for x in links):
        raise _Bad("'links' must be a list of text")
    if not isinstance(tags, list) or not all(isinstance(x, str) for x in tags):
        raise _Bad("'tags' must be a list of text")
    pid = _opt(raw.get("id"), int, "id")
    try:
        day = date.fromisoformat(published) if published else None
        moment = datetime.fromisoformat(added) if added else None
    except ValueError as exc:
        raise _Bad(f"bad date: {exc}") from None
    if moment is not None and moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)  # stored naive UTC
    return {
        "id": pid if pid and pid > 0 else None,
        "title": title,
        "abstract": _opt(raw.get("abstract", ""), str, "abstract") or "",
        "authors_count": authors,
        "organization": _opt(raw.get("organization"), str, "organization"),
        "published": day,
        "upvotes": upvotes,
        "url": _opt(raw.get("url"), str, "url"),
        "links": [x for x in links if x],
        "tags": list(dict.fromkeys(normalise_tag(t) for t in tags)),
        "note": _opt(raw.get("note", ""), str, "note") or "",
        "starred": bool(_opt(raw.get("starred", False), bool, "starred")),
        "read": bool(_opt(raw.get("read", False), bool, "read")),
        "added_at": moment,
    }


def _chunks(seq: list, size: int = _CHUNK):
    for start in range(0, len(seq), size):
        yield seq[start : start + size]


def _store(
    s: Session,
    name: object,
    digest: str,
    as_of: date,
    papers: list[dict[str, Any]],
    colors: dict[str, str | None],
) -> FileResult:
    now = utcnow()
    result = FileResult(path=str(name), status="imported")

    # One row per title key (the library's identity of a paper); repeats merge.
    by_key: dict[str, dict[str, Any]] = {}
    for p in papers:
        key = title_key(p["title"])
        if key in by_key:
            _absorb(by_key[key], p)
        else:
            by_key[key] = p
    keys = list(by_key)

    existing: dict[str, dict[str, Any]] = {}
    cols = [Paper.id, Paper.title_key, Paper.links, Paper.starred, Paper.read]
    cols += [getattr(Paper, f) for f in _FIELDS]
    for chunk in _chunks(keys):
        for rec in s.execute(select(*cols).where(Paper.title_key.in_(chunk))).mappings():
            existing[rec["title_key"]] = dict(rec)

    tag_ids = _tag_ids(s, {t for p in by_key.values() for t in p["tags"]}, colors, now)

    # Keep the exported ids where they are free, so a restore into an empty library is
    # the same library, ids included.
    wanted = [p["id"] for k, p in by_key.items() if k not in existing and p["id"]]
    taken: set[int] = set()
    for chunk in _chunks(wanted):
        taken.update(s.scalars(select(Paper.id).where(Paper.id.in_(chunk))))
    fresh_with_id, fresh_without_id = [], []
    for key, p in by_key.items():
        if key in existing:
            continue
        row = {f: p[f] for f in _FIELDS}
        row.update(
            title_key=key,
            links="\n".join(p["links"]),
            starred=p["starred"],
            read=p["read"],
            added_at=p["added_at"] or now,
            updated_at=now,
        )
        if p["id"] and p["id"] not in taken:
            taken.add(p["id"])
            fresh_with_id.append({"id": p["id"], **row})
        else:
            fresh_without_id.append(row)
    for rows in (fresh_with_id, fresh_without_id):
        if rows:
            s.execute(insert(Paper), rows)
    ids: dict[str, int] = {k: e["id"] for k, e in existing.items()}
    new_keys = [r["title_key"] for r in fresh_with_id + fresh_without_id]
    for chunk in _chunks(new_keys):
        found = s.execute(select(Paper.title_key, Paper.id).where(Paper.title_key.in_(chunk)))
        ids.update((k, i) for k, i in found)

    merged, unchanged = _merge_existing(s, existing, by_key, now)

    # Tags and notes of every paper in the file (new papers have none yet).
    have: set[tuple[int, int]] = set()
    old_ids = [e["id"] for e in existing.values()]
    for chunk in _chunks(old_ids):
        have.update(
            (r.paper_id, r.tag_id)
            for r in s.execute(
                select(paper_tags.c.paper_id, paper_tags.c.tag_id).where(
                    paper_tags.c.paper_id.in_(chunk)
                )
            )
        )
    links = []
    for key, p in by_key.items():
        for t in p["tags"]:
            pair = (ids[key], tag_ids[t])
            if pair not in have:
                have.add(pair)
                links.append({"paper_id": pair[0], "tag_id": pair[1]})
                if key in existing:
                    merged.add(ids[key])
    if links:
        s.execute(insert(paper_tags), links)
    noted: set[int] = set()
    for chunk in _chunks(old_ids):
        noted.update(s.scalars(select(Note.paper_id).where(Note.paper_id.in_(chunk))))
    notes = []
    for key, p in by_key.items():
        if p["note"] and ids[key] not in noted:  # a note already there is never replaced
            notes.append({"paper_id": ids[key], "body": p["note"], "updated_at": now})
            if key in existing:
                merged.add(ids[key])
    if notes:
        s.execute(insert(Note), notes)

    new_ids = [ids[k] for k in new_keys]
    unchanged -= merged
    change_rows = [{"paper_id": i, "kind": "add", "at": now} for i in new_ids]
    change_rows += [{"paper_id": i, "kind": "merge", "at": now} for i in sorted(merged)]
    if change_rows:
        s.execute(insert(Change), change_rows)
    result.new, result.merged, result.unchanged = len(new_ids), len(merged), len(unchanged)
    result.paper_ids = [ids[k] for k in keys]
    s.add(
        ImportRecord(
            file_name=str(name),
            content_hash=digest,
            imported_at=now,
            as_of=as_of,
            papers_new=result.new,
            papers_merged=result.merged,
            papers_unchanged=result.unchanged,
        )
    )
    return result


def _absorb(into: dict[str, Any], p: dict[str, Any]) -> None:
    """A paper listed twice in one file: merge the second copy into the first."""
    into.update(importer.merge_values(into, p))
    into["tags"] = list(dict.fromkeys(into["tags"] + p["tags"]))
    into["note"] = into["note"] or p["note"]
    into["starred"] = into["starred"] or p["starred"]
    into["read"] = into["read"] or p["read"]


def _merge_existing(
    s: Session, existing: dict[str, dict[str, Any]], by_key: dict[str, dict[str, Any]], now
) -> tuple[set[int], set[int]]:
    merged: set[int] = set()
    for key, old in existing.items():
        p = by_key[key]
        changes = importer.merge_values(old, p)
        if "links" in changes:
            changes["links"] = "\n".join(changes["links"])
        for flag in ("starred", "read"):  # a backup only ever sets these, never clears
            if p[flag] and not old[flag]:
                changes[flag] = True
        if changes:
            s.execute(update(Paper).where(Paper.id == old["id"]).values(updated_at=now, **changes))
            merged.add(old["id"])
    return merged, {e["id"] for e in existing.values()}


def _tag_ids(
    s: Session, names: set[str], colors: dict[str, str | None], now: datetime
) -> dict[str, int]:
    out: dict[str, int] = {}
    created = False
    for name in sorted(names):
        key = name.casefold()
        tid = s.scalar(select(Tag.id).where(Tag.name_key == key))
        if tid is None:
            tid = s.scalar(
                insert(Tag)
                .values(name=name, name_key=key, color=colors.get(name), created_at=now)
                .returning(Tag.id)
            )
            created = True
        out[name] = tid  # type: ignore[assignment]
    if created:
        s.execute(insert(Change).values(paper_id=None, kind="tags", at=now))
    return out
