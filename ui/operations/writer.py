"""``Writer``: every write the window makes runs here, on one thread, in order.

Only plain values (paper ids, names, text) cross into the thread; the Library opens its own
session there for each call, so no session or ORM object ever crosses a thread. Results are
handed back on the GUI thread, oldest first, through :meth:`dispatch` (prompted by a queued
signal, or called directly after :meth:`wait`).
"""

from __future__ import annotations

import atexit
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

from app.errors import PaperdeskError
from app.library import Library

Job = Callable[[Library], Any]


@dataclass
class _Task:
    fn: Job
    done: Callable[[_Task], None]
    result: Any = None
    error: str = ""
    finished: threading.Event = field(default_factory=threading.Event)


class _Thread(QThread):
    def __init__(self, lib: Library, tasks: queue.Queue[_Task | None], tell: Callable[[], None]):
        super().__init__()
        self.setObjectName("paperdesk-writer")
        self._lib, self._tasks, self._tell = lib, tasks, tell

    def run(self) -> None:
        threading.current_thread().name = "paperdesk-writer"
        while True:
            task = self._tasks.get()
            if task is None:
                return
            try:
                task.result = task.fn(self._lib)
            except PaperdeskError as exc:
                task.error = str(exc)
            except Exception as exc:  # noqa: BLE001 — one line for the user, never lost
                task.error = f"{type(exc).__name__}: {exc}"
            task.finished.set()
            self._tell()


class Writer(QObject):
    """One writer thread. ``submit(fn, done)`` runs ``fn(lib)`` there; ``done(task)`` runs
    on the GUI thread afterwards, in submission order. ``wait()`` blocks until all queued
    writes are stored (closing the window, flushing a note)."""

    _finished = Signal()  # emitted from the writer thread: a queued hop to the GUI thread

    def __init__(self, lib: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.lib = lib
        self._tasks: queue.Queue[_Task | None] = queue.Queue()
        self._pending: list[_Task] = []
        self._thread = _Thread(lib, self._tasks, self._tell)
        self._finished.connect(self.dispatch)
        self._thread.start()
        self._stopped = False
        thread, tasks = self._thread, self._tasks

        def stop_thread(*_args: object) -> None:
            tasks.put(None)
            try:
                thread.wait()
            except RuntimeError:  # at exit Qt may have deleted the thread object already
                pass

        self.destroyed.connect(stop_thread)
        atexit.register(stop_thread)  # a writer never outlives the interpreter mid-write

    def submit(self, fn: Job, done: Callable[[_Task], None]) -> None:
        if self._stopped:
            raise RuntimeError("the writer has stopped")
        task = _Task(fn, done)
        self._pending.append(task)
        self._tasks.put(task)

    def busy(self) -> bool:
        """A write is queued or running, or its result not yet dispatched."""
        return bool(self._pending)

    def wait(self) -> None:
        """Block until every queued write has finished, then dispatch their results."""
        for task in list(self._pending):
            task.finished.wait()
        self.dispatch()

    def dispatch(self) -> None:
        """Run the ``done`` callbacks of finished writes, oldest first (GUI thread)."""
        while self._pending and self._pending[0].finished.is_set():
            task = self._pending.pop(0)
            task.done(task)

    def stop(self) -> None:
        """Finish the queued writes and end the thread (the window's close)."""
        if self._stopped:
            return
        self.wait()
        self._stopped = True
        self._tasks.put(None)
        self._thread.wait()

    def _tell(self) -> None:
        try:
            self._finished.emit()
        except RuntimeError:  # the writer object is gone; its stop() already dispatched
            pass
