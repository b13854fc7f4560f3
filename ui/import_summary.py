"""What an import from the window did: counts, every refused file with its reason, and every
skipped block (file, line, reason) in a list one can scroll, sort and copy."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from app.records import ImportReport
from ui import plain

_LINE = re.compile(r"line (\d+): (.*)", re.S)  # how the importers word a skipped block


def skipped_blocks(report: ImportReport) -> list[tuple[str, int | None, str]]:
    """(file, line or None, reason) of every block the import skipped, in file order."""
    out: list[tuple[str, int | None, str]] = []
    for f in report.files:
        if f.status != "imported":
            continue
        for text in f.skipped:
            m = _LINE.match(text)
            out.append((f.path, int(m.group(1)), m.group(2)) if m else (f.path, None, text))
    return out


class _LineItem(QTreeWidgetItem):
    """Sorts by file, then by line number (not as text: 9 before 10)."""

    def __lt__(self, other: QTreeWidgetItem) -> bool:
        col = self.treeWidget().sortColumn() if self.treeWidget() else 0
        if col in (0, 1):
            mine = (self.data(0, Qt.ItemDataRole.UserRole), self.data(1, Qt.ItemDataRole.UserRole))
            theirs = (
                other.data(0, Qt.ItemDataRole.UserRole),
                other.data(1, Qt.ItemDataRole.UserRole),
            )
            return mine < theirs
        return super().__lt__(other)


class ImportSummaryDialog(QDialog):
    def __init__(self, report: ImportReport, cancelled: bool, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import finished" if not cancelled else "Import cancelled")
        layout = QVBoxLayout(self)
        head = ""
        if cancelled:
            head = "Cancelled: files not yet imported were left alone"
            head += "; what was imported before stays.\n" if report.new + report.merged else ".\n"
        self.summary = plain.label(QLabel(head + report.summary(), self))
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.refused = QTreeWidget(self)
        self.refused.setObjectName("refusedFiles")
        self.refused.setHeaderLabels(["Refused file", "Why"])
        self.refused.setRootIsDecorated(False)
        for f in report.refused:
            item = QTreeWidgetItem([f.path, f.reason or ""])
            item.setToolTip(0, plain.tooltip(f.path))
            item.setToolTip(1, plain.tooltip(f.reason or ""))
            self.refused.addTopLevelItem(item)
        self.refused.resizeColumnToContents(0)
        self.refused.setVisible(bool(report.refused))
        layout.addWidget(self.refused, 1)
        self.skipped = self._skipped_list(report)
        layout.addWidget(self.skipped, 3)  # the longer list gets the room
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        if self.skipped.topLevelItemCount():
            copy = buttons.addButton("Copy list", QDialogButtonBox.ButtonRole.ActionRole)
            copy.setObjectName("copySkipped")
            copy.setToolTip("Copy the skipped blocks as text, one a line")
            copy.clicked.connect(self.copy_skipped)
        layout.addWidget(buttons)
        lists = bool(report.refused) or bool(self.skipped.topLevelItemCount())
        self.resize(720, 380 if lists else 120)

    def _skipped_list(self, report: ImportReport) -> QTreeWidget:
        tree = QTreeWidget(self)
        tree.setObjectName("skippedBlocks")
        tree.setHeaderLabels(["File", "Line", "Why it was skipped"])
        tree.setRootIsDecorated(False)
        tree.setAlternatingRowColors(True)
        tree.setUniformRowHeights(True)  # a file may hold thousands of odd blocks
        for path, line, why in skipped_blocks(report):
            item = _LineItem([Path(path).name, "" if line is None else str(line), why])
            item.setData(0, Qt.ItemDataRole.UserRole, path)
            item.setData(1, Qt.ItemDataRole.UserRole, -1 if line is None else line)
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(0, plain.tooltip(path))
            item.setToolTip(2, plain.tooltip(why))
            tree.addTopLevelItem(item)
        tree.setSortingEnabled(True)
        tree.sortByColumn(1, Qt.SortOrder.AscendingOrder)
        for col in (0, 1):
            tree.resizeColumnToContents(col)
        tree.setVisible(bool(tree.topLevelItemCount()))
        return tree

    def skipped_text(self) -> str:
        """The list as ``file: line N: reason`` lines (what the command line prints)."""
        out = []
        for n in range(self.skipped.topLevelItemCount()):
            item = self.skipped.topLevelItem(n)
            if item is None:
                continue
            path = item.data(0, Qt.ItemDataRole.UserRole)
            line = f"line {item.text(1)}: " if item.text(1) else ""
            out.append(f"{path}: {line}{item.text(2)}")
        return "\n".join(out)

    def copy_skipped(self) -> None:
        QApplication.clipboard().setText(self.skipped_text())
