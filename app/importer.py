"""Read page files and merge their papers into the store, one transaction per file."""

from __future__ import annotations

import codecs
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app.errors import RefusedFile
from app.pageparse import ParsedPaper, parse_page, title_key
from app.records import FileResult, utcnow
from db import Change, ImportRecord, Paper

MAX_FILE_BYTES = 256 * 1024 * 1024
_CHUNK = 500  # bound parameters per IN (...) query, well under SQLite's limit

# Columns compared and filled by a merge.
_FIELDS = ("title", "abstract", "authors_count", "organization", "published", "upvotes", "url")


@dataclass
class PageText:
    text: str
    digest: str


def read_page(path: Path) -> PageText:
    """The text of a saved page, or :class:`RefusedFile` saying why it is not one."""
    try:
        if path.is_dir():
            raise RefusedFile(path, "is a folder, not a file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise RefusedFile(path, f"too large ({size // 2**20} MB) to be a saved page")
        data = path.read_bytes()
    except OSError as exc:
        raise RefusedFile(path, f"cannot be read: {exc.strerror or exc}") from None
    return decode_page(path, data)


def decode_page(path: object, data: bytes) -> PageText:
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise RefusedFile(path, "is empty")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise RefusedFile(path, "is not valid UTF-16 text") from None
    else:
        if b"\x00" in data:
            raise RefusedFile(path, "is a binary file, not a saved text page")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RefusedFile(
                path, f"is not UTF-8 text (undecodable byte at offset {exc.start})"
            ) from None
    if "\x00" in text or _control_ratio(text) > 0.01:
        raise RefusedFile(path, "is a binary file, not a saved text page")
    head = text.lstrip().lower()
    if head.startswith(("<!doctype html", "<html", "<?xml", "<head", "<body")):
        raise RefusedFile(path, "is an HTML page; save the Daily Papers page as text instead")
    return PageText(text, digest)


def _control_ratio(text: str) -> float:
    sample = text[:100_000]
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t\f\v")
    return bad / max(1, len(sample))


def json_payload(text: str) -> Any | None:
    """The parsed JSON if the text is a JSON document, else None."""
    head = text.lstrip()[:1]
    if head not in ("{", "["):
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def parse_text(path: object, text: str, as_of: date) -> tuple[list[ParsedPaper], list[str]]:
    if json_payload(text) is not None:
        raise RefusedFile(path, "is JSON, but not a Paperdesk export (no 'papers' list)")
    page = parse_page(text, as_of)
    if not page.papers or len(page.problems) > 2 * len(page.papers):
        raise RefusedFile(
            path,
            "holds no recognisable paper (expected a saved Daily Papers page: "
            "a title line, then its abstract)",
        )
    return page.papers, page.problems


def _dedupe(papers: list[ParsedPaper]) -> dict[str, dict[str, Any]]:
    """Papers of one file by title key, merging repeats within the file."""
    out: dict[str, dict[str, Any]] = {}
    for p in papers:
        row = {
            "title": p.title,
            "abstract": p.abstract,
            "authors_count": p.authors_count,
            "organization": p.organization,
            "published": p.published,
            "upvotes": p.upvotes,
            "url": None,
            "links": p.links,
        }
        key = title_key(p.title)
        if key in out:
            merged = merge_values(out[key], row)
            if merged:
                out[key].update(merged)
        else:
            out[key] = row
    return out


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


def _links_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [x for x in value.split("\n") if x]
    return list(value or [])


def store_papers(
    session: Session, path: object, digest: str, as_of: date, rows: dict[str, dict[str, Any]]
) -> FileResult:
    """Insert or merge ``rows`` (by title key) inside the caller's transaction."""
    now = utcnow()
    result = FileResult(path=str(path), status="imported")
    keys = list(rows)
    existing: dict[str, dict[str, Any]] = {}
    cols = [Paper.id, Paper.title_key, Paper.links, *(getattr(Paper, f) for f in _FIELDS)]
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        for rec in session.execute(select(*cols).where(Paper.title_key.in_(chunk))).mappings():
            existing[rec["title_key"]] = dict(rec)

    fresh = []
    updates = []
    unchanged_ids = []
    for key, row in rows.items():
        old = existing.get(key)
        if old is None:
            fresh.append(
                {
                    **row,
                    "title_key": key,
                    "links": "\n".join(row["links"]),
                    "starred": False,
                    "read": False,
                    "added_at": now,
                    "updated_at": now,
                }
            )
            continue
        changes = merge_values(old, row)
        if changes:
            if "links" in changes:
                changes["links"] = "\n".join(changes["links"])
            updates.append({"id": old["id"], "updated_at": now, **changes})
        else:
            unchanged_ids.append(old["id"])

    new_ids: list[int] = []
    if fresh:
        # Plain executemany, then look the ids up: portable, and much faster than
        # RETURNING through SQLAlchemy's insertmanyvalues for 100k rows.
        session.execute(Paper.__table__.insert(), fresh)
        fresh_keys = [r["title_key"] for r in fresh]
        ids_by_key: dict[str, int] = {}
        for start in range(0, len(fresh_keys), _CHUNK):
            chunk = fresh_keys[start : start + _CHUNK]
            ids_by_key.update(
                session.execute(
                    select(Paper.title_key, Paper.id).where(Paper.title_key.in_(chunk))
                ).all()
            )
        new_ids = [ids_by_key[k] for k in fresh_keys]
    for upd in updates:  # rows differ in which columns change; one statement each
        session.execute(update(Paper).where(Paper.id == upd["id"]).values(**upd))
    merged_ids = [u["id"] for u in updates]
    changes_rows = [{"paper_id": i, "kind": "add", "at": now} for i in new_ids]
    changes_rows += [{"paper_id": i, "kind": "merge", "at": now} for i in merged_ids]
    if changes_rows:
        session.execute(Change.__table__.insert(), changes_rows)
    result.new, result.merged, result.unchanged = len(new_ids), len(merged_ids), len(unchanged_ids)
    result.paper_ids = new_ids + merged_ids + unchanged_ids
    session.add(
        ImportRecord(
            file_name=str(path),
            content_hash=digest,
            imported_at=now,
            as_of=as_of,
            papers_new=result.new,
            papers_merged=result.merged,
            papers_unchanged=result.unchanged,
        )
    )
    return result


def prepare_rows(
    path: object, text: str, as_of: date
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    papers, problems = parse_text(path, text, as_of)
    return _dedupe(papers), problems
