"""``PaperTable``: the paper list's view — rows only, no type-ahead, Home/End by rows."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import QAbstractItemView, QTableView


class PaperTable(QTableView):
    """The table of papers (``paperTable``).

    Rows are what one moves between: Home/End (with or without Ctrl) go to the first and
    last paper, Left/Right do not scroll the titles out of view, and typing letters never
    starts Qt's type-ahead search (which would drop a large selection on a stray key).
    ``contextMenuRequested(global_pos)`` asks the window for the paper menu.
    """

    contextMenuRequested = Signal(object)  # QPoint, global

    def keyboardSearch(self, search: str) -> None:  # noqa: N802 (Qt override)
        return  # no type-ahead: letters are shortcuts (j, k, s, r …), never a search

    def moveCursor(self, action, modifiers) -> QModelIndex:  # noqa: N802 (Qt override)
        model = self.model()
        current = self.currentIndex()
        column = self._first_visible_column()
        rows = model.rowCount() if model is not None else 0
        cursor = QAbstractItemView.CursorAction
        if rows and action in (cursor.MoveHome, cursor.MoveEnd):
            return model.index(0 if action == cursor.MoveHome else rows - 1, column)
        if action in (cursor.MoveLeft, cursor.MoveRight):
            return current if current.isValid() else QModelIndex()
        index = super().moveCursor(action, modifiers)
        if index.isValid() and index.column() != column:
            index = model.index(index.row(), column)  # keep the titles in view
        return index

    def _first_visible_column(self) -> int:
        header = self.horizontalHeader()
        for visual in range(header.count()):
            logical = header.logicalIndex(visual)
            if not header.isSectionHidden(logical):
                return logical
        return 0

    def contextMenuEvent(self, event) -> None:  # noqa: N802 (Qt override)
        index = self.indexAt(event.pos())
        if index.isValid() and not self.selectionModel().isRowSelected(index.row()):
            # Right-click on an unselected row acts on that row (as Zotero and Calibre do).
            self.selectRow(index.row())
        self.contextMenuRequested.emit(event.globalPos())
        event.accept()
