"""The user's edits of a paper's own fields (the details editor): validated, stored in one
transaction with an ``edit`` feed row, and remembered in ``papers.edited_fields`` so that
an import never overwrites a field the user edited (the merge writer reads
:func:`edited_set`).

The title is edited for display only: the paper keeps its identity (``title_key``, the
title it was first imported under), so the same page imported again still merges into it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import JSON, select, update
from sqlalchemy.orm import Session

from app.errors import PaperdeskError, UnknownPaper
from app.links import arxiv_id, is_web_link
from app.records import utcnow
from app.store import feed
from app.store.changes import Changes
from db import Paper

# Field name -> what it is, for messages. Only those the ``papers`` table has are editable
# (issue 11's ``arxiv_id``/``authors`` join in as their columns arrive).
EDITABLE = {
    "title": "the title",
    "authors": "the authors",
    "authors_count": "the number of authors",
    "published": "the date",
    "arxiv_id": "the arXiv id",
    "url": "the link",
    "links": "the links",
    "organization": "the organisation",
}
# New style 2401.01234 (v2), old style hep-th/9901001 or math.GT/0309136.


class BadEdit(PaperdeskError):
    """A value the details editor refuses (one line: which field, why)."""


@dataclass
class Edited:
    """What an edit changed: the values and the edited-field list before and after."""

    paper_id: int
    before: dict[str, Any]
    after: dict[str, Any]
    edited_before: list[str]
    edited_after: list[str]
    changes: Changes = field(default_factory=Changes, compare=False, repr=False)


def columns() -> list[str]:
    """The editable fields this schema has."""
    return [name for name in EDITABLE if name in Paper.__table__.c]


def validate(values: Mapping[str, Any]) -> dict[str, Any]:
    """The values, cleaned as stored; :class:`BadEdit` names the first that is wrong."""
    have = set(columns())
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name not in have:
            raise BadEdit(f"{name!r} cannot be edited")
        out[name] = _clean(name, value)
    return out


def _clean(name: str, value: Any) -> Any:
    if name == "title":
        text = " ".join(str(value or "").split())
        if not text:
            raise BadEdit("the title cannot be empty")
        return text
    if name == "published":
        if value in (None, ""):
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            raise BadEdit(f"the date {value!r} is not of the form YYYY-MM-DD") from None
    if name == "arxiv_id":
        text = str(value or "").strip()
        text = re.sub(r"^(arxiv:|https?://arxiv\.org/(abs|pdf)/)", "", text, flags=re.I)
        text = text.removesuffix(".pdf")
        if not text:
            return None
        aid = arxiv_id(text)
        if aid is None:
            raise BadEdit(f"{text!r} does not look like an arXiv id (e.g. 2401.01234)")
        return aid
    if name in ("url",):
        text = str(value or "").strip()
        if text and not is_web_link(text):
            raise BadEdit(f"the link {text!r} is not an http(s) address")
        return text or None
    if name == "links":
        items = value.splitlines() if isinstance(value, str) else list(value or [])
        links = list(dict.fromkeys(x.strip() for x in items if x and x.strip()))
        for link in links:
            if not is_web_link(link):
                raise BadEdit(f"the link {link!r} is not an http(s) address")
        return links
    if name == "authors":
        items = value.splitlines() if isinstance(value, str) else list(value or [])
        return [" ".join(a.split()) for a in items if a and a.strip()]
    if name == "authors_count":
        if value in (None, ""):
            return None
        try:
            n = int(value)
        except (TypeError, ValueError):
            raise BadEdit(f"the number of authors {value!r} is not a number") from None
        if n <= 0:
            raise BadEdit("the number of authors must be 1 or more")
        return n
    if name == "organization":
        text = " ".join(str(value or "").split())
        return text or None
    return value


def edited_set(raw: str | None) -> set[str]:
    """The field names in a stored ``edited_fields`` value."""
    if not raw:
        return set()
    try:
        names = json.loads(raw)
    except ValueError:
        return set()
    return {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()


def _to_column(name: str, value: Any) -> Any:
    if name == "links":
        return "\n".join(value)
    if name == "authors":  # a JSON column takes the list; a text column its JSON
        is_json = isinstance(Paper.__table__.c["authors"].type, JSON)
        return value if is_json else json.dumps(value, ensure_ascii=False)
    return value


def _from_column(name: str, value: Any) -> Any:
    if name == "links":
        return [x for x in (value or "").split("\n") if x]
    if name == "authors" and isinstance(value, str):
        try:
            return list(json.loads(value))
        except ValueError:
            return [x for x in value.split("\n") if x]
    return value


def edit(
    s: Session, paper_id: int, values: Mapping[str, Any], edited: Iterable[str] | None = None
) -> Edited:
    """Store ``values`` (validated) on the paper; mark them edited (``edited``: set the
    edited-field list to exactly this instead — undo and redo)."""
    clean = validate(values)
    cols = [Paper.__table__.c[n] for n in clean]
    row = s.execute(select(Paper.edited_fields, *cols).where(Paper.id == paper_id)).one_or_none()
    if row is None:
        raise UnknownPaper(paper_id)
    raw_edited, *old = row
    before = {n: _from_column(n, v) for n, v in zip(clean, old, strict=True)}
    edited_before = sorted(edited_set(raw_edited))
    changed = {n: v for n, v in clean.items() if before[n] != v}
    if edited is None:
        edited_after = sorted(set(edited_before) | set(changed))
    else:
        edited_after = sorted(set(edited))
    if not changed and edited_after == edited_before:
        return Edited(paper_id, {}, {}, edited_before, edited_after)
    stored = {n: _to_column(n, v) for n, v in changed.items()}
    s.execute(
        update(Paper)
        .where(Paper.id == paper_id)
        .values(
            updated_at=utcnow(),
            edited_fields=json.dumps(edited_after) if edited_after else None,
            **stored,
        )
    )
    feed.append(s, [paper_id], "edit")
    return Edited(
        paper_id,
        {n: before[n] for n in changed},
        changed,
        edited_before,
        edited_after,
    )


def edited_fields(s: Session, paper_id: int) -> list[str]:
    return sorted(edited_set(s.scalar(select(Paper.edited_fields).where(Paper.id == paper_id))))
