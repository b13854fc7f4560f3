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
import re
from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from app.errors import PaperdeskError, RefusedFile
from app.records import BACKUP_FORMAT_ID, BACKUP_VERSION, FileResult
from app.store.filters import normalise_tag
from app.store.merge import add_row, merge, record_import, title_key
from db import Paper


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


def _count(raw: dict[str, Any], field: str) -> int | None:
    value = _opt(raw.get(field), int, field)
    if value is not None and value < 0:
        raise _Bad(f"'{field}' cannot be negative")
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
        "citation_key": _key(raw),
    }


_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_:.\-+/]{0,99}")  # as app.export.keys validates


def _key(raw: dict[str, Any]) -> str | None:
    key = _opt(raw.get("citation_key"), str, "citation_key")
    if key is not None and not _KEY.fullmatch(key):
        raise _Bad(f"'citation_key' {key[:40]!r} is not a citation key")
    return key


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
    keys = {k: p.pop("citation_key", None) for k, p in by_key.items()}
    merge(s, by_key, result, set(), colors)
    _restore_keys(s, by_key, keys)
    record_import(s, name, digest, as_of, result)
    return result


def _restore_keys(
    s: Session, by_key: dict[str, dict[str, Any]], keys: dict[str, str | None]
) -> None:
    """Citation keys come back with their papers (issue 12): a paper that has no key yet
    takes the backup's, unless another paper holds it. A key, once made, never changes."""
    wanted = [(by_key[k], key) for k, key in keys.items() if key]
    if not wanted:
        return
    held = select(func.lower(Paper.citation_key)).where(Paper.citation_key.is_not(None))
    taken = set(s.scalars(held))
    for start in range(0, len(wanted), 400):
        chunk = wanted[start : start + 400]
        arxiv = [p["arxiv_id"] for p, _ in chunk if p.get("arxiv_id")]
        titles = [title_key(p["title"]) for p, _ in chunk]
        found: dict[str, tuple[int, str | None]] = {}
        for pid, aid, tkey, have in s.execute(
            select(Paper.id, Paper.arxiv_id, Paper.title_key, Paper.citation_key).where(
                or_(Paper.arxiv_id.in_(arxiv), Paper.title_key.in_(titles))
            )
        ):
            if aid:
                found[f"arxiv:{aid}"] = (pid, have)
            found[tkey] = (pid, have)
        for p, key in chunk:
            hit = found.get(f"arxiv:{p['arxiv_id']}") if p.get("arxiv_id") else None
            hit = hit or found.get(title_key(p["title"]))
            if hit is None or hit[1] is not None or key.lower() in taken:
                continue
            s.execute(update(Paper).where(Paper.id == hit[0]).values(citation_key=key))
            taken.add(key.lower())
