"""Run library reads off the GUI thread; results come back by signal, stale ones are dropped."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_all
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.errors import PaperdeskError


class _Relay(QObject):
    """Lives in the GUI thread; a worker emitting on it queues the call there."""

    done = Signal(int, object)
    failed = Signal(int, str)


class LatestJob(QObject):
    """Runs one function at a time in a thread pool; only the latest request's answer counts.

    Each :meth:`submit` bumps a generation counter; a result from an older generation is
    dropped, so a slow search for "ge" never overwrites the answer for "gen" (napari's rule).

    Plain Python threads, not Qt's ``QThreadPool``: a Python ``QRunnable`` that the pool
    deletes (``clear()``, auto-delete) while Python still holds its wrapper is a double
    free waiting to happen; here a stale request still queued is skipped when it starts.
    """

    finished = Signal(object)  # the function's result
    failed = Signal(str)  # one-line reason

    def __init__(self, parent: QObject | None = None, threads: int = 2) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="paperdesk-job")
        self._futures: set[Future[None]] = set()
        self._lock = threading.Lock()
        self._relay = _Relay(self)
        self._relay.done.connect(self._done)
        self._relay.failed.connect(self._failed)
        self.generation = 0
        self.busy = False

    def submit(self, fn: Callable[[], Any]) -> int:
        self.generation += 1
        self.busy = True
        future = self._pool.submit(self._run, self.generation, fn)
        with self._lock:
            self._futures.add(future)
        future.add_done_callback(self._forget)
        return self.generation

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._futures.discard(future)

    def _run(self, generation: int, fn: Callable[[], Any]) -> None:
        if generation != self.generation:
            return  # a newer request came while this one waited: it is stale already
        try:
            result = fn()
        except PaperdeskError as exc:
            self._relay.failed.emit(generation, str(exc))
        except Exception as exc:  # a worker must never die silently: say what broke
            self._relay.failed.emit(generation, f"{type(exc).__name__}: {exc}")
        else:
            self._relay.done.emit(generation, result)

    def wait(self, msecs: int = -1) -> bool:
        """Wait for the requests submitted so far (``msecs`` < 0: as long as it takes)."""
        with self._lock:
            pending = set(self._futures)
        _done, left = wait_all(pending, timeout=None if msecs < 0 else msecs / 1000)
        return not left

    def _done(self, generation: int, result: object) -> None:
        if generation == self.generation:
            self.busy = False
            self.finished.emit(result)

    def _failed(self, generation: int, reason: str) -> None:
        if generation == self.generation:
            self.busy = False
            self.failed.emit(reason)
