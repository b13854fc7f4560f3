"""``AnnotationPanel``: star, read, tags, suggested tags and the note of the selected papers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QKeyCombination, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from app.errors import PaperdeskError
from app.library import Library
from app.records import TagInfo
from app.store.changes import Changes
from ui import plain
from ui.annotations import commands
from ui.annotations.commands import Feedback
from ui.annotations.note_editor import NoteEditor
from ui.annotations.suggestions import SuggestedTags, neighbour_tags, pick_suggestions
from ui.annotations.tag_editor import TagEditor
from ui.jobs import LatestJob
from ui.operations import Operations, ops_for

TAG_KEYS = 9


class AnnotationPanel(QWidget):
    """Annotations of one or many selected papers; every change is one step on ``undo_stack``.

    The window calls ``set_papers(ids)`` and ``flush()`` on selection change and close, and
    adds ``actions()`` to its toolbar/menus (star S, read R, keys 1–9 toggle coloured tags).
    Its writes run on the window's writer (``ops``); it learns of every change, its own
    included, from ``ops.changes.libraryChanged`` and refreshes once per change.
    """

    def __init__(
        self, library: Library | Operations, undo_stack: QUndoStack, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("annotationPanel")
        self.ops = ops_for(library, self)
        self._lib = self.ops.lib
        self._stack = undo_stack
        self._ids: list[int] = []
        # Why this member may not change what the team shares (a read-only team member),
        # or None: tags and the note are then shown but not editable; star and read (each
        # member's own) stay live.
        self.read_only: str | None = None
        self._summary: dict[str, Any] = {"papers": 0, "starred": 0, "read": 0, "tags": {}}
        self._key_tags: list[str] = []
        self._neighbour_tags: list[str] = []  # ranked tags of the paper's related papers
        self.feedback = Feedback(self)
        self.feedback.failed.connect(self.show_message)
        self.ops.changes.libraryChanged.connect(self.library_changed)

        col = QVBoxLayout(self)
        head = QHBoxLayout()
        self.star_action = QAction("Star", self)
        self.star_action.setObjectName("starAction")
        self.star_action.setCheckable(True)
        self.star_action.setShortcut(QKeySequence(Qt.Key.Key_S))
        self.star_action.setToolTip("Star the selected papers (S)")
        self.star_action.triggered.connect(self.toggle_star)
        self.read_action = QAction("Read", self)
        self.read_action.setObjectName("readAction")
        self.read_action.setCheckable(True)
        self.read_action.setShortcut(QKeySequence(Qt.Key.Key_R))
        self.read_action.setToolTip("Mark the selected papers read (R)")
        self.read_action.triggered.connect(self.toggle_read)
        # On and off look different (a filled star, a tick), not just a pressed button.
        self.star_action.toggled.connect(self._show_toggle_states)
        self.read_action.toggled.connect(self._show_toggle_states)
        self._show_toggle_states()
        self.star_button = QToolButton(self)
        self.star_button.setObjectName("starButton")
        self.star_button.setDefaultAction(self.star_action)
        self.read_button = QToolButton(self)
        self.read_button.setObjectName("readButton")
        self.read_button.setDefaultAction(self.read_action)
        self.summary = QLabel(self)
        self.summary.setObjectName("annotationSummary")
        head.addWidget(self.star_button)
        head.addWidget(self.read_button)
        head.addWidget(self.summary, 1)
        col.addLayout(head)

        self.tag_editor = TagEditor(self.ops, undo_stack, self.feedback, self)
        col.addWidget(self.tag_editor)
        self.suggestions = SuggestedTags(self)
        self.suggestions.chosen.connect(self.tag_editor.add)
        col.addWidget(self.suggestions)
        self.note_editor = NoteEditor(self.ops, undo_stack, self.feedback, self)
        col.addWidget(self.note_editor, 1)
        self.message = QLabel(self)
        self.message.setObjectName("annotationMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.hide()
        col.addWidget(self.message)

        self.tag_actions: list[QAction] = []
        for k in range(TAG_KEYS):
            a = QAction(self)
            a.setObjectName(f"tagKey{k + 1}")
            a.setShortcut(QKeySequence(QKeyCombination(Qt.Key(Qt.Key.Key_1 + k))))
            a.triggered.connect(lambda _=False, k=k: self.toggle_tag_key(k))
            self.tag_actions.append(a)
        # Live whenever the panel is in a window; the window may add them to menus too.
        for a in (self.star_action, self.read_action, *self.tag_actions):
            QWidget.addAction(self, a)

        # "Mark read after N seconds on screen": off unless set_auto_read(seconds).
        self._auto_read = QTimer(self)
        self._auto_read.setSingleShot(True)
        self._auto_read.timeout.connect(self._mark_read_now)
        # Suggestions search the index (more-like-this): off the GUI thread, newest wins.
        self._suggest_job = LatestJob(self, threads=1)
        self._suggest_job.finished.connect(self._suggestions_arrived)
        self._suggest_stopped = False  # the window shut down: its library may be closed
        self._suggest_timer = QTimer(self)
        self._suggest_timer.setSingleShot(True)
        self._suggest_timer.timeout.connect(self._update_suggestions)
        self.set_papers([])

    def _show_toggle_states(self, *_args: object) -> None:
        star, read = self.star_action, self.read_action
        star.setText("★ Starred" if star.isChecked() else "☆ Star")
        read.setText("✓ Read" if read.isChecked() else "Mark read")
        star.setToolTip(("Unstar" if star.isChecked() else "Star") + " the selected papers (S)")
        read.setToolTip(
            ("Mark unread" if read.isChecked() else "Mark read") + " the selected papers (R)"
        )

    # -- the window's side -------------------------------------------------------------------

    def actions(self) -> list[QAction]:  # type: ignore[override]
        """Star, read and the nine tag keys, for the window's toolbar and menus."""
        return [self.star_action, self.read_action, *self.tag_actions]

    def set_read_only(self, why: str | None) -> None:
        """A read-only team member: the tag editor, tag keys and note cannot change what
        the team shares (each says ``why``); star and read, their own, stay live."""
        self.read_only = why
        self.note_editor.read_only = why
        self.set_papers(self._ids)

    def set_papers(self, ids: list[int]) -> None:
        self.note_editor.flush()
        self._ids = list(dict.fromkeys(ids))
        self.message.hide()
        self.tag_editor.set_papers(self._ids)
        self.note_editor.set_paper(self._ids[0] if len(self._ids) == 1 else None)
        self.note_editor.setEnabled(len(self._ids) == 1)
        if self.read_only:
            self.tag_editor.setEnabled(False)
            self.tag_editor.setToolTip(self.read_only)
            self.suggestions.setEnabled(False)
        self.refresh()
        self._neighbour_tags = []
        self.suggestions.set_names([])
        if len(self._ids) == 1:
            self._suggest_timer.start(0)  # after the selection has painted
        self._restart_auto_read()

    def papers(self) -> list[int]:
        return list(self._ids)

    def flush(self) -> bool:
        """Save the note being typed now; the window calls this on selection change/close."""
        return self.note_editor.flush()

    def library_changed(self, changes: Changes, initiator: object) -> None:
        """``libraryChanged``: refresh once if it touches the selection or the tags."""
        mine = set(self._ids)
        if not (changes.everything or changes.tag_meta or changes.paper_ids & mine):
            return
        self.refresh(note=initiator is not self.note_editor)

    def refresh(self, note: bool = True) -> None:
        """Re-read the selection's state (after a change here, by undo, or by another process)."""
        try:
            self._summary = self._lib.annotation_summary(self._ids)
            tag_infos: list[TagInfo] = self.ops.changes.tags()
        except PaperdeskError as exc:  # called from signals: say it, inline
            self.show_message(str(exc))
            return
        n = self._summary["papers"]
        self.star_action.setEnabled(n > 0)
        self.read_action.setEnabled(n > 0)
        self.star_action.setChecked(n > 0 and self._summary["starred"] == n)
        self.read_action.setChecked(n > 0 and self._summary["read"] == n)
        self.summary.setText("" if n <= 1 else f"{n:,} papers selected")
        self.tag_editor.refresh(self._summary, tag_infos)
        if note:
            self.note_editor.reload()
        self._show_suggestions()
        # Keys 1–9: the coloured tags in name order, so a key keeps its tag as counts change.
        coloured = sorted((t.name for t in tag_infos if t.color), key=str.casefold)
        self._key_tags = coloured[:TAG_KEYS]
        for k, action in enumerate(self.tag_actions):
            name = self._key_tags[k] if k < len(self._key_tags) else None
            action.setEnabled(name is not None and n > 0 and not self.read_only)
            text = f"Toggle tag {name!r}" if name else f"Tag key {k + 1} (no tag)"
            action.setText(plain.menu_text(text))
            action.setToolTip(plain.tooltip(f"{text} ({k + 1})"))

    # -- actions -----------------------------------------------------------------------------

    def toggle_star(self) -> None:
        self._toggle_flag("starred")

    def toggle_read(self) -> None:
        self._toggle_flag("read")

    def _toggle_flag(self, flag: str) -> None:
        if not self._ids:
            return
        # Mixed selection: set it on all; all set: clear it on all (like a tri-state box).
        value = self._summary[flag] < self._summary["papers"]
        commands.set_flag(self._stack, self.ops, self.feedback, flag, self._ids, value, self)
        # Say it at once, so a second key press before the writer answers toggles back;
        # the refresh that libraryChanged brings confirms it.
        self._summary[flag] = self._summary["papers"] if value else 0
        getattr(self, f"{'star' if flag == 'starred' else 'read'}_action").setChecked(value)

    def toggle_tag_key(self, k: int) -> None:
        """Key ``k + 1``: add the k-th coloured tag to all selected papers, or remove it if
        all carry it already."""
        if not self._ids or k >= len(self._key_tags):
            return
        name = self._key_tags[k]
        carried = self._summary["tags"].get(name, 0)
        if carried >= self._summary["papers"]:
            self.tag_editor.remove(name)
        else:
            self.tag_editor.add(name)

    def set_auto_read(self, seconds: float | None) -> None:
        """Mark a paper read after it has been shown alone for ``seconds``; None turns off."""
        self._auto_read.setProperty("seconds", seconds)
        self._restart_auto_read()

    def _restart_auto_read(self) -> None:
        self._auto_read.stop()
        seconds = self._auto_read.property("seconds")
        if seconds and len(self._ids) == 1 and not self._summary["read"]:
            self._auto_read.start(int(seconds * 1000))

    def _mark_read_now(self) -> None:
        if len(self._ids) == 1 and not self._summary["read"]:
            commands.set_flag(self._stack, self.ops, self.feedback, "read", self._ids, True, self)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    def _update_suggestions(self) -> None:
        if len(self._ids) != 1 or self._suggest_stopped:
            return
        lib, pid = self._lib, self._ids[0]
        fetch: Callable[[], tuple[int, list[str]]] = lambda: (pid, neighbour_tags(lib, pid))  # noqa: E731
        self._suggest_job.submit(fetch)

    def _suggestions_arrived(self, result: object) -> None:
        assert isinstance(result, tuple)  # (paper id, ranked names), from _update_suggestions
        pid: int = result[0]
        names: list[str] = result[1]
        if self._ids == [pid]:
            self._neighbour_tags = names
            self._show_suggestions()

    def _show_suggestions(self) -> None:
        # A tag just added is no longer a suggestion: filter the ranked list again, no query.
        names = pick_suggestions(self._neighbour_tags, self._summary["tags"])
        if names != self.suggestions.names():
            self.suggestions.set_names(names)

    def stop_suggestions(self, msecs: int = -1) -> bool:
        """For good (the window is shutting down): no suggestion search starts after
        this, and the running one is waited for. A search started later, on a closed
        library, opened a connection on its disposed engine."""
        self._suggest_stopped = True
        self._suggest_timer.stop()
        return self._suggest_job.wait(msecs)

    def wait_for_suggestions(self, msecs: int = -1) -> bool:
        """Block until a running suggestion search has finished (its result is queued)."""
        return self._suggest_job.wait(msecs)

    def suggestions_pending(self) -> bool:
        """A suggestion search is due, running, or its result not yet shown (tests)."""
        return self._suggest_timer.isActive() or self._suggest_job.busy
