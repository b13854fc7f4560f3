"""Run library reads off the GUI thread; results come back by signal, stale ones are dropped."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from app.errors import PaperdeskError


class _Relay(QObject):
    """Lives in the GUI thread; a worker emitting on it queues the call there."""

    done = Signal(int, object)
    failed = Signal(int, str)


class _Job(QRunnable):
    def __init__(self, relay: _Relay, generation: int, fn: Callable[[], Any]) -> None:
        super().__init__()
        self._relay, self._generation, self._fn = relay, generation, fn

    def run(self) -> None:
        try:
            result = self._fn()
        except PaperdeskError as exc:
            self._relay.failed.emit(self._generation, str(exc))
        except Exception as exc:  # a worker must never die silently: say what broke
            self._relay.failed.emit(self._generation, f"{type(exc).__name__}: {exc}")
        else:
            self._relay.done.emit(self._generation, result)


class LatestJob(QObject):
    """Runs one function at a time in a thread pool; only the latest request's answer counts.

    Each :meth:`submit` bumps a generation counter; a result from an older generation is
    dropped, so a slow search for "ge" never overwrites the answer for "gen" (napari's rule).
    """

    finished = Signal(object)  # the function's result
    failed = Signal(str)  # one-line reason

    def __init__(self, parent: QObject | None = None, threads: int = 2) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._relay = _Relay(self)
        self._relay.done.connect(self._done)
        self._relay.failed.connect(self._failed)
        self.generation = 0
        self.busy = False

    def submit(self, fn: Callable[[], Any]) -> int:
        self.generation += 1
        self._pool.clear()  # queued, not yet started requests are already stale
        self.busy = True
        self._pool.start(_Job(self._relay, self.generation, fn))
        return self.generation

    def wait(self, msecs: int = -1) -> bool:
        return self._pool.waitForDone(msecs)

    def _done(self, generation: int, result: object) -> None:
        if generation == self.generation:
            self.busy = False
            self.finished.emit(result)

    def _failed(self, generation: int, reason: str) -> None:
        if generation == self.generation:
            self.busy = False
            self.failed.emit(reason)
