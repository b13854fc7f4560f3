"""Stable citation keys (``tian2024scicode``): made once per paper, when it is first exported
or shown, then stored and never changed by imports or metadata edits.

The key is the first author's family name, the year and the first significant title word,
ASCII and lower case; a key already taken gets ``a``, ``b``, … ``z``, ``aa``, … appended.
Making keys writes no change-feed row: what a view shows of a paper does not change.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from itertools import count
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from app.errors import PaperdeskError, UnknownPaper
from app.export.names import split
from app.store import feed
from app.store.records import json_list
from db import Paper, read_session

KEY_MAX = 100
# What BibTeX, biber and pandoc all accept in a key, and no shell or Markdown trips on.
_VALID = re.compile(r"[A-Za-z][A-Za-z0-9_:.\-+/]*")
_WORD = re.compile(r"[a-z0-9]+")
# Function words never taken as "the first significant title word" (Better BibTeX's idea).
_SKIP = frozenset(
    "a an the on of for in to and or with without towards toward via is are from by at as "
    "into onto over under how what why when where do does can we our your its their".split()
)


class BadKey(PaperdeskError):
    """A citation key that is malformed or already taken."""


def _ascii(text: str) -> str:
    if not text.isascii():  # accents off (Müller -> Muller); other scripts drop out
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return text.lower()


def base_key(authors: Sequence[str], published: date | None, title: str) -> str:
    """The key before any a/b/c suffix."""
    who = "anon"
    if authors:
        name = split(authors[0])
        words = _WORD.findall(_ascii(name.family or name.literal))
        if words:
            who = "".join(words)
    year = str(published.year) if published else ""
    word = next((w for w in _WORD.findall(_ascii(title)) if w not in _SKIP), "")
    key = f"{who[:40]}{year}{word[:30]}"
    return key if key[:1].isalpha() else "p" + key


def _suffixes() -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["", *letters, *(a + b for a in letters for b in letters)]


_SUFFIXES = _suffixes()


def ensure(s: Session, ids: Sequence[int]) -> dict[int, str]:
    """The keys of ``ids`` (unknown ids left out), making the missing ones in ``s``."""
    have: dict[int, str] = {}
    missing: list[int] = []
    for start in range(0, len(ids), 20_000):
        chunk = list(ids[start : start + 20_000])
        for pid, key in s.execute(select(Paper.id, Paper.citation_key).where(Paper.id.in_(chunk))):
            if key is None:
                missing.append(pid)
            else:
                have[pid] = key
    if not missing:
        return have
    taken = {
        k.lower()
        for k in s.scalars(select(Paper.citation_key).where(Paper.citation_key.is_not(None)))
        if k is not None
    }
    made: list[dict[str, object]] = []
    missing.sort()  # lower ids (added first) get the unsuffixed key
    for start in range(0, len(missing), 20_000):
        chunk = missing[start : start + 20_000]
        rows = s.execute(
            select(Paper.id, Paper.authors, Paper.published, Paper.title).where(Paper.id.in_(chunk))
        ).all()
        for pid, authors, published, title in sorted(rows):
            base = base_key(json_list(authors), published, title)
            key = next(
                (base + x for x in _SUFFIXES if (base + x).lower() not in taken),
                None,
            ) or next(f"{base}{n}" for n in count(1) if f"{base}{n}".lower() not in taken)
            taken.add(key.lower())
            have[pid] = key
            made.append({"pid": pid, "key": key})
    if made:
        table = Paper.__table__
        s.connection().execute(
            update(table)  # type: ignore[arg-type]
            .where(table.c.id == bindparam("pid"))
            .values(citation_key=bindparam("key")),
            made,
        )
    return have


def missing(s: Session, ids: Sequence[int]) -> list[int]:
    """Which of ``ids`` have no key yet: one read of the (indexed) empty keys, so an
    export of papers that all have keys never takes the write lock."""
    empty = s.scalars(select(Paper.id).where(Paper.citation_key.is_(None))).all()
    if not empty:
        return []
    wanted = set(ids)
    return [pid for pid in empty if pid in wanted]


def make_missing(store: Any, ids: Sequence[int]) -> None:
    """Make the keys ``ids`` lack: read-only when none is missing, else one write
    transaction that makes them all (``ensure`` checks again there: another process may
    have made some meanwhile)."""
    with read_session(store.engine) as s:
        todo = missing(s, ids)
    if todo:
        store.write(lambda s: ensure(s, todo), derived=True)


def keys_of(store: Any, ids: Sequence[int]) -> dict[int, str]:
    """The keys of ``ids`` (unknown ids left out), making the missing ones first."""
    make_missing(store, ids)
    have: dict[int, str] = {}
    with read_session(store.engine) as s:
        for start in range(0, len(ids), 20_000):
            chunk = list(ids[start : start + 20_000])
            stmt = select(Paper.id, Paper.citation_key).where(Paper.id.in_(chunk))
            have.update((pid, key) for pid, key in s.execute(stmt) if key is not None)
    return have


def validate(key: str) -> str:
    """``key`` trimmed, if BibTeX, biber and pandoc can all use it; else :class:`BadKey`."""
    text = key.strip()
    if not text:
        raise BadKey("a citation key cannot be empty")
    if len(text) > KEY_MAX:
        raise BadKey(f"citation key {text[:20]!r}…: longer than {KEY_MAX} characters")
    if not _VALID.fullmatch(text):
        raise BadKey(
            f"citation key {text!r}: use a letter first, then letters, digits or _ : . - + /"
        )
    return text


def set_key(s: Session, paper_id: int, key: str) -> str:
    """Give ``paper_id`` the key ``key`` (validated, unique without regard to case)."""
    key = validate(key)
    current = s.scalar(select(Paper.citation_key).where(Paper.id == paper_id))
    if s.scalar(select(Paper.id).where(Paper.id == paper_id)) is None:
        raise UnknownPaper(paper_id)
    other = s.scalar(
        select(Paper.id).where(func.lower(Paper.citation_key) == key.lower(), Paper.id != paper_id)
    )
    if other is not None:
        raise BadKey(f"citation key {key!r} is already paper {other}'s")
    if current != key:
        s.execute(update(Paper).where(Paper.id == paper_id).values(citation_key=key))
        feed.append(s, [paper_id], "edit")
    return key
