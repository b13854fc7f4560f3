"""``NoteEditor``: one paper's Markdown note, autosaved after a pause, with a safe preview."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QHideEvent, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMessageBox,
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
from app.store.marks import NoteConflict
from ui.annotations import commands
from ui.annotations.commands import Feedback
from ui.annotations.markdown_view import render_note
from ui.operations import Operations, ops_for

# Saved this long after the last keystroke (the issue asks for within 1 s); each pause
# is also one undo step ("typing coalesced per pause").
AUTOSAVE_MS = 600
CONFLICT_RETRIES = 3  # keep-both saves without asking, when yet another save came between


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
        # A team library: the note version this editor shows (a save names it, so a save
        # over another member's newer version is a conflict, never an overwrite).
        self._team = bool(getattr(self._lib, "is_team", False))
        self._version: int | None = None
        self.conflict_dialog: QMessageBox | None = None
        self.read_only: str | None = None  # why the note cannot be edited (a team reader)
        self._closing = False  # the window is closing: a conflict is settled, not asked
        self._settle = lambda: None  # the open conflict dialog's "keep both"
        self._conflict_saves = 0  # keep-both saves made without asking (bounded)

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
            app.aboutToQuit.connect(self.close_down)  # safety net: quitting saves too
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
        self._version = None
        if paper_id is not None:
            try:
                body = self._read(paper_id)
            except PaperdeskError as exc:
                self._paper = None
                self.status.setText(str(exc))
        self._load(body)
        self.text.setReadOnly(self._paper is None or bool(self.read_only))
        self.text.setPlaceholderText(
            "Notes (Markdown)…" if self._paper is not None else "Select one paper to take notes"
        )
        self.text.setToolTip(self.read_only or "")
        if self._paper is not None:
            self.status.clear()

    def _read(self, paper_id: int) -> str:
        """The stored note (and, in a team library, the version this editor now shows)."""
        if not self._team:
            return self._lib.note(paper_id)
        info = self._lib.note_info(paper_id)
        self._version = info.version
        return info.body

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
        self._save(paper_id, text, self._version if self._team else None)

    def _save(self, paper_id: int, text: str, base: int | None) -> None:
        def write(lib: Library) -> object:
            try:
                return lib.set_note(paper_id, text, base)
            except NoteConflict as conflict:  # answered on the GUI thread: the dialog
                return conflict

        def done(result: object) -> None:
            if isinstance(result, NoteConflict):
                self._conflict(paper_id, text, result)
                return
            if self._team and paper_id == self._paper and base is not None:
                self._version = base + 1 if text else 0
            self._stored(paper_id, text, "")

        self.ops.op(write, initiator=self).success(done).failure(
            lambda reason: self._stored(paper_id, text, reason)
        ).run()

    # -- a conflict (team library): keep mine / keep theirs / keep both --------------------

    def _conflict(self, paper_id: int, mine: str, conflict: NoteConflict) -> None:
        """Another member saved this note since it was loaded: nothing was overwritten.
        The member's text stays in the editor (unsaved) until they choose."""
        self._saving -= 1
        theirs = conflict.theirs
        who = theirs.by or "another member"
        self._failed = True
        self.status.setText(f"Not saved: {who} changed this note meanwhile")
        if paper_id != self._paper or self._closing:
            # No one left to ask (the editor moved on to another paper, or the window is
            # closing): keep both, so neither member's text is lost; they tidy it later.
            self._keep_both(paper_id, mine, conflict)
            return
        self._saved_text = None
        self._dirty = False
        box = QMessageBox(self)
        box.setObjectName("noteConflictDialog")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Note changed by " + who)
        when = f" at {theirs.at:%H:%M}" if theirs.at else ""
        box.setText(f"{who} saved this note{when} while you were editing it.")
        box.setInformativeText("Their version:\n\n" + theirs.body[:2000])
        keep_mine = box.addButton("Keep mine", QMessageBox.ButtonRole.AcceptRole)
        keep_theirs = box.addButton("Keep theirs", QMessageBox.ButtonRole.DestructiveRole)
        keep_both = box.addButton("Keep both", QMessageBox.ButtonRole.ActionRole)
        keep_mine.setObjectName("keepMine")
        keep_theirs.setObjectName("keepTheirs")
        keep_both.setObjectName("keepBoth")
        box.addButton(QMessageBox.StandardButton.Cancel)

        def chosen(button: object) -> None:
            self.conflict_dialog = None
            # The editor may have moved to another paper meanwhile: the choice still holds
            # for this one, with the text as it was sent.
            here = paper_id == self._paper
            now = self.text.toPlainText() if here else mine
            if button is keep_theirs:
                if here:
                    self._version = theirs.version
                    self._load(theirs.body)
                self._failed = False
                self.status.setText("Showing " + who + "'s version")
                return
            if button is keep_mine:
                text = now
            elif button is keep_both:
                text = merged(now, theirs.body, who)
                if here:
                    self._load(text)
            elif here:  # cancelled: the text stays here, unsaved; the next save asks again
                self._dirty = True
                return
            else:  # cancelled about a paper left behind: nowhere to keep it but both
                text = merged(mine, theirs.body, who)
            if here:
                self._version = theirs.version
                self._saved_text = text
            self._saving += 1
            self.status.setText("Saving…")
            self._save(paper_id, text, theirs.version)

        box.buttonClicked.connect(chosen)
        box.rejected.connect(lambda: chosen(None) if self.conflict_dialog is box else None)
        self.conflict_dialog = box
        self._settle = lambda: chosen(keep_both)
        box.open()

    def _keep_both(self, paper_id: int, mine: str, conflict: NoteConflict) -> None:
        """Save both texts over the other member's version, without asking."""
        self._conflict_saves += 1
        if self._conflict_saves > CONFLICT_RETRIES:  # a third member keeps saving: say so
            self.status.setText(f"Not saved: the note of paper {paper_id} keeps changing")
            return
        theirs = conflict.theirs
        text = merged(mine, theirs.body, theirs.by or "another member")
        if paper_id == self._paper:
            self._load(text)
            self._version = theirs.version
            self._saved_text = text
        self._saving += 1
        self.status.setText("Saving both versions…")
        self._save(paper_id, text, theirs.version)

    def close_down(self) -> bool:
        """The window is closing (or the application quitting): a conflict still being
        asked about is settled as *keep both* — the member's text and the other member's,
        one after the other, saved — and every pending save is stored. No text is lost,
        and nothing is overwritten. False if it could not be saved (see the status)."""
        self._closing = True
        box = self.conflict_dialog
        if box is not None:
            self._settle()  # clears ``conflict_dialog``: the dialog's closing is then inert
            box.done(0)
        return self.flush()

    def busy(self) -> bool:
        """A save is on its way to the library."""
        return self._saving > 0

    def flush(self) -> bool:
        """Save a pending edit now and wait until it is stored.

        False if it could not be saved (the reason is in the status line)."""
        self._autosave()
        for _ in range(CONFLICT_RETRIES + 1):  # a keep-both save may queue another one
            if not self._saving:
                break
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
        self._conflict_saves = 0
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
        if self.conflict_dialog is not None:
            return  # the member is choosing: their text stays
        try:
            body = self._read(self._paper)
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


def merged(mine: str, theirs: str, who: str) -> str:
    """Both versions of a note, one after the other, the other member's marked."""
    return f"{mine.rstrip()}\n\n--- {who}'s version ---\n{theirs.strip()}\n"


def _open_web_link(url: QUrl) -> None:
    # The shared web-link rule, plus e-mail addresses, which a note may well mention.
    if is_web_link(url.toString()) or url.scheme() == "mailto":
        QDesktopServices.openUrl(url)
