"""``paperdesk check`` for the search index: stamp, files, count, leftovers of a rebuild."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.library import Library


def check_index(lib: Library, report: Any, repair: bool) -> None:
    from app.search import index_for

    idx = index_for(lib)
    why = idx.problem()
    if why is None and idx.behind():
        why = f"behind the database (at change {idx.stamp()['seq']} of {lib.last_change()})"
    if why is not None:
        report.problems.append(f"{idx.folder}: search index {why}")
        if repair:
            idx.sync()
            report.repaired.append(f"{idx.folder}: search index brought up to date")
    for left in sorted(lib.path.glob("index.building-*")) + sorted(lib.path.glob("index.old-*")):
        if left.is_dir():
            report.problems.append(f"{left}: leftover of an interrupted index rebuild")
            if repair:
                shutil.rmtree(left, ignore_errors=True)
                report.repaired.append(f"removed {left}")
    if why is None:
        report.facts.append(f"search index: up to date at change {lib.last_change()}")
