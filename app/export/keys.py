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
from functools import lru_cache
from typing import Any

from sqlalchemy import String, func, insert, select, type_coerce, update
from sqlalchemy.orm import Session

from app.errors import PaperdeskError, UnknownPaper
from app.export.names import split
from app.store import feed
from app.store.records import json_list
from db import CitationKey, Paper, read_session

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
    who = _who(authors[0]) if authors else "anon"
    year = str(published.year) if published else ""
    word = ""
    # The first significant word: finditer stops there (a title has a dozen words).
    for m in _WORD.finditer(_ascii(title)):
        if m.group() not in _SKIP:
            word = m.group()
            break
    key = f"{who[:40]}{year}{word[:30]}"
    return key if key[:1].isalpha() else "p" + key


@lru_cache(maxsize=100_000)  # first authors repeat across a library's papers
def _who(author: str) -> str:
    name = split(author)
    words = _WORD.findall(_ascii(name.family or name.literal))
    return "".join(words) if words else "anon"


def _suffixes() -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["", *letters, *(a + b for a in letters for b in letters)]


_SUFFIXES = _suffixes()


def _candidate(base: str, i: int) -> str:
    """The ``i``-th key tried for ``base``: bare, then a … z, aa … zz, then 1, 2, …"""
    if i < len(_SUFFIXES):
        return base + _SUFFIXES[i]
    return f"{base}{i - len(_SUFFIXES) + 1}"


def assign(bases: Sequence[tuple[int, str]], taken: set[str]) -> dict[int, str]:
    """Keys for ``(paper id, base key)`` pairs, in that order: each the first candidate
    of its base not in ``taken`` (lower case; the keys made are added to it).

    A per-base cursor keeps where the last search for that base stopped: ``taken`` only
    grows, so no earlier candidate can have come free, and the result is the plain
    first-free search's (which is quadratic when thousands of papers share a base)."""
    cursor: dict[str, int] = {}
    out: dict[int, str] = {}
    for pid, base in bases:
        i = cursor.get(base, 0)
        key = _candidate(base, i)
        while key.lower() in taken:
            i += 1
            key = _candidate(base, i)
        cursor[base] = i + 1
        taken.add(key.lower())
        out[pid] = key
    return out


_BY_ID = 20_000  # ids asked at most in one IN list; a larger ask reads every keyless paper

# Papers with no key yet: an anti-join on the keys' primary key.
_KEYLESS = (
    select(Paper.id, Paper.authors, type_coerce(Paper.published, String), Paper.title)
    .outerjoin(CitationKey, CitationKey.paper_id == Paper.id)
    .where(CitationKey.paper_id.is_(None))
)


def ensure(s: Session, ids: Sequence[int]) -> dict[int, str]:
    """The keys of ``ids`` (unknown ids left out), making the missing ones in ``s``: one
    read of the stored keys, one of the keyless papers, one executemany."""
    wanted = set(ids)
    have: dict[int, str] = {}
    taken: set[str] = set()
    conn = s.connection()
    for pid, key in conn.execute(select(CitationKey.paper_id, CitationKey.key)):
        taken.add(key.lower())
        if pid in wanted:
            have[pid] = key
    if len(wanted) <= _BY_ID:
        rows = list(conn.execute(_KEYLESS.where(Paper.id.in_(sorted(wanted)))))
    else:
        rows = [r for r in conn.execute(_KEYLESS).all() if r[0] in wanted]
    if not rows:
        return have
    rows.sort(key=lambda r: r[0])  # lower ids (added first) get the unsuffixed key
    bases = [(pid, base_key(json_list(a), _day(d), t)) for pid, a, d, t in rows]
    made = assign(bases, taken)
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    # The driver's executemany: SQLAlchemy's per-row parameter building cost more than
    # the insert itself at 100,000 rows. Ids ascending: SQLite appends to the table.
    conn.exec_driver_sql(
        f"INSERT INTO citation_keys (paper_id, key) VALUES ({mark}, {mark})",
        list(made.items()),
    )
    have.update(made)
    return have


def _day(value: Any) -> date | None:
    # SQLite hands the ISO text; a driver with native dates (PostgreSQL) a date.
    return date.fromisoformat(value) if isinstance(value, str) else value


def missing(s: Session, ids: Sequence[int]) -> list[int]:
    """Which of ``ids`` have no key yet: first two counts (every key belongs to a paper,
    so equal counts mean none is missing, and an export of papers that all have keys
    never takes the write lock), else one anti-join."""
    papers = s.scalar(select(func.count()).select_from(Paper)) or 0
    keyed = s.scalar(select(func.count()).select_from(CitationKey)) or 0
    if keyed >= papers:
        return []
    stmt = select(Paper.id).outerjoin(CitationKey).where(CitationKey.paper_id.is_(None))
    if len(ids) <= _BY_ID:  # a paper shown, a few copied: no scan of every paper
        return list(s.scalars(stmt.where(Paper.id.in_(list(ids)))))
    wanted = set(ids)
    return [pid for pid in s.scalars(stmt) if pid in wanted]


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
            stmt = select(CitationKey.paper_id, CitationKey.key).where(
                CitationKey.paper_id.in_(chunk)
            )
            have.update((pid, key) for pid, key in s.execute(stmt))
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
    if s.scalar(select(Paper.id).where(Paper.id == paper_id)) is None:
        raise UnknownPaper(paper_id)
    current = s.scalar(select(CitationKey.key).where(CitationKey.paper_id == paper_id))
    other = s.scalar(
        select(CitationKey.paper_id).where(
            func.lower(CitationKey.key) == key.lower(), CitationKey.paper_id != paper_id
        )
    )
    if other is not None:
        raise BadKey(f"citation key {key!r} is already paper {other}'s")
    if current is None:
        s.execute(insert(CitationKey).values(paper_id=paper_id, key=key))
    elif current != key:
        s.execute(update(CitationKey).where(CitationKey.paper_id == paper_id).values(key=key))
    if current != key:
        feed.append(s, [paper_id], "edit")
    return key
