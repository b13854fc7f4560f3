"""The change feed: every committed change a window or the index shows is one row.

Writers call :func:`append` inside their own transaction, so a change and its feed rows
commit together or not at all; readers keep a cursor (the last ``seq`` they saw) and call
:func:`changes_since`.

**Gap safety.** A reader moves its cursor to the highest ``seq`` it has read, so it must
never see ``seq`` n+1 committed while ``seq`` n may still commit. On PostgreSQL, sequence
values are handed out at INSERT and commit in any order, so this module *serialises feed
appends*: the first :func:`append` of a transaction takes the feed's append lock
(``db.engine.lock_feed``: a transaction-scoped advisory lock on PostgreSQL; on SQLite the
write lock every write transaction already holds) and keeps it until commit. Feed rows
therefore commit in ``seq`` order, a plain ``seq > cursor`` read is gap-free, and the
cursor needs no rewrite for a server database. The price — writers that append wait for
each other's commit — is what SQLite imposes on every write anyway; on PostgreSQL it only
orders the short tail of a transaction that changed something a view shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.records import utcnow
from app.store.changes import Changes
from db import Change, Meta, read_session
from db.engine import insert_each, lock_feed

FeedRow = tuple[int, int | None, str]  # (seq, paper_id, kind)

_START = "paperdesk.feed_start"  # session.info: the last seq before this transaction's rows
MEMBER = "paperdesk.member"  # session.info: the team member writing (None: a personal library)


def member_of(s: Session) -> str | None:
    """Who is writing in ``s`` (a team library's member; None in a personal library)."""
    return s.info.get(MEMBER)


def append(s: Session, ids: Iterable[int | None], kind: str) -> None:
    """Append one ``kind`` row per id (``None``: library-wide) in the session's transaction."""
    ids = list(ids)
    if not ids:
        return
    if _START not in s.info:
        lock_feed(s)  # held to commit: see the module docstring
        s.info[_START] = s.scalar(select(func.coalesce(func.max(Change.seq), 0))) or 0
    same = {"kind": kind, "at": utcnow(), "member": member_of(s)}
    insert_each(s, Change.__table__, "paper_id", ids, same)  # a batch's rows in one statement


def appended(s: Session) -> list[FeedRow]:
    """The rows this transaction has appended so far, oldest first (the lock is held, so
    every row above the start is ours)."""
    start = s.info.get(_START)
    if start is None:
        return []
    return _rows(s, start, None)


def changes_of(s: Session) -> Changes:
    """The ``Changes`` record of the rows this transaction appended (read as a stream: a
    million-paper import's rows are never held as a list)."""
    start = s.info.get(_START)
    if start is None:
        return Changes()
    stmt = select(Change.seq, Change.paper_id, Change.kind).where(Change.seq > start)
    # On the Core connection: an ORM session's execute buffers every row first (a
    # million-paper restore's feed rows held at once: ~200 MB); this streams the cursor.
    return Changes.from_feed(s.connection().execute(stmt.order_by(Change.seq)))


def last_change(engine: Engine) -> int:
    with read_session(engine) as s:
        return s.scalar(select(func.coalesce(func.max(Change.seq), 0))) or 0


def changes_since(engine: Engine, seq: int, limit: int | None = None) -> list[FeedRow]:
    """``(seq, paper_id, kind)`` of every committed change after ``seq``, oldest first."""
    with read_session(engine) as s:
        return _rows(s, seq, limit)


def _rows(s: Any, after: int, limit: int | None) -> list[FeedRow]:
    stmt = (
        select(Change.seq, Change.paper_id, Change.kind)
        .where(Change.seq > after)
        .order_by(Change.seq)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [(seq, pid, kind) for seq, pid, kind in s.execute(stmt)]


# Meta key: the highest ``seq`` pruned from the feed (``app.team.retention``); a cursor
# below it has missed rows that are gone, so its reader must rebuild, not catch up.
HORIZON_KEY = "feed_pruned_through"


def horizon(engine: Engine) -> int:
    """The highest ``seq`` pruned from the feed (0: nothing ever pruned)."""
    with read_session(engine) as s:
        value = s.scalar(select(Meta.value).where(Meta.key == HORIZON_KEY))
    return int(value) if value else 0
