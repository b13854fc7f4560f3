"""``KeptExports``: the window keeps kept-up-to-date exports current (issue 12).

It follows ``ChangeFeed.libraryChanged`` like the index follower: every change asks for a
refresh, and :class:`app.export.kept.Follower` runs one, debounced (a burst of changes gives
a few rewrites), on its own thread — never the GUI or the writer thread. A file that cannot
be written is reported through :attr:`failed` (the status bar); its previous content stays.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.export.kept import Follower, Refreshed
from app.library import Library


class KeptExports(QObject):
    refreshed = Signal(object)  # app.export.kept.Refreshed
    failed = Signal(str)  # one line per file that could not be written

    def __init__(self, lib: Library, parent: QObject | None = None, delay: float = 0.3) -> None:
        super().__init__(parent)
        self._follower = Follower(lib, self._done, delay=delay)

    def request(self, *_args: object) -> None:
        """Bring the kept exports up to date soon (a slot for ``libraryChanged``)."""
        self._follower.request()

    def idle(self) -> bool:
        return self._follower.idle()

    @property
    def refreshes(self) -> int:
        return self._follower.refreshes

    def stop(self) -> None:
        self._follower.stop()

    def _done(self, result: Refreshed) -> None:  # on the follower's thread: signals only
        try:
            self.refreshed.emit(result)
            for _path, reason in result.failed:
                self.failed.emit(f"Kept export not updated: {reason}")
        except RuntimeError:  # the window is gone
            pass
