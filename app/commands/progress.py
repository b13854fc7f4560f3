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

    from app.commands.output import exact, terminal_safe

    columns = [
        TextColumn("{task.description}", markup=False),  # a file's name is never markup
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
    ]
    # The bar's own escape sequences go to the terminal as they are: the command's stderr
    # escapes control characters (user text), which would print the bar as "\x1b[90m━━".
    console = Console(file=exact(sys.stderr), stderr=True)
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(description, total=None)

        def update(done: int, total: int | None = None, text: str | None = None) -> None:
            shown = terminal_safe(text or description)  # text may hold a file's name
            progress.update(task, completed=done, total=total, description=shown)

        yield update
