"""The one merge writer: every importer hands its parsed papers here.

One paper per work: the same arXiv id is the same paper; without an id, the normalised
title (``title_key``) decides. A paper not yet in the library is inserted; one already there
is *merged*: the longer abstract wins, what it lacked is filled in (arXiv id, authors — the
longer list —, organisation, days, submitter, AI summary, links …), and the counts
(upvotes, comments, GitHub stars) take the value of the capture imported last, when that
capture showed them. A merge that filled in a missing field *enriched* the paper.
Annotations are never taken away: a backup's tags are added, its note fills only a missing
note, its star/read flags are only ever set; page forms carry none.

Rows are plain dicts with the paper fields (``title, abstract, authors_count, organization,
published, upvotes, url, links``; optionally the issue-11 fields of :data:`EXTRA` — lists
for ``authors``/``ai_keywords``) and optionally ``id`` (kept where free), ``tags``,
``note``, ``starred``, ``read``, ``added_at``. :func:`add_row` files a row under its
identity (:func:`identity`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from datetime import date
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from app.records import FileResult, utcnow
from app.store import feed, tags
from app.store.edits import edited_set
from app.store.queries import CHUNK
from db import ImportRecord, Note, Paper, paper_tags, personal
from db.engine import bulk_insert

EXTRA = (
    "arxiv_id",
    "authors",
    "organization_id",
    "listed_on",
    "comments",
    "submitted_by",
    "ai_summary",
    "ai_keywords",
    "github",
    "github_stars",
    "project_page",
)
FIELDS = (
    "title",
    "abstract",
    "authors_count",
    "organization",
    "published",
    "upvotes",
    "url",
    *EXTRA,
)
_PICK = itemgetter(*FIELDS)
FLAGS = ("starred", "read")
# Filled in when the paper lacks them (None).
_FILL = (
    "arxiv_id",
    "authors_count",
    "organization",
    "organization_id",
    "published",
    "listed_on",
    "url",
    "submitted_by",
    "ai_summary",
    "github",
    "project_page",
)
# The most recent capture's value wins (when it shows one).
_COUNTS = ("upvotes", "comments", "github_stars")
_LISTS = ("authors", "ai_keywords")  # JSON lists in the table

PROGRESS = "paperdesk.import_progress"  # session.info: called with the papers read so far


_WORDS = re.compile(r"\w+").findall


def title_key(title: str) -> str:
    """The identity of a work: NFKC, case-folded, punctuation and whitespace collapsed
    (a title without letters or digits: its NFKC text)."""
    # NFKC leaves ASCII as it is: most titles skip the normalisation.
    text = (title if title.isascii() else unicodedata.normalize("NFKC", title)).casefold()
    words = " ".join(_WORDS(text))
    # A title of punctuation alone ("!!!", "???") has no words to compare: it keys on its
    # exact NFKC text, whitespace collapsed, so different such titles stay different papers.
    return words or " ".join(unicodedata.normalize("NFKC", title).split())


def identity(row: dict[str, Any]) -> str:
    """The key a row is filed under: its arXiv id, or else its title key."""
    arxiv = row.get("arxiv_id")
    return f"arxiv:{arxiv}" if arxiv else title_key(row["title"])


_TK = "_title_key"  # a row's title key, once computed (a row's title never changes)


def add_row(by_key: dict[str, dict[str, Any]], row: dict[str, Any]) -> None:
    """File ``row`` under its identity; a paper listed twice merges into its first copy."""
    arxiv = row.get("arxiv_id")
    if arxiv:
        absorb(by_key, f"arxiv:{arxiv}", row)
        return
    key = row[_TK] = title_key(row["title"])
    absorb(by_key, key, row)


def merge_values(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The changes a newly seen copy brings to ``old`` (lists as lists). Annotations never
    change here."""
    changes: dict[str, Any] = {}
    if len(new.get("abstract") or "") > len(old.get("abstract") or ""):
        changes["abstract"] = new["abstract"]
    for name in _FILL:
        if old.get(name) is None and new.get(name) is not None:
            changes[name] = new[name]
    for name in _COUNTS:
        value = new.get(name)
        if value is not None and value != old.get(name):
            changes[name] = value
    old_count, new_count = old.get("authors_count"), new.get("authors_count")
    if old_count is not None and new_count is not None and new_count > old_count:
        changes["authors_count"] = new_count
    for name in _LISTS:
        if len(_list(new.get(name))) > len(_list(old.get(name))):
            changes[name] = _list(new.get(name))
    old_links = _links_list(old.get("links"))
    extra = [u for u in _links_list(new.get("links")) if u not in old_links]
    if extra:
        changes["links"] = old_links + extra
    return changes


