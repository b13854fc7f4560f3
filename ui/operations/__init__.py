"""One write path and one change signal for the window (Anki's ``aqt.operations``).

Every write the window makes is an :class:`Operation` run on the one :class:`Writer`
thread; when it is stored, :class:`ChangeFeed` reads the change feed and emits
``libraryChanged(changes, initiator)``, the only way views learn of changes::

    ops.op(lambda lib: lib.set_starred(ids), initiator=self).success(cb).failure(cb).run()
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject

from app.library import Library
from ui.operations.changes import ChangeFeed
from ui.operations.index_follow import IndexFollower
from ui.operations.writer import Job, Writer

__all__ = ["ChangeFeed", "IndexFollower", "Operation", "Operations", "Writer"]


class Operation:
    """One write: ``fn(lib)`` on the writer thread, then ``success(result)`` or
    ``failure(one line)`` on the GUI thread, then one ``libraryChanged`` for what it did.

    A failure with no handler goes to ``Operations.failed`` handlers (shown inline)."""

    def __init__(self, ops: Operations, fn: Job, initiator: object = None) -> None:
        self._ops, self._fn, self._initiator = ops, fn, initiator
        self._success: Callable[[Any], None] | None = None
        self._failure: Callable[[str], None] | None = None

    def success(self, cb: Callable[[Any], None]) -> Operation:
        self._success = cb
        return self

    def failure(self, cb: Callable[[str], None]) -> Operation:
        self._failure = cb
        return self

    def run(self) -> None:
        ops = self._ops

        def done(task: Any) -> None:
            try:
                if task.error:
                    if self._failure is not None:
                        self._failure(task.error)
                    else:
                        ops.report_failure(task.error)
                elif self._success is not None:
                    self._success(task.result)
            finally:
                # Even a refused write may have committed nothing or something: the feed says.
                ops.changes.poll(self._initiator)

        ops.writer.submit(self._fn, done)


class Operations(QObject):
    """The window's write path: the library, its writer thread and its change signal."""

    def __init__(self, lib: Library, parent: QObject | None = None, poll_ms: int | None = None):
        super().__init__(parent)
        self.lib = lib
        self.writer = Writer(lib, self)
        kwargs = {} if poll_ms is None else {"poll_ms": poll_ms}
        self.changes = ChangeFeed(lib, self, **kwargs)
        self.changes.paused = self.writer.busy  # a write's own result reads the feed
        self._failure_handlers: list[Callable[[str], None]] = []

    def op(self, fn: Job, initiator: object = None) -> Operation:
        return Operation(self, fn, initiator)

    def on_failure(self, cb: Callable[[str], None]) -> None:
        """Where failures without their own handler are shown (one line)."""
        self._failure_handlers.append(cb)

    def report_failure(self, text: str) -> None:
        for cb in self._failure_handlers:
            cb(text)

    def wait(self) -> None:
        """Block until every queued write is stored and its result dispatched."""
        self.writer.wait()

    def stop(self) -> None:
        self.changes.stop()
        self.writer.stop()


def ops_for(library: Library | Operations, parent: QObject) -> Operations:
    """The window's ``Operations``, or a private one for a widget used on its own (tests)."""
    return library if isinstance(library, Operations) else Operations(library, parent)
