"""Keyboard shortcuts, listed once: for the actions and for Help › Keyboard shortcuts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTableWidget, QTableWidgetItem, QVBoxLayout

SHORTCUTS: list[tuple[str, str]] = [
    ("Ctrl+F  or  /", "Focus the search box"),
    ("Enter (in the search box)", "Run the full query at once"),
    ("Esc", "Clear the search and go back to the list"),
    ("↑ / ↓  or  j / k", "Move to the next / previous paper"),
    ("Space", "Toggle read / unread"),
    ("Enter (in the list)", "Open the paper's link in the browser"),
    ("S  /  R", "Star / mark read with the annotation panel (undoable)"),
    ("1 – 9", "Toggle the first nine coloured tags (annotation panel)"),
    ("Ctrl+Z / Ctrl+Shift+Z", "Undo / redo"),
    ("Ctrl+I", "Import pages…"),
    ("Ctrl+E", "Export…"),
    ("Ctrl+S", "Save the current search"),
    ("F1", "This list"),
    ("Ctrl+Q", "Quit"),
]


class ShortcutsDialog(QDialog):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        table = QTableWidget(len(SHORTCUTS), 2, self)
        table.setHorizontalHeaderLabels(["Keys", "Does"])
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, (keys, does) in enumerate(SHORTCUTS):
            table.setItem(row, 0, QTableWidgetItem(keys))
            table.setItem(row, 1, QTableWidgetItem(does))
        table.resizeColumnsToContents()
        table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, Qt.Orientation.Horizontal)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        layout.addWidget(buttons)
        self.resize(520, 420)
