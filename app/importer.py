"""Read page files and merge their papers into the store, one transaction per file."""

from __future__ import annotations

import codecs
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.errors import RefusedFile
from app.pageparse import ParsedPaper, iter_papers, title_key
from app.records import FileResult, utcnow
from db import Change, ImportRecord, Paper
from db.engine import bulk_insert

MAX_FILE_BYTES = 256 * 1024 * 1024
_CHUNK = 500  # bound parameters per IN (...) query, well under SQLite's limit

# Columns compared and filled by a merge.
_FIELDS = ("title", "abstract", "authors_count", "organization", "published", "upvotes", "url")


SNIFF_BYTES = 64 * 1024
READ_CHUNK = 1024 * 1024
BATCH = 5_000  # papers per INSERT batch: bounds memory, keeps executemany efficient


class PageSource:
    """A page file checked at its start, then read line by line (hashing as it goes), so
    that a large page is never held in memory whole."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._hash = hashlib.sha256()
        try:
            if path.is_dir():
                raise RefusedFile(path, "is a folder, not a file")
            size = path.stat().st_size
            with path.open("rb") as fh:
                head = fh.read(SNIFF_BYTES)
        except OSError as exc:
            raise RefusedFile(path, f"cannot be read: {exc.strerror or exc}") from None
        if size > MAX_FILE_BYTES:
            raise RefusedFile(path, f"is too large ({size // 2**20} MB) to be a saved page")
        self.utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        # The whole text, only for the rare kinds that need it at once (UTF-16, JSON).
        self.whole: str | None = None
        if self.utf16:
            self.whole = decode_page(path, path.read_bytes()).text
            head_text = self.whole[:SNIFF_BYTES]
        else:
            sniff_checks(path, head, complete=size <= SNIFF_BYTES)
            head_text = head.decode("utf-8-sig", errors="ignore")
        if head_text.lstrip()[:1] in ("{", "["):
            self.whole = self.whole or decode_page(path, path.read_bytes()).text
        self.json = json_payload(self.whole) if self.whole is not None else None

    @property
    def digest(self) -> str:
        return self._hash.hexdigest()

    def lines(self) -> Iterator[str]:
        """Decoded lines; :class:`RefusedFile` at the first byte that is not UTF-8."""
        if self.whole is not None:
            self._hash.update(self.whole.encode("utf-8", "surrogatepass"))
            yield from self.whole.splitlines()
            return
        decoder = codecs.getincrementaldecoder("utf-8-sig")()
        tail = ""
        done = 0  # bytes decoded so far, to say where a bad byte is
        try:
            with self.path.open("rb") as fh:
                while chunk := fh.read(READ_CHUNK):
                    self._hash.update(chunk)
                    if b"\x00" in chunk:
                        raise RefusedFile(self.path, "holds binary data (a NUL byte)")
                    try:
                        text = tail + decoder.decode(chunk)
                    except UnicodeDecodeError as exc:
                        raise RefusedFile(
                            self.path,
                            f"is not UTF-8 text (undecodable byte at offset {done + exc.start})",
                        ) from None
                    done += len(chunk)
                    # str.splitlines also splits on a lone CR and Unicode line separators;
                    # the last piece may be cut mid-line, so it waits for the next chunk.
                    lines = text.splitlines()
                    tail = lines.pop() if lines and not text.endswith(("\n", "\r")) else ""
                    yield from lines
                text = tail + decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise RefusedFile(
                self.path, "is not UTF-8 text (the file ends mid-character)"
            ) from None
        except OSError as exc:
            raise RefusedFile(self.path, f"cannot be read: {exc.strerror or exc}") from None
        yield from text.splitlines()


def sniff_checks(path: object, head: bytes, complete: bool) -> None:
    """Refuse empty, binary and HTML files from their first bytes."""
    if not head.strip():
        raise RefusedFile(path, "is empty")
    if b"\x00" in head:
        raise RefusedFile(path, "is a binary file, not a saved text page")
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if complete or exc.start < len(head) - 4:  # not just a character cut at the end
            raise RefusedFile(
                path, f"is not UTF-8 text (undecodable byte at offset {exc.start})"
            ) from None
        text = head[: exc.start].decode("utf-8-sig")
    check_text_head(path, text)


def check_text_head(path: object, text: str) -> None:
    if _control_ratio(text) > 0.01:
        raise RefusedFile(path, "is a binary file, not a saved text page")
    head = text[:512].lstrip().lower()
    if head.startswith(("<!doctype html", "<html", "<?xml", "<head", "<body")):
        raise RefusedFile(path, "is an HTML page; save the Daily Papers page as text instead")


def decode_page(path: object, data: bytes) -> PageText:
    """Whole-file decoding (UTF-8 with or without BOM, or UTF-16 with BOM) and checks."""
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise RefusedFile(path, "is empty")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise RefusedFile(path, "is not valid UTF-16 text") from None
        if not text.strip():
            raise RefusedFile(path, "is empty")
    else:
        if b"\x00" in data:
            raise RefusedFile(path, "is a binary file, not a saved text page")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RefusedFile(
                path, f"is not UTF-8 text (undecodable byte at offset {exc.start})"
            ) from None
    if "\x00" in text:
        raise RefusedFile(path, "is a binary file, not a saved text page")
    check_text_head(path, text[:SNIFF_BYTES])
    return PageText(text, digest)


@dataclass
class PageText:
    text: str
    digest: str


def _control_ratio(text: str) -> float:
    sample = text[:SNIFF_BYTES]
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


def refuse_json(path: object) -> RefusedFile:
    return RefusedFile(path, "is JSON, but not a Paperdesk export (no 'papers' list)")


def no_papers(path: object) -> RefusedFile:
    return RefusedFile(
        path,
        "holds no recognisable paper (expected a saved Daily Papers page: "
        "a title line, then its abstract)",
    )


def import_lines(session: Session, path: object, lines: Iterable[str], as_of: date) -> FileResult:
    """Parse ``lines`` and store their papers in batches, inside the caller's transaction.
    Raises :class:`RefusedFile` (the caller rolls back) if the text is not a page."""
    problems: list[str] = []
    result = FileResult(path=str(path), status="imported")
    seen_new: set[int] = set()
    papers = iter_papers(lines, as_of, problems)
    total = 0
    while batch := list(islice(papers, BATCH)):
        total += len(batch)
        store_papers(session, _dedupe(batch), result, seen_new)
    if total == 0 or len(problems) > 2 * total:
        raise no_papers(path)
    result.skipped = problems
    return result


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
        key = p.key or title_key(p.title)
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
    session: Session, rows: dict[str, dict[str, Any]], result: FileResult, seen_new: set[int]
) -> None:
    """Insert or merge ``rows`` (by title key) inside the caller's transaction, adding the
    counts to ``result``. ``seen_new``: ids this file created (a repeat is not a merge)."""
    now = utcnow()
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
        # Plain executemany, then look the ids up: portable, and far faster than RETURNING
        # through SQLAlchemy's insertmanyvalues for many rows.
        bulk_insert(session, Paper.__table__, fresh)
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
    merged_ids = [u["id"] for u in updates if u["id"] not in seen_new]
    changes_rows = [{"paper_id": i, "kind": "add", "at": now} for i in new_ids]
    changes_rows += [{"paper_id": u["id"], "kind": "merge", "at": now} for u in updates]
    if changes_rows:
        bulk_insert(session, Change.__table__, changes_rows)
    seen_new.update(new_ids)
    result.new += len(new_ids)
    result.merged += len(merged_ids)
    result.unchanged += sum(1 for i in unchanged_ids if i not in seen_new)
    result.paper_ids += new_ids + merged_ids + [i for i in unchanged_ids if i not in seen_new]


def record_import(
    session: Session, path: object, digest: str, as_of: date, result: FileResult
) -> None:
    session.add(
        ImportRecord(
            file_name=str(path),
            content_hash=digest,
            imported_at=utcnow(),
            as_of=as_of,
            papers_new=result.new,
            papers_merged=result.merged,
            papers_unchanged=result.unchanged,
        )
    )
