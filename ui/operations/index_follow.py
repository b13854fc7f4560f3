"""``IndexFollower``: the search index follows the change feed on its own thread.

After each ``libraryChanged`` it asks ``lib.index.sync()`` to catch up — never on the GUI
thread, never on the writer thread (a long re-index must not hold up the next star click).
Requests made while a sync runs fold into one more sync. ``synced(generation)`` says which
request is now in the index; the window re-runs a search only for the newest one, so
results computed against an older index never replace newer ones.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Signal

from app.library import Library

_log = logging.getLogger(__name__)


class IndexFollower(QObject):
    synced = Signal(int)  # the generation now indexed
    failed = Signal(str)

    def __init__(self, lib: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lib = lib
        self.generation = 0  # the newest request (GUI thread)
        self.indexed = 0  # the newest request done (written by the follower thread)
        self._wanted = 0
        self._cond = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="paperdesk-index", daemon=True)
        self._thread.start()

    def request(self, *_args: object) -> int:
        """Catch the index up with the feed soon; returns this request's generation."""
        self.generation += 1
        with self._cond:
            self._wanted = self.generation
            self._cond.notify_all()
        return self.generation

    def idle(self) -> bool:
        with self._cond:
            return self.indexed >= self._wanted

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every request so far is indexed (tests, closing)."""
        with self._cond:
            return self._cond.wait_for(
                lambda: self.indexed >= self._wanted or self._stopping, timeout
            )

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stopping or self._wanted > self.indexed)
                if self._stopping:
                    return
                target = self._wanted
            try:
                self._lib.index.sync()
            except Exception as exc:  # noqa: BLE001 — the next change (or search) catches up
                _log.warning("search index not updated (%s); it will catch up", exc)
                self._emit(self.failed, f"The search index could not follow: {exc}")
            with self._cond:
                self.indexed = target
                self._cond.notify_all()
            self._emit(self.synced, target)

    @staticmethod
    def _emit(signal: object, value: object) -> None:
        try:
            signal.emit(value)  # type: ignore[attr-defined]
        except RuntimeError:  # the window is gone
            pass