def enriches(changes: dict[str, Any], old: dict[str, Any]) -> bool:
    """Whether ``changes`` fill in something ``old`` lacked (not just newer counts)."""
    for name, value in changes.items():
        if name in _COUNTS:
            if old.get(name) is None:
                return True
        elif name in _LISTS:
            if not _list(old.get(name)):
                return True
        elif name in ("abstract", "links"):
            if not old.get(name):
                return True
        elif old.get(name) is None and value is not None:
            return True
    return False


def absorb(by_key: dict[str, dict[str, Any]], key: str, row: dict[str, Any]) -> None:
    """Add ``row`` to one file's papers under ``key``; a repeat merges into the first copy."""
    into = by_key.get(key)
    if into is None:
        by_key[key] = row
        return
    _fold(into, row)


def _fold(into: dict[str, Any], row: dict[str, Any]) -> None:
    into.update(merge_values(into, row))
    if row.get("tags"):
        into["tags"] = list(dict.fromkeys([*into.get("tags", ()), *row["tags"]]))
    if row.get("note") and not into.get("note"):
        into["note"] = row["note"]
    for flag in FLAGS:
        if row.get(flag):
            into[flag] = True


def _grouped(by_key: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The rows by title key, rows of one work folded together: the same arXiv id, or the
    same title key (the table keeps one paper per title key)."""
    by_title: dict[str, dict[str, Any]] = {}
    by_arxiv: dict[str, str] = {}
    for row in by_key.values():
        tk = row.get(_TK) or title_key(row["title"])
        arxiv = row.get("arxiv_id")
        home = by_arxiv.get(arxiv) if arxiv else None
        if home is None and tk in by_title:
            home = tk
        if home is None:
            by_title[tk] = row
            if arxiv:
                by_arxiv[arxiv] = tk
            continue
        into = by_title[home]
        had = into.get("arxiv_id")
        _fold(into, row)
        if not had and into.get("arxiv_id"):
            by_arxiv[into["arxiv_id"]] = home
    return by_title


class NewIds:
    """The ids one file's import created so far, for ``in`` tests between its batches.

    Kept as runs of consecutive ids (a batch's new papers take consecutive ids, a backup's
    ids mostly run 1, 2, 3 …): a million-paper restore holds a few runs, not a million-entry
    set. Ids that do not form runs go into a plain set, so the cost stays linear."""

    def __init__(self) -> None:
        self._lo: list[int] = []
        self._hi: list[int] = []
        self._loose: set[int] = set()

    def update(self, ids: Iterable[int]) -> None:
        ordered = sorted(ids)
        runs: list[list[int]] = []
        for i in ordered:
            if runs and i == runs[-1][1] + 1:
                runs[-1][1] = i
            else:
                runs.append([i, i])
        if len(runs) > 8 and len(runs) * 4 > len(ordered):  # scattered: a set is smaller
            self._loose.update(ordered)
            return
        for lo, hi in runs:
            if self._hi and lo == self._hi[-1] + 1:  # the usual case: it extends the last run
                self._hi[-1] = hi
                continue
            at = bisect_right(self._lo, lo)
            if at and lo == self._hi[at - 1] + 1:
                self._hi[at - 1] = hi
            else:
                self._lo.insert(at, lo)
                self._hi.insert(at, hi)

    def __contains__(self, i: object) -> bool:
        if i in self._loose:
            return True
        if not isinstance(i, int):
            return False
        at = bisect_right(self._lo, i) - 1
        return at >= 0 and i <= self._hi[at]


def merge(
    s: Session,
    by_key: dict[str, dict[str, Any]],
    result: FileResult,
    seen_new: NewIds,
    colors: dict[str, str | None] | None = None,
) -> None:
    """Insert or merge ``by_key`` (one file's batch of papers, filed by :func:`add_row` or
    :func:`absorb`) inside the caller's transaction, adding the counts to ``result``; logs
    ``add``/``merge`` in the feed. ``seen_new``: ids this file created in an earlier batch
    (seeing one again is not a merge)."""
    now = utcnow()
    rows = _grouped(by_key)
    keys = list(rows)
    arxivs = [r["arxiv_id"] for r in rows.values() if r.get("arxiv_id")]
    # A cheap probe first (ids only, one cached statement per chunk): a fresh import finds
    # nothing and reads no rows; only the papers found are read whole.
    found_ids = _ids_where(s, Paper.__table__.c.title_key, keys)
    found_ids |= _ids_where(s, Paper.__table__.c.arxiv_id, arxivs)
    found: dict[int, dict[str, Any]] = {}
    cols = [Paper.id, Paper.title_key, Paper.links, Paper.starred, Paper.read, Paper.edited_fields]
    cols += [getattr(Paper, f) for f in FIELDS]
    for chunk in _chunks(sorted(found_ids)):
        for rec in s.execute(select(*cols).where(Paper.id.in_(chunk))).mappings():
            found[rec["id"]] = dict(rec)
    old_by_title = {e["title_key"]: e for e in found.values()}
    old_by_arxiv = {e["arxiv_id"]: e for e in found.values() if e["arxiv_id"]}

    # Each row's paper already in the library: by arXiv id first, then by title (a paper
    # filed under another arXiv id keeps its own). Rows meeting in one paper fold together.
    match: dict[str, int] = {}  # title key of the row -> id of its paper
    into_paper: dict[int, str] = {}
    for key, r in list(rows.items()):
        old = old_by_arxiv.get(r.get("arxiv_id") or "") or old_by_title.get(key)
        if old is None:
            continue
        pid = old["id"]
        if pid in into_paper:
            _fold(rows[into_paper[pid]], r)
            del rows[key]
            continue
        into_paper[pid] = key
        match[key] = pid
    existing = {key: found[pid] for key, pid in match.items()}

    # New papers keep the id they bring where it is free (a backup restored into an empty
    # library is the same library, ids included).
    wanted = [r["id"] for k, r in rows.items() if k not in existing and r.get("id")]
    taken: set[int] = set()
    for chunk in _chunks(wanted):
        taken.update(s.scalars(select(Paper.id).where(Paper.id.in_(chunk))))
    with_id: list[dict[str, Any]] = []
    without_id: list[dict[str, Any]] = []
    for key, r in rows.items():
        if key in existing:
            continue
        try:  # a reader's row has every field: one C-level pick instead of 18 lookups
            row = dict(zip(FIELDS, _PICK(r), strict=True))
        except KeyError:
            row = {f: r.get(f) for f in FIELDS}
        row["authors"] = _json_list(row["authors"])
        row["ai_keywords"] = _json_list(row["ai_keywords"])
        row["abstract"] = row["abstract"] or ""
        row["title_key"] = key
        row["links"] = "\n".join(r.get("links") or ())
        row["starred"] = bool(r.get("starred"))
        row["read"] = bool(r.get("read"))
        row["added_at"] = r.get("added_at") or now
        row["updated_at"] = now
        # A backup's trashed paper comes back in the Trash (since the restore: the backup
        # has no trash time). One already in the library keeps its own state.
        row["trashed_at"] = now if r.get("trashed") else None
        pid = r.get("id")
        if pid and pid not in taken:
            taken.add(pid)
            with_id.append({"id": pid, **row})
        else:
            without_id.append(row)
    # Plain executemany (far faster than RETURNING through SQLAlchemy's insertmanyvalues
    # for many rows), then the new ids: see :func:`_new_ids`.
    bulk_insert(s, Paper.__table__, with_id)
    ids: dict[str, int] = {k: e["id"] for k, e in existing.items()}
    ids.update((r["title_key"], r["id"]) for r in with_id)
    ids.update(_new_ids(s, without_id))
    new_ids = [ids[r["title_key"]] for r in with_id + without_id]

    updated: set[int] = set()
    enriched: set[int] = set()
    for key, old in existing.items():
        r = rows[key]
        changes = merge_values(old, r)
        for name in edited_set(old["edited_fields"]):  # the user's edits win over imports
            changes.pop(name, None)
        if changes and enriches(changes, old):
            enriched.add(old["id"])
        if "links" in changes:
            changes["links"] = "\n".join(changes["links"])
        for name in _LISTS:
            if name in changes:
                changes[name] = _json_list(changes[name])
        for flag in FLAGS:
            if r.get(flag) and not old[flag]:
                changes[flag] = True
        if changes:  # rows differ in which columns change; one statement each
            s.execute(update(Paper).where(Paper.id == old["id"]).values(updated_at=now, **changes))
            updated.add(old["id"])
    updated |= _add_annotations(s, rows, ids, existing, colors)
    if s.connection().dialect.name == "postgresql":
        # A team library: star and read are the importing member's own (``db.personal``).
        for flag in FLAGS:
            marked = [ids[k] for k, r in rows.items() if r.get(flag)]
            if marked:
                personal.set_flags(s, marked, flag, True)

    feed.append(s, new_ids, "add")
    feed.append(s, sorted(updated), "merge")
    # Papers this file created in an earlier batch are not "old": tested against seen_new
    # before it takes this batch's ids (never copied: a copy per batch is quadratic).
    old_ids = {e["id"] for e in existing.values() if e["id"] not in seen_new}
    result.paper_ids += [ids[k] for k in rows if ids[k] not in seen_new]
    seen_new.update(new_ids)
    result.new += len(new_ids)
    result.merged += len(updated & old_ids)
    result.enriched += len(enriched & old_ids)
    result.unchanged += len(old_ids - updated)
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
        by = feed.member_of(s)  # a team library: the importing member tagged them
        for key, r in by_key.items():
            for t in r.get("tags", ()):
                pair = (ids[key], tag_ids[t])
                if pair not in have:
                    have.add(pair)
                    links.append({"paper_id": pair[0], "tag_id": pair[1], "tagged_by": by})
                    if key in existing:
                        changed.add(ids[key])
        if links:
            s.execute(insert(paper_tags), links)
    by = feed.member_of(s)
    if notes:
        noted: set[int] = set()
        for chunk in _chunks(old_ids):
            noted.update(s.scalars(select(Note.paper_id).where(Note.paper_id.in_(chunk))))
        now = utcnow()
        rows = []
        for key in notes:
            if ids[key] not in noted:  # a note already there is never replaced
                note = by_key[key]["note"]
                rows.append({"paper_id": ids[key], "body": note, "updated_at": now, "note_by": by})
                if key in existing:
                    changed.add(ids[key])
        if rows:
            s.execute(insert(Note), rows)
    return changed


def record_import(s: Session, name: object, digest: str, as_of: date, result: FileResult) -> None:
    """The import record of one file (what it was and what it brought)."""
    s.add(
        ImportRecord(
            file_name=_printable_name(name),
            content_hash=digest,
            imported_at=utcnow(),
            as_of=as_of,
            papers_new=result.new,
            papers_merged=result.merged,
            papers_unchanged=result.unchanged,
        )
    )


def _list(value: Any) -> list[str]:
    """A list field (a list, or its JSON text as stored)."""
    if not value:
        return []
    if isinstance(value, str):
        try:
            items = json.loads(value)
        except ValueError:
            return []
        return [str(x) for x in items] if isinstance(items, list) else []
    return list(value)


_encode = json.JSONEncoder(ensure_ascii=False).encode  # text orjson refuses (surrogates)


def _json_list(value: Any) -> str | None:
    """A list field as stored: compact JSON text (orjson: a 100k-paper import encodes a
    list of names per paper), None for an empty list."""
    items = value if isinstance(value, list) else _list(value)
    if not items:
        return None
    try:
        return orjson.dumps(items).decode()
    except TypeError:  # orjson.JSONEncodeError: a lone surrogate; the store decides
        return _encode(items)


def _printable_name(name: object) -> str:
    """A file name as text: bytes that were not UTF-8 are kept as ``\\xNN`` escapes."""
    text = str(name)
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _links_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [x for x in value.split("\n") if x]
    return list(value or [])


_ID = Paper.__table__.c.id


def _ids_where(s: Session, column: Any, values: list[Any]) -> set[int]:
    """Ids of the papers whose ``column`` is one of ``values``."""
    if not values:
        return set()
    stmt = _PROBES.get(column.name)
    if stmt is None:  # built once: SQLAlchemy caches its compiled form
        stmt = _PROBES[column.name] = select(_ID).where(column.in_(bindparam("v", expanding=True)))
    conn = s.connection()
    out: set[int] = set()
    for chunk in _chunks(values):
        out.update(i for (i,) in conn.execute(stmt, {"v": chunk}))
    return out


_PROBES: dict[str, Any] = {}


def _new_ids(s: Session, rows: list[dict[str, Any]]) -> Iterator[tuple[str, int]]:
    """Insert ``rows`` (no ids of their own) and give (title key, new id) for each.

    Rows inserted by one executemany into a table whose largest id was ``top`` get the
    ids ``top+1 …`` in order (SQLite's rowid rule; a sequence in one session); that is
    checked — exactly ``len(rows)`` ids above ``top``, the highest ``top+len(rows)`` — and
    when it does not hold (a sequence ahead of the table), the ids are looked up by key."""
    if not rows:
        return
    top = s.scalar(select(func.coalesce(func.max(_ID), 0))) or 0
    bulk_insert(s, Paper.__table__, rows)
    n, high = s.execute(select(func.count(), func.max(_ID)).where(_ID > top)).one()
    if n == len(rows) and high == top + len(rows):
        yield from ((r["title_key"], top + k) for k, r in enumerate(rows, start=1))
        return
    keys = [r["title_key"] for r in rows]
    for chunk in _chunks(keys):
        yield from s.execute(select(Paper.title_key, _ID).where(Paper.title_key.in_(chunk)))


def _chunks(seq: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(seq), size):
        yield seq[start : start + size]
