"""What an import from the window did: counts, and every refused file with its reason."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from app.records import ImportReport


class ImportSummaryDialog(QDialog):
    def __init__(self, report: ImportReport, cancelled: bool, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import finished" if not cancelled else "Import cancelled")
        layout = QVBoxLayout(self)
        head = "Cancelled — files not yet imported were left alone.\n" if cancelled else ""
        self.summary = QLabel(head + report.summary(), self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.refused = QTreeWidget(self)
        self.refused.setObjectName("refusedFiles")
        self.refused.setHeaderLabels(["Refused file", "Why"])
        self.refused.setRootIsDecorated(False)
        for f in report.refused:
            item = QTreeWidgetItem([f.path, f.reason or ""])
            item.setToolTip(0, f.path)
            item.setToolTip(1, f.reason or "")
            self.refused.addTopLevelItem(item)
        self.refused.resizeColumnToContents(0)
        self.refused.setVisible(bool(report.refused))
        layout.addWidget(self.refused)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        self.resize(640, 300 if report.refused else 120)
