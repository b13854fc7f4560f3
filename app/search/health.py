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

from app.search.index import leftovers

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
    if repair and (why is not None or lag):
        idx.sync()
        report.repaired.append(f"{idx.folder}: search index brought up to date")
    for left in leftovers(idx.path):
        report.facts.append(f"{left}: leftover of an interrupted index rebuild (removed next time)")
        if repair:
            shutil.rmtree(left, ignore_errors=True)
            report.repaired.append(f"removed {left}")
