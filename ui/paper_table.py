"""``PaperTable``: the paper list's view — rows only, no type-ahead, Home/End by rows."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QContextMenuEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView

SORT_ARROW_ROOM = 30  # a header's text, its sort arrow and the style's margins
CELL_PADDING = 14  # a cell's text and the style's margins on both sides


class PaperTable(QTableView):
    """The table of papers (``paperTable``).

    Rows are what one moves between: Home/End (with or without Ctrl) go to the first and
    last paper, Left/Right do not scroll the titles out of view, and typing letters never
    starts Qt's type-ahead search (which would drop a large selection on a stray key).
    ``contextMenuRequested(global_pos)`` asks the window for the paper menu.
    """

    contextMenuRequested = Signal(object)  # QPoint, global
    columnsChanged = Signal()  # shown/hidden or reset through the header's menu
    sort_column = -1  # the column the list is sorted by: it cannot be hidden

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.add_menu_keys()

    def setup_columns(self, headers: list[str], hidden: frozenset[str], samples: dict[str, str]):
        """The header: Title stretches; a right-click menu shows/hides and resets columns.

        ``samples``: per column, the text its default width must show (see ``fitted_widths``).
        """
        self._headers, self._default_hidden = headers, hidden
        self._default_widths = self.fitted_widths(samples)
        hh = self.horizontalHeader()
        hh.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        hh.customContextMenuRequested.connect(self._header_menu)
        self.reset_columns()

    def fitted_widths(self, samples: dict[str, str]) -> dict[str, int]:
        """Each column just wide enough for its header with the sort arrow and its sample
        text, in the table's font: what is left of the width goes to Title."""
        body = self.fontMetrics()
        head = self.horizontalHeader().fontMetrics()
        widths = {}
        for header in self._headers:
            need = head.horizontalAdvance(header) + SORT_ARROW_ROOM
            if header in samples:
                need = max(need, body.horizontalAdvance(samples[header]) + CELL_PADDING)
            widths[header] = need
        return widths

    def apply_title_stretch(self) -> None:
        hh = self.horizontalHeader()
        hh.setStretchLastSection(False)
        for logical in range(hh.count()):
            stretch = QHeaderView.ResizeMode.Stretch
            hh.setSectionResizeMode(
                logical, stretch if logical == 0 else QHeaderView.ResizeMode.Interactive
            )
        hh.setMinimumSectionSize(40)

    def reset_columns(self) -> None:
        """The default columns, order and widths."""
        hh = self.horizontalHeader()
        for logical, header in enumerate(self._headers):
            visual = hh.visualIndex(logical)
            if visual != logical:
                hh.moveSection(visual, logical)
            hh.setSectionHidden(logical, header in self._default_hidden)
            if header in self._default_widths:
                hh.resizeSection(logical, self._default_widths[header])
        self.apply_title_stretch()
        self.columnsChanged.emit()

    def _header_menu(self, pos) -> None:
        menu = self.header_menu()
        self.last_header_menu = menu
        menu.popup(self.horizontalHeader().mapToGlobal(pos))

    def header_menu(self) -> QMenu:
        """Show/hide each column (Title always shows), and reset them all."""
        hh = self.horizontalHeader()
        menu = QMenu(self)
        menu.setObjectName("headerMenu")
        for logical, header in enumerate(self._headers):
            action = menu.addAction(header)
            action.setCheckable(True)
            action.setChecked(not hh.isSectionHidden(logical))
            # The titles are what the list is; the sorted column shows the sort arrow.
            action.setEnabled(logical not in (0, self.sort_column))
            action.toggled.connect(lambda on, logical=logical: self.show_column(logical, on))
        menu.addSeparator()
        menu.addAction("Reset columns", self.reset_columns)
        return menu

    def show_column(self, logical: int, shown: bool) -> None:
        hh = self.horizontalHeader()
        hh.setSectionHidden(logical, not shown)
        if shown and hh.sectionSize(logical) < 40:
            hh.resizeSection(logical, self._default_widths.get(self._headers[logical], 100))
        self.columnsChanged.emit()

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

    def add_menu_keys(self) -> None:
        """The Menu key and Shift+F10 open the rows' context menu at the current row (Qt
        turns only the Menu key into a context-menu event, and not on every platform)."""
        for keys in (QKeySequence(Qt.Key.Key_Menu), QKeySequence("Shift+F10")):
            shortcut = QShortcut(keys, self, self.open_menu_at_current)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)

    def open_menu_at_current(self) -> None:
        """Ask for the paper menu under the current row (or the top of the list)."""
        current = self.currentIndex()
        rect = self.visualRect(current) if current.isValid() else self.viewport().rect()
        self.contextMenuRequested.emit(self.viewport().mapToGlobal(rect.bottomLeft()))

    def contextMenuEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.reason() == QContextMenuEvent.Reason.Keyboard:
            self.open_menu_at_current()  # at the row, not where the pointer happens to be
            event.accept()
            return
        index = self.indexAt(event.pos())
        if index.isValid() and not self.selectionModel().isRowSelected(index.row()):
            # Right-click on an unselected row acts on that row (as Zotero and Calibre do).
            self.selectRow(index.row())
        self.contextMenuRequested.emit(event.globalPos())
        event.accept()
