"""``TagEditor``: the selected papers' tags as chips; type to add (with completion), × to remove."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.library import Library
from app.records import TagInfo
from app.store.changes import Changes
from ui import plain
from ui.annotations import commands
from ui.annotations.commands import Feedback
from ui.annotations.flow_layout import flow_widget
from ui.operations import Operations, ops_for


class TagChip(QFrame):
    """One tag: its name (and "k/n" when only some of the selected papers carry it) and ×."""

    remove_clicked = Signal(str)

    def __init__(
        self, name: str, color: str | None, count: int, total: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.name = name
        self.setObjectName("tagChip")
        self.setProperty("partial", count < total)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 1, 2, 1)
        row.setSpacing(2)
        text = name if count >= total else f"{name} ({count}/{total})"
        self.label = QLabel(text, self)
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # a tag name is never markup
        if count < total:
            self.label.setToolTip(
                plain.tooltip(f"{count} of the {total} selected papers carry {name!r}")
            )
        row.addWidget(self.label)
        self.remove_button = QToolButton(self)
        self.remove_button.setObjectName("chipRemove")
        self.remove_button.setText("×")
        self.remove_button.setAutoRaise(True)
        self.remove_button.setToolTip(plain.tooltip(f"Remove {name!r}"))
        self.remove_button.setAccessibleName(f"Remove tag {name}")
        self.remove_button.clicked.connect(lambda: self.remove_clicked.emit(self.name))
        row.addWidget(self.remove_button)
        if color and QColor(color).isValid():
            self.setStyleSheet(f"#tagChip {{ border-left: 4px solid {QColor(color).name()}; }}")


class TagEditor(QWidget):
    """Tags of one or many selected papers. Adding/removing applies to all of them in one
    transaction and one undo step. Errors (an empty or too long name) show inline."""

    def __init__(
        self,
        library: Library | Operations,
        undo_stack: QUndoStack,
        feedback: Feedback | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("tagEditor")
        self.ops = ops_for(library, self)
        self._lib = self.ops.lib
        self._stack = undo_stack
        if feedback is None:  # standalone: follow changes ourselves (a panel refreshes us)
            feedback = Feedback(self)
            feedback.failed.connect(self.show_error)
            self.ops.changes.libraryChanged.connect(self._library_changed)
        self.feedback = feedback
        self._ids: list[int] = []
        self._counts: dict[str, int] = {}
        self._total = 0
        self._colors: dict[str, str | None] = {}

        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        self._chips_box, self._chips = flow_widget(self)
        col.addWidget(self._chips_box)
        self.input = QLineEdit(self)
        self.input.setObjectName("tagInput")
        self.input.setPlaceholderText("Add a tag…")
        self.input.setAccessibleName("Add a tag")
        self.input.setClearButtonEnabled(True)
        col.addWidget(self.input)
        self.error = QLabel(self)
        self.error.setObjectName("tagError")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        self.error.hide()
        col.addWidget(self.error)

        # Completion keeps the model's order (most used first) and ignores case.
        self._names = QStringListModel(self)
        self.completer = QCompleter(self._names, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setModelSorting(QCompleter.ModelSorting.UnsortedModel)
        self.completer.setFilterMode(Qt.MatchFlag.MatchStartsWith)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.input.setCompleter(self.completer)
        # The completer writes the chosen name into the field after ``activated``; commit
        # once that is done (a following returnPressed finds the field empty: no double add).
        self.completer.activated.connect(lambda _text: QTimer.singleShot(0, self.commit))
        self.input.returnPressed.connect(self.commit)
        self.input.textEdited.connect(lambda _t: self.error.hide())  # the old error is stale
        self.input.installEventFilter(self)
        # Keys reach the open completion list first (a popup): Enter there with no row
        # highlighted would hand the typed letters to the field; take the first instead.
        self._popup().installEventFilter(self)
        self.setEnabled(False)

    # -- state -------------------------------------------------------------------------------

    def _popup(self) -> QAbstractItemView:
        popup = self.completer.popup()
        assert popup is not None  # a QCompleter always has its list
        return popup

    def set_papers(self, ids: list[int]) -> None:
        ids = list(dict.fromkeys(ids))
        if ids != self._ids:
            self.input.clear()  # a half-typed tag belongs to the papers it was typed for
            self._popup().hide()
        self._ids = ids
        self.error.hide()
        self.setEnabled(bool(self._ids))
        self.refresh()

    def papers(self) -> list[int]:
        return list(self._ids)

    def tags(self) -> list[str]:
        """The chips shown, in order (any tag that at least one selected paper carries)."""
        return list(self._counts)

    def _library_changed(self, changes: Changes, _initiator: object) -> None:
        if changes.everything or changes.tag_meta or changes.annotation & set(self._ids):
            self.refresh()

    def refresh(self, summary: dict | None = None, tag_infos: list[TagInfo] | None = None) -> None:
        """Reload chips and completions (pass what the panel already read, to read once)."""
        if summary is None:
            summary = self._lib.annotation_summary(self._ids)
        if tag_infos is None:
            tag_infos = self.ops.changes.tags()
        self._counts = dict(summary["tags"])
        self._total = summary["papers"]
        self._colors = {t.name: t.color for t in tag_infos}
        names = [t.name for t in tag_infos]
        if names != self._names.stringList():
            self._names.setStringList(names)
        self._rebuild_chips()

    def _rebuild_chips(self) -> None:
        while self._chips.count():
            item = self._chips.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for name, count in self._counts.items():
            chip = TagChip(name, self._colors.get(name), count, self._total, self._chips_box)
            chip.remove_clicked.connect(self.remove)
            self._chips.addWidget(chip)
        self._chips_box.updateGeometry()

    def chips(self) -> list[TagChip]:
        return [
            w
            for i in range(self._chips.count())
            if isinstance(w := self._chips.itemAt(i).widget(), TagChip)  # type: ignore[union-attr]
        ]

    # -- actions -----------------------------------------------------------------------------

    def commit(self) -> bool:
        """Add the typed tag to every selected paper (Enter)."""
        text = self.input.text()
        popup = self._popup()
        if popup.isVisible():
            # Enter with the completion list open takes the highlighted completion (or
            # the first), never the few letters typed so far ("dif" -> "diffusion").
            current = popup.currentIndex()
            row = current.row() if current.isValid() else 0
            completion = self.completer.completionModel().index(row, 0).data()
            popup.hide()
            if completion:
                text = str(completion)
                self.input.setText(text)
        if not text:  # Enter in the empty field does nothing; spaces get a message
            return False

        def stored(_changed: bool) -> None:
            if self.input.text() == text:  # accepted: clear it, unless typing went on
                self.input.clear()

        return self.add(text, stored)

    def add(self, name: str, done: Callable[[bool], None] | None = None) -> bool:
        """Add ``name`` to the selection on the writer thread; False if nothing is
        selected. A refused name shows inline when the writer answers."""
        if not self._ids:
            return False
        self.error.hide()
        commands.add_tags(
            self._stack, self.ops, self.feedback, self._ids, [name], self, self.show_error, done
        )
        return True

    def remove(self, name: str) -> bool:
        if not self._ids:
            return False
        self.error.hide()
        commands.remove_tags(
            self._stack, self.ops, self.feedback, self._ids, [name], self, self.show_error
        )
        return True

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        popup = self._popup()
        if (
            watched is popup
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and popup.isVisible()
            and not popup.currentIndex().isValid()
        ):
            self.commit()  # takes the first completion (see commit)
            return True
        # Ctrl+Z / Ctrl+Shift+Z in the empty field are the window's undo/redo (the tag just
        # added), not the line edit's own text undo.
        if (
            watched is self.input
            and event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and not self.input.text()
            and (
                event.matches(QKeySequence.StandardKey.Undo)
                or event.matches(QKeySequence.StandardKey.Redo)
            )
        ):
            event.ignore()
            return True
        # Backspace in the empty field removes the last chip (as in mail address fields).
        if (
            watched is self.input
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Backspace
            and not self.input.text()
            and self._counts
        ):
            self.remove(list(self._counts)[-1])
            return True
        return super().eventFilter(watched, event)
