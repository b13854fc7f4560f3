"""``NoteWriter``: saves notes on one background thread, in order.

A save is a commit *and* the search index update that follows it (~100 ms with the index
attached), which would stall typing if it ran on the GUI thread. Only the paper id and
the text cross the thread; the Library opens its own session there. Results are handed
back on the GUI thread through ``collect()`` (prompted by the queued ``finished`` signal).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import QObject, Signal

from app.errors import PaperdeskError
from app.library import Library


class NoteWriter(QObject):
    """One writer thread; ``wait()`` blocks until every queued save is done."""

    finished = Signal()  # a save finished: call collect() (on the GUI thread)

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lib = library
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="paperdesk-notes")
        self._queued: list[Future] = []
        pool = self._pool
        self.destroyed.connect(lambda *_: pool.shutdown(wait=True))

    def save(self, paper_id: int, text: str) -> None:
        future = self._pool.submit(self._save, self._lib, paper_id, text)
        future.add_done_callback(lambda _f: self._tell())
        self._queued.append(future)

    def busy(self) -> bool:
        return any(not f.done() for f in self._queued)

    def wait(self) -> None:
        for f in list(self._queued):
            f.result()  # _save never raises

    def collect(self) -> list[tuple[int, str, str]]:
        """``(paper id, text, error or "")`` of the saves finished since, oldest first."""
        out = []
        while self._queued and self._queued[0].done():
            out.append(self._queued.pop(0).result())
        return out

    def _tell(self) -> None:
        try:
            self.finished.emit()
        except RuntimeError:  # the editor is gone; its flush() already collected
            pass

    @staticmethod
    def _save(lib: Library, paper_id: int, text: str) -> tuple[int, str, str]:
        try:
            lib.set_note(paper_id, text)
        except PaperdeskError as exc:
            return paper_id, text, str(exc)
        except Exception as exc:  # noqa: BLE001 — reported as one line, never lost silently
            return paper_id, text, f"{type(exc).__name__}: {exc}"
        return paper_id, text, ""
