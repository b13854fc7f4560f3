"""``TagManager``: rename (F2), merge, delete and colour tags, with confirmation and undo.

The sidebar owns the tag list; it calls these (e.g. ``manager.rename(name)`` on F2).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QUndoStack
from PySide6.QtWidgets import QColorDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

from app.errors import PaperdeskError
from app.library import Library
from app.store.filters import normalise_tag
from ui import plain
from ui.annotations import commands
from ui.annotations.commands import Feedback
from ui.operations import Operations, ops_for


class TagManager(QObject):
    """Tag-wide operations for a view: each asks what it must, then is one undo step.

    Failures (empty name, unknown tag, …) are emitted on ``feedback.failed`` as one line
    for the view to show inline; the methods return whether a change was started (it runs
    on the writer thread; a refusal found there arrives on ``feedback.failed`` too).
    ``renaming(old, new)``: a rename or merge was started (a view showing ``old`` follows).
    """

    renaming = Signal(str, str)

    def __init__(
        self,
        library: Library | Operations,
        undo_stack: QUndoStack,
        parent_widget: QWidget | None = None,
        feedback: Feedback | None = None,
    ) -> None:
        super().__init__(parent_widget)
        self.ops = ops_for(library, self)
        self._lib = self.ops.lib
        self._stack = undo_stack
        self._window = parent_widget
        self.feedback = feedback or Feedback(self)

    def count(self, name: str) -> int:
        """How many papers carry tag ``name`` (0 if there is no such tag)."""
        key = _key(name)
        return next((t.count for t in self.ops.changes.tags() if _key(t.name) == key), 0)

    def rename(self, old: str, new: str | None = None) -> bool:
        """Rename ``old`` (asking for the new name if not given). Onto an existing tag's
        name it merges, after a confirmation naming both tags and the papers involved."""
        if new is None:
            dialog = QInputDialog(self._window)
            dialog.setObjectName("renameTagDialog")
            dialog.setWindowTitle(f"Rename tag {old!r}")
            dialog.setLabelText(f"New name for {old!r} (an existing tag's name merges):")
            dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
            dialog.setTextValue(old)
            plain.dialog(dialog)  # the label names the tag: text, never HTML
            dialog.resize(max(440, dialog.sizeHint().width()), dialog.sizeHint().height())
            self.rename_dialog = dialog
            if not dialog.exec():
                return False
            new = dialog.textValue()
        try:
            self._lib.tag_id(old)  # a read: an unknown tag is refused at once
            same = self._lib.tag_exists(new) and self._lib.tag_id(new) != self._lib.tag_id(old)
            if same:
                target = next(t.name for t in self.ops.changes.tags() if _key(t.name) == _key(new))
                n = self.count(old)
                if not self.confirm(
                    "Merge tags",
                    f"A tag named {target!r} exists. Merge {old!r} ({_papers(n)}) into "
                    f"{target!r}? You can undo this.",
                ):
                    return False
            commands.rename_tag(self._stack, self.ops, self.feedback, old, new, self)
            self.renaming.emit(old, new)
            return True
        except PaperdeskError as exc:
            self.feedback.failed.emit(str(exc))
            return False

    def delete(self, name: str) -> bool:
        """Delete tag ``name`` from every paper, after a confirmation showing the count."""
        try:
            self._lib.tag_id(name)
            n = self.count(name)
            if not self.confirm(
                "Delete tag", f"Delete the tag {name!r} from {_papers(n)}? You can undo this."
            ):
                return False
            commands.delete_tag(self._stack, self.ops, self.feedback, name, self)
            return True
        except PaperdeskError as exc:
            self.feedback.failed.emit(str(exc))
            return False

    def set_color(self, name: str, color: str | None | bool = False) -> bool:
        """Colour a tag (``"#rrggbb"``), clear it (None), or ask with a colour dialog."""
        if color is False:
            chosen = QColorDialog.getColor(parent=self._window, title=f"Colour of {name!r}")
            if not chosen.isValid():
                return False
            color = chosen.name()
        if color is not None:
            q = QColor(str(color))
            if not q.isValid():
                self.feedback.failed.emit(f"{color!r} is not a colour (use #rrggbb)")
                return False
            color = q.name()
        commands.set_tag_color(self._stack, self.ops, self.feedback, name, color, self)
        return True

    def confirm(self, title: str, text: str) -> bool:
        """Ask yes/no in a window-modal box (No is the default)."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self._window,
        )
        box.setObjectName("tagConfirm")
        plain.dialog(box)  # the text names tags: text, never HTML
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes


def _key(name: str) -> str:
    try:
        return normalise_tag(name).casefold()
    except PaperdeskError:
        return name.strip().casefold()


def _papers(n: int) -> str:
    return "1 paper" if n == 1 else f"{n} papers"
