"""The details editor (``actionEditDetails``, E): fix a bad import — title, authors, date,
arXiv id, links, organisation. Validated as you type by the store's own rule; saving is
one undoable step through the window's writer."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
)

from app.export import keys
from app.records import PaperRecord
from app.store.edits import BadEdit, columns, validate
from ui.annotations import commands


class DetailsDialog(QDialog):
    """Edits one paper's own fields; only the fields the library's schema has are shown."""

    def __init__(self, window, rec: PaperRecord) -> None:
        super().__init__(window)
        self.setObjectName("detailsDialog")
        self.setWindowTitle(f"Edit details — {rec.title[:60]}")
        self.window_ = window
        self.rec = rec
        self.fields: dict[str, QLineEdit | QPlainTextEdit] = {}
        have = set(columns())
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)

        def line(name: str, label: str, value: str, hint: str = "") -> None:
            if name not in have:
                return
            edit = QLineEdit(value, self)
            edit.setObjectName(f"details_{name}")
            edit.setPlaceholderText(hint)
            edit.textChanged.connect(self._check)
            form.addRow(label, edit)
            self.fields[name] = edit

        def lines(name: str, label: str, values: list[str], hint: str) -> None:
            if name not in have:
                return
            edit = QPlainTextEdit("\n".join(values), self)
            edit.setObjectName(f"details_{name}")
            edit.setPlaceholderText(hint)
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(edit.fontMetrics().lineSpacing() * 4 + 12)
            edit.textChanged.connect(self._check)
            form.addRow(label, edit)
            self.fields[name] = edit

        line("title", "&Title:", rec.title)
        authors = getattr(rec, "authors", None)
        if isinstance(authors, list) and "authors" in have:
            lines("authors", "&Authors:", authors, "one name per line")
        else:
            count = "" if rec.authors_count is None else str(rec.authors_count)
            line("authors_count", "&Authors:", count, "how many (unknown: empty)")
        day = rec.published.isoformat() if rec.published else ""
        line("published", "&Date:", day, "YYYY-MM-DD (unknown: empty)")
        line("arxiv_id", "ar&Xiv id:", getattr(rec, "arxiv_id", None) or "", "e.g. 2401.01234")
        line("url", "&Link:", rec.url or "", "https://…")
        lines("links", "Other li&nks:", list(rec.links), "one http(s) address per line")
        line("organization", "&Organisation:", rec.organization or "")
        self._key_edit(form, window, rec)

        self.error = QLabel(self)
        self.error.setObjectName("detailsError")
        self.error.setTextFormat(Qt.TextFormat.PlainText)  # errors quote user text
        self.error.setStyleSheet("color: #c0392b")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
            Qt.Orientation.Horizontal,
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        note = QLabel("Edited fields are kept when the paper is imported again.", self)
        note.setStyleSheet("color: gray")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(620, self.sizeHint().height())
        self._check()

    def _key_edit(self, form: QFormLayout, window: Any, rec: PaperRecord) -> None:
        """The citation key (issue 12): made when the paper is first shown, if need be."""
        self.key = QLineEdit(rec.citation_key or "", self)
        self.key.setObjectName("details_citation_key")
        self.key.setPlaceholderText("e.g. tian2024scicode")
        self.key.textChanged.connect(self._check)
        form.addRow("Citation &key:", self.key)
        self.original_key = rec.citation_key
        if rec.citation_key is None:
            pid = rec.id

            def made(key: object) -> None:
                self.original_key = str(key)
                if not self.key.text():
                    self.key.setText(str(key))

            window.ops.op(lambda lib: lib.citation_keys([pid]).get(pid, ""), self).success(
                made
            ).run()

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, edit in self.fields.items():
            out[name] = edit.toPlainText() if isinstance(edit, QPlainTextEdit) else edit.text()
        return out

    def _check(self) -> bool:
        try:
            validate(self.values())
            key = getattr(self, "key", None)
            if key is not None and key.text().strip():
                keys.validate(key.text())
        except (BadEdit, keys.BadKey) as exc:
            self.error.setText(str(exc)[0].upper() + str(exc)[1:] + ".")
            self.error.show()
            self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(False)
            return False
        self.error.hide()
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(True)
        return True

    def save(self) -> None:
        if not self._check():
            return
        w = self.window_
        key = self.key.text().strip()
        if key and key != self.original_key:  # one step for both; a taken key is said inline
            fb = w.panel.feedback
            save_with_key(
                w.undo_stack, w.ops, fb, self.rec.id, self.values(), self.original_key, key, w
            )
        else:
            commands.edit_details(
                w.undo_stack, w.ops, w.panel.feedback, self.rec.id, self.values(), w
            )
        self.accept()


class KeyStep(commands._Step):
    """A save of the details editor that changed the citation key (and maybe fields):
    undo gives the paper its old key and fields back."""

    def __init__(
        self, ops: Any, paper_id: int, before: str, after: str, edited: Any, fb: commands.Feedback
    ) -> None:
        super().__init__(ops, "Edit details" if edited else "Change citation key", fb)
        self.paper_id, self.before, self.after, self.edited = paper_id, before, after, edited

    def _redo(self, lib: Any) -> object:
        lib.set_citation_key(self.paper_id, self.after)
        if self.edited:
            e = self.edited
            lib.edit_paper(e.paper_id, e.after, e.edited_after)
        return None

    def _undo(self, lib: Any) -> object:
        if self.edited:
            e = self.edited
            lib.edit_paper(e.paper_id, e.before, e.edited_before)
        return lib.set_citation_key(self.paper_id, self.before)


def save_with_key(
    stack: QUndoStack,
    ops: Any,
    fb: commands.Feedback,
    paper_id: int,
    values: dict[str, Any],
    before: str | None,
    after: str,
    initiator: object = None,
) -> None:
    """Set the key, then the fields, on the writer thread; once stored, push the one step
    that undoes both. A taken key refuses the save before anything is written."""
    values = dict(values)

    def write(lib: Any) -> tuple[str, Any]:
        # A paper shown before its key was made: the made key is the one to go back to.
        old = before or lib.citation_keys([paper_id]).get(paper_id, "")
        lib.set_citation_key(paper_id, after)
        edited = lib.edit_paper(paper_id, values)
        return old, edited if edited.after else None

    def pushed(result: Any) -> None:
        old, edited = result
        if old and (old != after or edited):
            stack.push(KeyStep(ops, paper_id, old, after, edited, fb))

    ops.op(write, initiator).success(pushed).failure(fb.failed.emit).run()
