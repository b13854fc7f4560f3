"""Follow the library's change feed so the window shows what other processes (the CLI) did."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from app import Library

POLL_MS = 1000  # one indexed MAX(seq) query a second: cheap, and "within a few seconds"
BULK = 500  # more changes than this at once: reload everything instead of reading them


class ChangeWatcher(QObject):
    """Emits :attr:`changed` with ``[(seq, paper_id, kind), ...]`` or :attr:`bulk_changed`.

    Commits in this process arrive at once (``Library.subscribe``); others on the next poll.
    """

    changed = Signal(list)
    bulk_changed = Signal()
    _committed = Signal()  # queued hop onto the GUI thread from any thread's commit

    def __init__(self, lib: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lib = lib
        self.seq = lib.last_change()
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)
        self._timer.start()
        self._committed.connect(self.poll)
        lib.subscribe(self._on_commit)

    def _on_commit(self) -> None:
        self._committed.emit()

    def stop(self) -> None:
        self._timer.stop()
        self._lib.unsubscribe(self._on_commit)

    def poll(self) -> None:
        try:
            last = self._lib.last_change()
        except Exception:  # the library is being closed or is busy: try again next tick
            return
        if last <= self.seq:
            return
        if last - self.seq > BULK:
            self.seq = last
            self.bulk_changed.emit()
            return
        rows = self._lib.changes_since(self.seq)
        if rows:
            self.seq = rows[-1][0]
            self.changed.emit(rows)
