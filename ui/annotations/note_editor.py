"""``NoteEditor``: one paper's Markdown note, autosaved after a pause, with a safe preview."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QHideEvent, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QStackedWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import PaperdeskError
from app.library import Library
from app.links import is_web_link
from app.store.changes import Changes
from ui.annotations import commands
from ui.annotations.commands import Feedback
from ui.annotations.markdown_view import render_note
from ui.operations import Operations, ops_for

# Saved this long after the last keystroke (the issue asks for within 1 s); each pause
# is also one undo step ("typing coalesced per pause").
AUTOSAVE_MS = 600


class SafeBrowser(QTextBrowser):
    """A preview that loads nothing: no images or style sheets, local or remote."""

    def loadResource(self, kind: int, url: QUrl | str) -> object:  # noqa: N802
        return None


class NoteEditor(QWidget):
    """Edit the note of one paper. ``flush()`` saves at once; the window calls it when the
    selection changes or it closes, and the editor itself does on focus-out, hide and quit."""

    saved = Signal(int)  # paper id

    def __init__(
        self,
        library: Library | Operations,
        undo_stack: QUndoStack,
        feedback: Feedback | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("noteEditor")
        self.ops = ops_for(library, self)
        self._lib = self.ops.lib
        self._stack = undo_stack
        if feedback is None:  # standalone: follow changes ourselves (a panel tells us)
            self.ops.changes.libraryChanged.connect(self._library_changed)
        self.feedback = feedback or Feedback(self)
        self._paper: int | None = None
        self._saved_text: str | None = ""  # None: unknown (a save failed)
        self._dirty = False
        self._failed = False
        self._saving = 0  # saves queued on the writer, not yet answered

        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.status = QLabel(self)
        self.status.setObjectName("noteStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        bar.addWidget(self.status, 1)
        self.preview_button = QToolButton(self)
        self.preview_button.setObjectName("notePreviewToggle")
        self.preview_button.setText("Preview")
        self.preview_button.setCheckable(True)
        self.preview_button.setToolTip("Show the note rendered as Markdown")
        self.preview_button.toggled.connect(self.set_preview)
        bar.addWidget(self.preview_button)
        col.addLayout(bar)

        self.pages = QStackedWidget(self)
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("noteText")
        self.text.setAccessibleName("Note")
        self.text.setPlaceholderText("Notes (Markdown)…")
        self.text.setTabChangesFocus(True)  # Tab leaves the note: keyboard-only triage
        self.preview = SafeBrowser(self)
        self.preview.setObjectName("notePreview")
        self.preview.setOpenLinks(False)
        self.preview.anchorClicked.connect(_open_web_link)
        self.pages.addWidget(self.text)
        self.pages.addWidget(self.preview)
        col.addWidget(self.pages, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_MS)
        self._timer.timeout.connect(self._autosave)
        self.text.textChanged.connect(self._typed)
        self.text.installEventFilter(self)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.flush)  # safety net: quitting saves too
        self.set_paper(None)

    # -- state -------------------------------------------------------------------------------

    def paper(self) -> int | None:
        return self._paper

    def is_dirty(self) -> bool:
        return self._dirty

    def set_paper(self, paper_id: int | None) -> None:
        """Show ``paper_id``'s note (saving the previous one first); None shows nothing."""
        self.flush()
        self._paper = paper_id
        body = ""
        if paper_id is not None:
            try:
                body = self._lib.note(paper_id)
            except PaperdeskError as exc:
                self._paper = None
                self.status.setText(str(exc))
        self._load(body)
        self.text.setReadOnly(self._paper is None)
        self.text.setPlaceholderText(
            "Notes (Markdown)…" if self._paper is not None else "Select one paper to take notes"
        )
        if self._paper is not None:
            self.status.clear()

    def _load(self, body: str) -> None:
        self._saved_text = body
        self._dirty = False
        self._timer.stop()
        self.text.blockSignals(True)
        try:
            self.text.setPlainText(body)
        finally:
            self.text.blockSignals(False)
        if self.preview_button.isChecked():
            self.preview.setHtml(render_note(body))

    # -- saving ------------------------------------------------------------------------------

    def _typed(self) -> None:
        if self._paper is None:
            return
        self._dirty = True
        self._timer.start()  # restart: saves AUTOSAVE_MS after the last keystroke
        self.status.setText("Editing…")

    def _autosave(self) -> None:
        """The pause after typing: queue the save (one undo step); typing goes on meanwhile."""
        self._timer.stop()
        if not self._dirty or self._paper is None:
            return
        self._dirty = False
        text = self.text.toPlainText()
        if text == self._saved_text:
            self.status.setText("Saved")
            return
        paper_id = self._paper
        step = commands.NoteStep(self.ops, paper_id, self._saved_text or "", text, self.feedback)
        self._stack.push(step)
        self._saved_text = text
        self.status.setText("Saving…")
        self._saving += 1
        self.ops.op(lambda lib: lib.set_note(paper_id, text), initiator=self).success(
            lambda _r: self._stored(paper_id, text, "")
        ).failure(lambda reason: self._stored(paper_id, text, reason)).run()

    def busy(self) -> bool:
        """A save is on its way to the library."""
        return self._saving > 0

    def flush(self) -> bool:
        """Save a pending edit now and wait until it is stored.

        False if it could not be saved (the reason is in the status line)."""
        self._autosave()
        if self._saving:
            self.ops.wait()
        return not self._failed

    def _stored(self, paper_id: int, text: str, error: str) -> None:
        self._saving -= 1
        if error:
            self._failed = True
            self.status.setText(f"Not saved: {error}")
            if paper_id == self._paper:
                # The library still has the older text: try again at the next pause.
                try:
                    self._saved_text = self._lib.note(paper_id)
                except PaperdeskError:
                    self._saved_text = None
                self._dirty = True
            return
        self._failed = False
        if paper_id == self._paper and not self._dirty and text == self._saved_text:
            self.status.setText("Saved")
        self.saved.emit(paper_id)

    def _library_changed(self, changes: Changes, initiator: object) -> None:
        if initiator is self:  # our own save: the field already shows it
            return
        if self._paper is not None and (
            changes.everything or self._paper in changes.annotation | changes.content
        ):
            self.reload()

    def _changed_elsewhere(self) -> None:
        # An undo/redo (or another process) changed this paper's note: show it, unless the
        # user is typing or a save is on its way — then their text wins.
        if self._paper is None or self._dirty or self.busy():
            return
        try:
            body = self._lib.note(self._paper)
        except PaperdeskError:
            return
        if body != self._saved_text or body != self.text.toPlainText():
            cursor = self.text.textCursor().position()
            self._load(body)
            c = self.text.textCursor()
            c.setPosition(min(cursor, len(body)))
            self.text.setTextCursor(c)

    def reload(self) -> None:
        """Re-read the note (after a change by another process), keeping unsaved typing."""
        self._changed_elsewhere()

    # -- preview -----------------------------------------------------------------------------

    def set_preview(self, on: bool) -> None:
        if self.preview_button.isChecked() != on:
            self.preview_button.setChecked(on)  # re-enters through toggled
            return
        if on:
            self.flush()
            self.preview.setHtml(render_note(self.text.toPlainText()))
        self.pages.setCurrentWidget(self.preview if on else self.text)

    # -- safety nets ---------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        # Leaving the field saves: this includes opening a menu (Edit ▸ Undo), which takes
        # focus away with Qt.PopupFocusReason, so an undo never races unsaved typing.
        if watched is self.text and event.type() == QEvent.Type.FocusOut:
            self.flush()
        return super().eventFilter(watched, event)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802
        self.flush()  # closing the window hides its children first
        super().hideEvent(event)


def _open_web_link(url: QUrl) -> None:
    # The shared web-link rule, plus e-mail addresses, which a note may well mention.
    if is_web_link(url.toString()) or url.scheme() == "mailto":
        QDesktopServices.openUrl(url)
