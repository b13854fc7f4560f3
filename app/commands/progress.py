"""A progress bar on the terminal (``rich``), for the long commands: import, reindex.

Only when standard error is a terminal and the output is not ``--json``: piped, logged or
scripted runs print nothing extra.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Update = Callable[..., None]  # update(completed, total=None, description=None)


def wanted(args: object) -> bool:
    return sys.stderr.isatty() and not getattr(args, "json", False)


@contextmanager
def bar(description: str, unit: str, enabled: bool) -> Iterator[Update]:
    """``with bar("importing", "papers", wanted(args)) as update: update(done, total)``."""
    if not enabled:
        yield lambda *_a, **_k: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(description, total=None)

        def update(done: int, total: int | None = None, text: str | None = None) -> None:
            progress.update(task, completed=done, total=total, description=text or description)

        yield update
