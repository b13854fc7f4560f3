"""Keyboard shortcuts, listed once: for Help › Keyboard shortcuts (F1)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

SHORTCUTS: list[tuple[str, str]] = [
    ("Ctrl+F  or  /", "Focus the search box"),
    ("↓  or  Enter (search box)", "Go to the results (Enter runs the full query)"),
    ("Esc (search box)", "Back to the list, keeping the query"),
    ("Esc (list)", "Clear the search"),
    ("↑ / ↓  or  j / k", "Previous / next paper"),
    ("Home / End", "First / last paper"),
    ("Enter (list)", "Open the paper's link in the browser"),
    ("Space", "Toggle read / unread"),
    ("S  /  R", "Star / mark read (undoable)"),
    ("1 – 9", "Toggle the first nine coloured tags"),
    ("T", "Add a tag to the selected papers"),
    ("Backspace (empty tag field)", "Remove the last tag chip"),
    ("E", "Edit the paper's details"),
    ("Del (list)", "Move the selected papers to the Trash"),
    ("Menu  or  Shift+F10 (list)", "The selected papers' menu"),
    ("Ctrl+Shift+C", "Copy the formatted citation of the selected papers"),
    ("Ctrl+Shift+L", "Copy the links of the selected papers"),
    ("F2 (sidebar)", "Rename or merge the selected tag"),
    ("Ctrl+Z / Ctrl+Shift+Z", "Undo / redo"),
    ("Ctrl+I  /  Ctrl+E", "Import pages…  /  Export…"),
    ("Ctrl+O", "Open another library…"),
    ("Ctrl+S", "Save the current search"),
    ("F1", "This list"),
    ("Ctrl+Q", "Quit"),
]


class ShortcutsDialog(QDialog):
    """Sized to its rows: every shortcut visible, no scrollbars."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        table = QTableWidget(len(SHORTCUTS), 2, self)
        self.table = table
        table.setHorizontalHeaderLabels(["Keys", "Does"])
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setWordWrap(False)
        for row, (keys, does) in enumerate(SHORTCUTS):
            table.setItem(row, 0, QTableWidgetItem(keys))
            table.setItem(row, 1, QTableWidgetItem(does))
        table.resizeColumnsToContents()
        table.resizeRowsToContents()
        table.horizontalHeader().setStretchLastSection(True)
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        width = table.columnWidth(0) + table.columnWidth(1) + 2 * table.frameWidth() + 24
        height = (
            table.horizontalHeader().height()
            + sum(table.rowHeight(r) for r in range(table.rowCount()))
            + 2 * table.frameWidth()
        )
        table.setMinimumSize(width, height)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, Qt.Orientation.Horizontal)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.adjustSize()
