"""``ChangeFeed``: the window's one change signal, ``libraryChanged(changes, initiator)``.

It reads the library's change feed — after each of the window's own writes (the writer
hands back the initiator) and, for other processes (the CLI, the import worker), on a
timer — and turns the rows into one :class:`app.store.changes.Changes`. Views learn of
changes only from this signal, and each decides from the flags what to refresh.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from app.library import Library
from app.records import TagInfo
from app.store.changes import Changes

POLL_MS = 1000  # one indexed MAX(seq) query a second: cheap, and "within a few seconds"
BULK = 500  # more feed rows than this at once: views reload instead of reading them

# What the tag list shows (names, colours, counts; the Trash's papers are not counted).
TAG_LIST_KINDS = frozenset({"tag", "tags", "color", "add", "delete", "trash", "restore"})


class ChangeFeed(QObject):
    """Emits :attr:`libraryChanged` once per batch of committed changes.

    ``initiator`` is the object whose write caused them (None: another process, or not
    known). :meth:`tags` is the tag list, read at most once per change however many views
    ask.
    """

    libraryChanged = Signal(object, object)  # Changes, initiator (QObject or None)

    def __init__(self, lib: Library, parent: QObject | None = None, poll_ms: int = POLL_MS):
        super().__init__(parent)
        self._lib = lib
        self.seq = lib.last_change()
        self._tags: tuple[int, list[TagInfo]] | None = None  # (feed position, tags)
        self.paused = lambda: False  # the writer says "my result will poll": skip the tick
        self._timer = QTimer(self)
        self._timer.setInterval(poll_ms)
        self._timer.timeout.connect(self._tick)
        if poll_ms > 0:
            self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        if not self.paused():
            self.poll()

    def poll(self, initiator: object = None) -> Changes:
        """Read the feed after the cursor; emit (and return) what changed, if anything."""
        try:
            last = self._lib.last_change()
            if last <= self.seq:
                return Changes()
            if last - self.seq > BULK or self.seq < self._lib.feed_horizon():
                # Too many rows, or rows pruned from the feed (a team library's retention)
                # since this cursor: every view reloads instead of reading them.
                changes = Changes.reload(last)
            else:
                rows = self._lib.changes_since(self.seq)
                if not rows:
                    return Changes()
                changes = Changes.from_feed(rows)
        except Exception:  # noqa: BLE001 — closing or busy: the next poll catches up
            return Changes()
        self.seq = changes.last_seq if changes.last_seq is not None else last
        self.libraryChanged.emit(changes, initiator)
        return changes

    def tags(self) -> list[TagInfo]:
        """``lib.tags()``, read at most once per feed position however many views ask
        (checking the position is one indexed ``MAX(seq)``)."""
        seq = self._lib.last_change()
        if self._tags is None or self._tags[0] != seq:
            self._tags = (seq, self._lib.tags())
        return self._tags[1]
