"""``paperdesk check`` for the search index: stamp, files, count, leftovers of a rebuild.

The index is derived data that heals itself: a missing or lagging index (e.g. after a crash
during an import) is only a fact, rebuilt or caught up at the next search; damage that the
next search would have to repair (corrupt files, a stamp from another schema or from a
newer database) is a problem. ``--repair`` brings the index up to date either way.

The facade calls ``check_index(lib.index, report, repair)``.
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select

from app.errors import PaperdeskError
from app.search.index import leftovers
from app.search.whoosh.schema import INT_MAX
from db import Paper, read_session

if TYPE_CHECKING:
    from app.search.index import SearchIndex

_SELF_HEALING = ("missing", "no stamp")


def check_index(idx: SearchIndex, report: Any, repair: bool) -> None:
    """Append to ``report.facts`` / ``.problems`` / ``.repaired`` (a ``CheckReport``)."""
    why = idx.problem()
    lag = idx.lag() if why is None else 0
    if why is None and lag == 0:
        report.facts.append(f"search index: up to date at change {idx.source.last_change()}")
    elif why is None or why in _SELF_HEALING:
        what = why or f"{lag} change(s) behind the database"
        report.facts.append(f"search index: {what}; brought up to date at the next search")
    else:
        report.problems.append(f"{idx.folder}: search index {why}")
    if lag and idx.failure:
        report.facts.append(f"search index: the last update failed ({idx.failure})")
    if repair and (why is not None or lag):
        try:
            idx.sync()
            report.repaired.append(f"{idx.folder}: search index brought up to date")
        except (OSError, PaperdeskError, RuntimeError) as exc:
            report.problems.append(f"{idx.folder}: search index could not be updated ({exc})")
    beyond = out_of_range(idx)
    if beyond:
        shown = ", ".join(str(i) for i in beyond[:10]) + (" …" if len(beyond) > 10 else "")
        report.facts.append(
            f"search index: {len(beyond)} paper(s) have counts beyond its range (kept exactly "
            f"in the library, searched as {INT_MAX}): {shown}"
        )
    for left in leftovers(idx.path):
        report.facts.append(f"{left}: leftover of an interrupted index rebuild (removed next time)")
        if repair:
            shutil.rmtree(left, ignore_errors=True)
            report.repaired.append(f"removed {left}")


def out_of_range(idx: SearchIndex) -> list[int]:
    """Papers whose counts the index cannot hold as they are (it clamps them)."""
    with read_session(idx.source.engine) as s:
        return list(
            s.scalars(
                select(Paper.id)
                .where(or_(Paper.upvotes > INT_MAX, Paper.comments > INT_MAX))
                .order_by(Paper.id)
            )
        )
