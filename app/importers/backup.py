"""Restore a Paperdesk JSON export (``paperdesk export --format json``) on import.

Into an empty library the restore is exact: every paper with its id, fields, tags (and
their colours), note, star and read state, and ``added_at``. Into a library that already
holds some of the papers it merges like a page import does (by arXiv id, else title),
adding tags,
filling a missing note, and setting star/read where the backup has them set.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy.orm import Session

from app.errors import PaperdeskError, RefusedFile
from app.importers.parsed import ID_LIMIT, INT_LIMIT, out_of_range
from app.records import BACKUP_FORMAT_ID, BACKUP_VERSION, FileResult
from app.store.filters import normalise_tag
from app.store.merge import add_row, merge, record_import


def is_export(payload: Any) -> bool:
    return (
        isinstance(payload, dict)
        and payload.get("format") == BACKUP_FORMAT_ID
        and isinstance(payload.get("papers"), list)
    )


def refuse_json(name: object) -> RefusedFile:
    return RefusedFile(name, "is JSON, but not a Paperdesk export (no 'papers' list)")


def restorer(name: object, payload: Any, as_of: date) -> Callable[[Session], FileResult]:
    """The write step restoring ``payload`` (a parsed JSON document), for the library's
    one-transaction import path. Raises :class:`RefusedFile` if it is not a valid Paperdesk
    export; nothing is written then."""
    if not is_export(payload):
        raise refuse_json(name)
    papers, colors = validate(name, payload)
    # The file's bytes are not at hand here; the canonical JSON identifies the content.
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
    return lambda s: _store(s, name, digest, as_of, papers, colors)


def validate(name: object, payload: dict[str, Any]) -> tuple[list[dict[str, Any]], dict]:
    """Checked, typed paper rows and tag colours; :class:`RefusedFile` names the first
    bad paper and why."""
    version = payload.get("version")
    if not isinstance(version, int) or version < 1:
        raise RefusedFile(name, "is a Paperdesk export without a valid 'version'")
    if version > BACKUP_VERSION:
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
            rows.append(_paper(raw, version))
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


def _count(raw: dict[str, Any], field: str, low: int = 0, limit: int = INT_LIMIT) -> int | None:
    value = _opt(raw.get(field), int, field)
    if value is not None and value < 0:
        raise _Bad(f"'{field}' cannot be negative")
    if value is not None and (why := out_of_range(value, limit, low)):  # the shared bound
        raise _Bad(f"'{field}' {why}")
    return value


def _names(raw: dict[str, Any], field: str) -> list[str]:
    value = raw.get(field) or []
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise _Bad(f"'{field}' must be a list of text")
    return [x for x in value if x.strip()]


def _day(raw: dict[str, Any], field: str) -> date | None:
    text = _opt(raw.get(field), str, field)
    try:
        return date.fromisoformat(text) if text else None
    except ValueError as exc:
        raise _Bad(f"bad date: {exc}") from None


def _paper(raw: Any, version: int = BACKUP_VERSION) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _Bad("is not a JSON object")
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        raise _Bad("has no title")
    authors = _opt(raw.get("authors_count"), int, "authors_count")
    if authors is not None and authors <= 0:
        raise _Bad("'authors_count' must be positive")
    authors = _count(raw, "authors_count")
    upvotes = _count(raw, "upvotes")
    comments = _count(raw, "comments")
    published = _opt(raw.get("published"), str, "published")
    added = _opt(raw.get("added_at"), str, "added_at")
    links = raw.get("links") or []
    tags = raw.get("tags") or []
    if not isinstance(links, list) or not all(isinstance(x, str) for x in links):
        raise _Bad("'links' must be a list of text")
    if not isinstance(tags, list) or not all(isinstance(x, str) for x in tags):
        raise _Bad("'tags' must be a list of text")
    pid = _opt(raw.get("id"), int, "id")
    pid = _count(raw, "id", 0, ID_LIMIT) if pid is not None and pid > 0 else pid
    try:
        day = date.fromisoformat(published) if published else None
        moment = datetime.fromisoformat(added) if added else None
    except ValueError as exc:
        raise _Bad(f"bad date: {exc}") from None
    if moment is not None and moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)  # stored naive UTC
    if version < 2:
        # A version-1 backup's "upvotes" was the comment count after the card's date (0
        # when none was shown); the upvote count itself was never read (as migration 0004).
        old = upvotes or 0
        upvotes, comments = None, (old if day is not None or old > 0 else None)
    return {
        "id": pid if pid and pid > 0 else None,
        "title": title,
        "abstract": _opt(raw.get("abstract", ""), str, "abstract") or "",
        "authors_count": authors,
        "organization": _opt(raw.get("organization"), str, "organization"),
        "published": day,
        "upvotes": upvotes,
        "url": _opt(raw.get("url"), str, "url"),
        "arxiv_id": _opt(raw.get("arxiv_id"), str, "arxiv_id") or None,
        "authors": _names(raw, "authors"),
        "organization_id": _opt(raw.get("organization_id"), str, "organization_id"),
        "listed_on": _day(raw, "listed_on"),
        "comments": comments,
        "submitted_by": _opt(raw.get("submitted_by"), str, "submitted_by"),
        "ai_summary": _opt(raw.get("ai_summary"), str, "ai_summary"),
        "ai_keywords": _names(raw, "ai_keywords"),
        "github": _opt(raw.get("github"), str, "github"),
        "github_stars": _count(raw, "github_stars"),
        "project_page": _opt(raw.get("project_page"), str, "project_page"),
        "links": [x for x in links if x],
        "tags": list(dict.fromkeys(normalise_tag(t) for t in tags)),
        "note": _opt(raw.get("note", ""), str, "note") or "",
        "starred": bool(_opt(raw.get("starred", False), bool, "starred")),
        "read": bool(_opt(raw.get("read", False), bool, "read")),
        "added_at": moment,
    }


def _store(
    s: Session,
    name: object,
    digest: str,
    as_of: date,
    papers: list[dict[str, Any]],
    colors: dict[str, str | None],
) -> FileResult:
    """Merge the backup's papers (one row per title key; repeats merge) in one go."""
    result = FileResult(path=str(name), status="imported", form="backup")
    by_key: dict[str, dict[str, Any]] = {}
    for p in papers:
        add_row(by_key, p)
    merge(s, by_key, result, set(), colors)
    record_import(s, name, digest, as_of, result)
    return result
