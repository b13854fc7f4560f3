"""The change feed's retention on a team library's server.

The feed grows by a row per paper per change; clients only need the rows after their own
cursor. ``paperdesk team prune`` (run by the admin or any writer, e.g. daily from cron)
deletes the rows older than :data:`RETENTION_DAYS` — never the newest row, so the feed's
position (``max(seq)``) never goes back — and records the highest ``seq`` it removed (the
*horizon*, ``app.store.feed.horizon``). A client away for less than the retention catches up
from its cursor; one whose cursor is below the horizon has missed rows that are gone: its
search index rebuilds (:func:`stale_index`, with progress) and its window reloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.records import utcnow
from app.store.feed import HORIZON_KEY
from db import Change, Meta

RETENTION_DAYS = 30


@dataclass(frozen=True)
class Pruned:
    rows: int  # feed rows deleted
    horizon: int  # the highest seq pruned so far (0: none)


def prune(store: Any, days: int = RETENTION_DAYS) -> Pruned:
    """Delete the feed rows older than ``days`` (the newest row always stays) in one write
    transaction; returns what went and the new horizon."""
    cutoff = utcnow() - timedelta(days=days)

    def run(s: Session) -> Pruned:
        newest = s.scalar(select(func.max(Change.seq))) or 0
        old = (Change.at < cutoff) & (Change.seq < newest)
        through = s.scalar(select(func.max(Change.seq)).where(old)) or 0
        before = int(s.scalar(select(Meta.value).where(Meta.key == HORIZON_KEY)) or 0)
        if not through:
            return Pruned(0, before)
        # Every row up to the last old one goes (a younger row below it is rare: clocks of
        # two clients; it would be below the horizon and never read again anyway).
        gone = s.execute(delete(Change).where(Change.seq <= through)).rowcount or 0  # type: ignore[attr-defined]
        horizon = max(before, through)
        s.merge(Meta(key=HORIZON_KEY, value=str(horizon)))
        return Pruned(gone, horizon)

    result, _changes = store.write(run)
    return result  # type: ignore[no-any-return]


def stale_index(lib: Any) -> bool:
    """This client's search index was last brought up to a feed position that has been
    pruned since (it cannot catch up: it must be rebuilt)."""
    stamp = lib.index.stamp()
    return stamp is not None and stamp["seq"] < lib.feed_horizon()
