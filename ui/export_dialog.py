"""File › Export…: pick the papers (selection, current view, or tags), a format and a file.

The count of what will be written updates live; the export itself runs off the GUI thread
(100,000 papers take seconds) and its result or one-line failure shows in the dialog. The
last choices are remembered in QSettings under ``export/``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QSettings, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app import Library, PaperdeskError, PaperFilter
from app.export import FORMATS, ExportOptions, ExportResult, Selection, export, format_for_path
from app.export.selection import count as selection_count
from app.store.filters import tag_key
from ui import plain
from ui.jobs import LatestJob
from ui.operations import Operations

SCOPES = ("selected", "view", "tags")
GROUPABLE = ("md", "html")  # formats that can put papers under tag headings


class ExportDialog(QDialog):
    """Export papers of ``lib``. ``selected_ids`` are the table's selection; the current
    view is ``current_filter`` (the sidebar) plus ``current_query`` (the search box);
    ``tags`` preselects the tag scope (a tag's context menu)."""

    countChanged = Signal(int)  # how many papers the current choices would export
    exported = Signal(int, str)  # papers written, file path
    failed = Signal(str)  # one-line reason

    def __init__(
        self,
        lib: Library,
        parent: QWidget | None = None,
        selected_ids: Sequence[int] | None = None,
        current_filter: PaperFilter | None = None,
        current_query: str | None = None,
        *,
        tags: Sequence[str] | None = None,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export papers")
        self.lib = lib
        self.selected_ids = list(selected_ids or [])
        self.current_filter = current_filter or PaperFilter()
        self.current_query = (current_query or "").strip()
        # The window's own settings when it has them (tests point those at a temp file).
        self.settings = (
            settings or getattr(parent, "settings", None) or QSettings("Paperdesk", "paperdesk")
        )
        self.last_count: int | None = None
        self.last_result: ExportResult | None = None
        self._keeping = False  # a kept binding is being written (on the writer thread)
        self._own_ops: Operations | None = None
        self._build()
        self._restore(tags)
        self._count_job = LatestJob(self, threads=1)
        self._count_job.finished.connect(self._count_arrived)
        self._count_job.failed.connect(self._count_failed)
        self._export_job = LatestJob(self, threads=1)
        self._export_job.finished.connect(self._export_done)
        self._export_job.failed.connect(self._export_failed)
        # Choices change in bursts (ticking several tags): count once they settle.
        self._recount = QTimer(self, singleShot=True, interval=80)
        self._recount.timeout.connect(self._start_count)
        self._connect()
        self._scope_changed()

    # -- layout -----------------------------------------------------------------------------

    def _build(self) -> None:
        n = len(self.selected_ids)
        self.scope_selected = _named(QRadioButton(f"Selected papers ({n})"), "scopeSelected")
        self.scope_selected.setEnabled(n > 0)
        view = "Current view" + (f" (search: {self.current_query})" if self.current_query else "")
        self.scope_view = _named(QRadioButton(view), "scopeView")
        self.scope_tags = _named(QRadioButton("Papers with tags:"), "scopeTags")
        self.scope_group = QButtonGroup(self)
        for i, button in enumerate((self.scope_selected, self.scope_view, self.scope_tags)):
            self.scope_group.addButton(button, i)

        self.tag_list = _named(QListWidget(), "exportTagList")
        for info in sorted(self.lib.tags(), key=lambda t: t.name.casefold()):
            item = QListWidgetItem(f"{info.name} ({info.count})")
            item.setData(Qt.ItemDataRole.UserRole, info.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.tag_list.addItem(item)
        self.tag_list.setMaximumHeight(160)
        self.match_box = _named(QComboBox(), "exportMatch")
        self.match_box.addItem("with any of them", "any")
        self.match_box.addItem("with all of them", "all")

        self.format_box = _named(QComboBox(), "exportFormat")
        for name, module in FORMATS.items():
            self.format_box.addItem(module.LABEL, name)
        self.group_by_tag = _named(QCheckBox("Group by tag"), "exportGroupByTag")
        self.keep_box = _named(QCheckBox("Keep this file up to date"), "exportKeep")
        self.keep_box.setToolTip(
            "Rewrite the file after every change to these papers (tags, notes, details)"
        )
        # The files kept up to date, to review or remove (issue 12).
        self.kept_list = _named(QListWidget(), "keptExportList")
        self.kept_list.setMaximumHeight(90)
        self.kept_remove = _named(QPushButton("Stop keeping"), "keptExportRemove")
        self.kept_remove.setEnabled(False)

        self.dest_edit = _named(QLineEdit(), "exportDestination")
        self.dest_edit.setPlaceholderText("File to write")
        self.browse_button = _named(QPushButton("Browse…"), "exportBrowse")
        self.count_label = _named(QLabel(), "exportCount")
        self.message = _named(QLabel(), "exportMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # errors quote paths and tags
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.export_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.export_button.setText("Export")
        self.export_button.setObjectName("exportButton")

        tags_row = QHBoxLayout()
        tags_row.addWidget(self.scope_tags)
        tags_row.addWidget(self.match_box)
        tags_row.addStretch(1)
        dest_row = QHBoxLayout()
        dest_row.addWidget(self.dest_edit, 1)
        dest_row.addWidget(self.browse_button)
        form = QFormLayout()
        format_row = QHBoxLayout()
        format_row.addWidget(self.format_box, 1)
        format_row.addWidget(self.group_by_tag)
        form.addRow("Format:", format_row)
        form.addRow("Save to:", dest_row)
        form.addRow("", self.keep_box)
        kept_row = QHBoxLayout()
        kept_row.addWidget(self.kept_list, 1)
        kept_row.addWidget(self.kept_remove)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Papers</b>"))
        layout.addWidget(self.scope_selected)
        layout.addWidget(self.scope_view)
        layout.addLayout(tags_row)
        layout.addWidget(self.tag_list)
        layout.addLayout(form)
        layout.addWidget(self.count_label)
        layout.addWidget(self.message)
        layout.addWidget(QLabel("<b>Files kept up to date</b>"))
        layout.addLayout(kept_row)
        layout.addWidget(self.buttons)
        self.resize(560, 560)
        self.refresh_kept()

    def _connect(self) -> None:
        self.scope_group.idToggled.connect(self._scope_toggled)
        self.tag_list.itemChanged.connect(lambda _item: self._choices_changed())
        self.match_box.currentIndexChanged.connect(lambda _i: self._choices_changed())
        self.format_box.currentIndexChanged.connect(lambda _i: self._format_changed())
        self.dest_edit.textChanged.connect(lambda _t: self._update_button())
        self.browse_button.clicked.connect(self.browse)
        self.kept_list.currentRowChanged.connect(lambda row: self.kept_remove.setEnabled(row >= 0))
        self.kept_remove.clicked.connect(self.remove_kept)
        self.buttons.accepted.connect(self.start_export)
        self.buttons.rejected.connect(self.reject)

    # -- the choices ------------------------------------------------------------------------

    @property
    def scope(self) -> str:
        return SCOPES[max(0, self.scope_group.checkedId())]

    def set_scope(self, scope: str) -> None:
        {"selected": self.scope_selected, "view": self.scope_view, "tags": self.scope_tags}[
            scope
        ].setChecked(True)

    @property
    def format(self) -> str:
        return self.format_box.currentData()

    def set_format(self, name: str) -> None:
        self.format_box.setCurrentIndex(max(0, self.format_box.findData(name)))

    def checked_tags(self) -> list[str]:
        items = (self.tag_list.item(i) for i in range(self.tag_list.count()))
        return [
            it.data(Qt.ItemDataRole.UserRole)
            for it in items
            if it.checkState() == Qt.CheckState.Checked
        ]

    def set_tags(self, names: Sequence[str], match: str | None = None) -> None:
        wanted = {_key(n) for n in names}
        for i in range(self.tag_list.count()):
            it = self.tag_list.item(i)
            on = _key(it.data(Qt.ItemDataRole.UserRole)) in wanted
            it.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        if match is not None:
            self.match_box.setCurrentIndex(max(0, self.match_box.findData(match)))

    def selection(self) -> Selection | None:
        """What the current choices export; None when they select nothing yet."""
        if self.scope == "selected":
            return Selection(ids=tuple(self.selected_ids)) if self.selected_ids else None
        if self.scope == "view":
            return Selection(view=self.current_filter, query=self.current_query or None)
        tags = self.checked_tags()
        if not tags:
            return None
        return Selection(tags=tuple(tags), match=self.match_box.currentData())

    def options(self) -> ExportOptions:
        if self.scope == "tags" and self.checked_tags():
            joiner = " or " if self.match_box.currentData() == "any" else ", "
            title = "Reading list: " + joiner.join(self.checked_tags())
        elif self.scope == "view" and self.current_query:
            title = f"Reading list: {self.current_query}"
        else:
            title = "Reading list"
        grouped = self.group_by_tag.isChecked() and self.format in GROUPABLE
        return ExportOptions(title=title, group_by_tag=grouped)

    def _scope_toggled(self, _id: int, on: bool) -> None:
        if on:
            self._scope_changed()

    def _scope_changed(self) -> None:
        tags_on = self.scope == "tags"
        self.tag_list.setEnabled(tags_on)
        self.match_box.setEnabled(tags_on)
        self.keep_box.setEnabled(self.keepable())
        self._choices_changed()

    def keepable(self) -> bool:
        """Whether the scope can be kept up to date: tags, or a search of every paper
        (a fixed selection of ids, or a sidebar view, is not something to follow)."""
        if self.scope == "tags":
            return True
        return self.scope == "view" and self.current_filter == PaperFilter()

    def kept_selection(self) -> Selection | None:
        sel = self.selection()
        if sel is None or not self.keepable():
            return None
        if self.scope == "view":
            return Selection(query=self.current_query or None)
        return sel

    # -- kept exports ----------------------------------------------------------------------

    def refresh_kept(self) -> None:
        self.kept_list.clear()
        try:
            bindings = self.lib.kept_exports()
        except PaperdeskError as exc:
            self.message.setText(str(exc))
            return
        for b in bindings:
            state = f"error: {b.error}" if b.error else f"{b.papers} papers"
            item = QListWidgetItem(f"{b.path} — {b.describe()} — {state}")
            item.setData(Qt.ItemDataRole.UserRole, b.path)
            item.setToolTip(plain.tooltip(b.error or b.path))
            self.kept_list.addItem(item)
        self.kept_remove.setEnabled(self.kept_list.currentRow() >= 0)

    def remove_kept(self) -> None:
        item = self.kept_list.currentItem()
        if item is None:
            return
        path = item.data(Qt.ItemDataRole.UserRole)

        def removed(_result: object) -> None:
            self.message.setText(f"{path} is no longer kept up to date (the file stays).")
            self.refresh_kept()

        self._writes().op(lambda w: w.remove_kept_export(path), self).success(removed).failure(
            self.message.setText
        ).run()

    def _format_changed(self) -> None:
        self.group_by_tag.setEnabled(self.format in GROUPABLE)
        # Keep the file name in step with the format (reading-list.md -> reading-list.bib).
        text = self.dest_edit.text().strip()
        if text and format_for_path(text) not in (None, self.format):
            self.dest_edit.setText(str(Path(text).with_suffix(FORMATS[self.format].EXTENSION)))
        self._update_button()

    def _choices_changed(self) -> None:
        self.count_label.setText("Counting…")
        self.last_count = None
        self._update_button()
        self._recount.start()

    def _start_count(self) -> None:
        sel = self.selection()
        if sel is None:
            self._count_arrived(0)
            return
        lib = self.lib
        self._count_job.submit(lambda: selection_count(lib, sel))

    def _count_arrived(self, n: object) -> None:
        self.last_count = int(n)  # type: ignore[call-overload]
        what = "paper" if self.last_count == 1 else "papers"
        self.count_label.setText(f"{self.last_count} {what} will be exported")
        self._update_button()
        self.countChanged.emit(self.last_count)

    def _count_failed(self, reason: str) -> None:
        self.count_label.setText("")
        self.message.setText(reason)
        self.last_count = None
        self._update_button()

    def _update_button(self) -> None:
        ready = (
            self.selection() is not None
            and bool(self.dest_edit.text().strip())
            and not self._export_job.busy
            and not self._keeping
        )
        self.export_button.setEnabled(ready)

    def browse(self) -> None:
        fmt = self.format
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Export to",
            self.dest_edit.text() or self._default_path(),
            f"{FORMATS[fmt].LABEL} (*{FORMATS[fmt].EXTENSION});;All files (*)",
        )
        if path:
            self.dest_edit.setText(path)

    # -- exporting --------------------------------------------------------------------------

    def start_export(self) -> None:
        """Write the file in the background; the dialog closes when it is done."""
        sel = self.selection()
        text = self.dest_edit.text().strip()
        if sel is None or not text:
            self.message.setText("Choose which papers to export and a file to write.")
            return
        dest = Path(text).expanduser()
        if not dest.suffix:
            dest = dest.with_suffix(FORMATS[self.format].EXTENSION)
        lib, fmt, opts = self.lib, self.format, self.options()
        self.message.setText(f"Exporting to {dest}…")
        kept = self.kept_selection() if self.keep_box.isChecked() else None
        if kept is not None:
            # A binding is a write to the library: the window's writer thread makes it.
            self._keeping = True
            self._writes().op(lambda w: _keep(w, dest, fmt, kept, opts), self).success(
                self._keep_done
            ).failure(self._keep_failed).run()
        else:
            self._export_job.submit(lambda: export(lib, sel, fmt, dest, options=opts))
        self._update_button()

    def _writes(self) -> Operations:
        """The window's write path (its writer thread), or the dialog's own when alone."""
        ops = getattr(self.parent(), "ops", None)
        if isinstance(ops, Operations):
            return ops
        if self._own_ops is None:
            self._own_ops = Operations(self.lib, self)
        return self._own_ops

    def _keep_done(self, result: object) -> None:
        self._keeping = False
        self._export_done(result)

    def _keep_failed(self, reason: str) -> None:
        self._keeping = False
        self._export_failed(reason)

    def _export_done(self, result: object) -> None:
        assert isinstance(result, ExportResult)
        self.last_result = result
        self._save()
        text = f"Exported {result.count} paper(s) to {result.path}"
        if self.keep_box.isChecked() and self.keep_box.isEnabled():
            text += "; kept up to date"
        self.message.setText(text)
        status = getattr(self.parent(), "statusBar", None)
        if callable(status):
            status().showMessage(text, 8000)
        self.exported.emit(result.count, str(result.path))
        self.accept()

    def _export_failed(self, reason: str) -> None:
        self.message.setText(reason)  # one line, the file and why; the dialog stays open
        self._update_button()
        self.failed.emit(reason)

    def done(self, result: int) -> None:  # noqa: D401 (Qt override)
        self._recount.stop()
        self._count_job.wait(5000)
        self._export_job.wait(60_000)
        if self._keeping or self._own_ops is not None:
            self._writes().wait()  # a binding being written lands before the dialog goes
        if self._own_ops is not None:
            self._own_ops.stop()
            self._own_ops = None
        super().done(result)

    # -- remembered choices -----------------------------------------------------------------

    def _default_path(self) -> str:
        folder = self.settings.value("export/folder") or QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation
        )
        if not folder or not Path(folder).is_dir():  # ~/Documents need not exist
            folder = str(Path.home())
        stem = "reading-list"
        if self.scope == "tags" and self.checked_tags():
            stem = _slug("-".join(self.checked_tags())) or stem
        return str(Path(folder) / (stem + FORMATS[self.format].EXTENSION))

    def _restore(self, tags: Sequence[str] | None) -> None:
        s = self.settings
        self.set_format(str(s.value("export/format", "md")))
        self.group_by_tag.setChecked(str(s.value("export/groupByTag", "false")) == "true")
        self.keep_box.setChecked(str(s.value("export/keep", "false")) == "true")
        remembered = s.value("export/tags") or []
        if isinstance(remembered, str):  # QSettings gives a lone string for a 1-item list
            remembered = [remembered]
        match = str(s.value("export/match", "any"))
        if tags:
            self.set_tags(tags, match)
            scope = "tags"
        else:
            self.set_tags(list(remembered), match)
            scope = str(s.value("export/scope", "view"))
            if scope == "selected" and not self.selected_ids:
                scope = "view"
            if scope not in SCOPES:
                scope = "view"
        if self.selected_ids and not tags and s.value("export/scope") is None:
            scope = "selected"  # first use: a selection is the likeliest intent
        self.set_scope(scope)
        self.group_by_tag.setEnabled(self.format in GROUPABLE)
        last = s.value("export/destination")
        if tags or not last:
            self.dest_edit.setText(self._default_path())
        else:
            self.dest_edit.setText(str(Path(str(last)).with_suffix(FORMATS[self.format].EXTENSION)))

    def _save(self) -> None:
        s = self.settings
        s.setValue("export/scope", self.scope)
        s.setValue("export/format", self.format)
        s.setValue("export/tags", self.checked_tags())
        s.setValue("export/match", self.match_box.currentData())
        s.setValue("export/groupByTag", "true" if self.group_by_tag.isChecked() else "false")
        s.setValue("export/keep", "true" if self.keep_box.isChecked() else "false")
        if self.last_result is not None and self.last_result.path is not None:
            s.setValue("export/destination", str(self.last_result.path))
            s.setValue("export/folder", str(self.last_result.path.parent))
        s.sync()


W = TypeVar("W", bound=QWidget)


def _named(widget: W, name: str) -> W:
    """``widget`` with its object name set (for tests and accessibility)."""
    widget.setObjectName(name)
    return widget


def _slug(text: str) -> str:
    return re.sub(r"[^\w]+", "-", text, flags=re.UNICODE).strip("-").lower()[:60]


def _keep(lib: Library, dest: Path, fmt: str, sel: Selection, opts: ExportOptions) -> ExportResult:
    binding = lib.keep_export(dest, fmt, sel, opts)
    return ExportResult(binding.papers or 0, Path(binding.path))


def add_tag_export_action(window: QWidget, lib: Library, tag: str, menu: QMenu) -> None:
    """Slot for the sidebar's ``tagMenuAboutToShow``: an "Export…" entry for that tag."""

    def open_dialog() -> None:
        dialog = ExportDialog(lib, window, tags=[tag])
        window._export_dialog = dialog  # type: ignore[attr-defined]  # tests reach it here
        dialog.open()

    action = menu.addAction("Export…", open_dialog)
    action.setObjectName("exportTagAction")


def _key(name: str) -> str:
    """A tag's identity (the store's rule); a name that is not a valid tag matches nothing."""
    try:
        return tag_key(name)
    except PaperdeskError:
        return ""
