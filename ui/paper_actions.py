"""The actions on the selected papers, shared by the Paper menu and the rows' context menu:
open link / arXiv / PDF, star, read, add and remove tags, copy (link, citation key, BibTeX,
Markdown link), edit details, export the selection, move to the Trash (or restore).

Every write goes through the window's ``ui.operations`` (undoable steps on its stack);
what changed reaches the views through ``libraryChanged`` alone.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import QObject, Qt, QUrl
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox

from app.links import arxiv_links
from app.records import PaperRecord
from ui import plain
from ui.annotations import commands
from ui.copy_menu import CopyAs
from ui.reader import paper_link


class PaperActions(QObject):
    """The window's paper actions (object names as DESIGN.md lists them)."""

    def __init__(self, window: Any) -> None:
        # ``window`` is the MainWindow; typed loosely because main_window imports this
        # module (the layer contracts forbid the cycle, type-checking imports included).
        super().__init__(window)
        self.w = window
        w = window

        def action(text: str, slot, name: str, keys: str | list[str] | None = None) -> QAction:
            a = QAction(text, w)
            a.setObjectName(name)
            a.triggered.connect(lambda _checked=False: slot())
            if isinstance(keys, str):
                a.setShortcut(QKeySequence(keys))
            elif keys:
                a.setShortcuts([QKeySequence(k) for k in keys])
            return a

        self.open_link = action("&Open link", w.open_current_link, "actionOpenLink")
        self.open_link.setShortcuts(
            [QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)]
        )
        # Enter belongs to the search box and editors too: only the table may take it.
        self.open_link.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        w.table.addAction(self.open_link)
        self.open_arxiv = action(
            "Open on &arXiv", lambda: self._open_arxiv(False), "actionOpenArxiv"
        )
        self.open_pdf = action("Open the &PDF", lambda: self._open_arxiv(True), "actionOpenPdf")
        self.add_tag = action("&Add tag…", self.focus_tag_input, "actionAddTag", "T")
        self.copy_link = action("&Link", self.copy_links, "actionCopyLink", "Ctrl+Shift+L")
        # Copy as (ui/copy_menu.py): formatted citation (Ctrl+Shift+C), BibTeX, key, Markdown.
        self.copy_as = CopyAs(w)
        self.copy_citation = self.copy_as.formatted
        self.copy_key, self.copy_markdown = self.copy_as.key, self.copy_as.markdown
        self.edit_details = action("&Edit details…", w.edit_details, "actionEditDetails", "E")
        self.export_selection = action(
            "E&xport selection…", lambda: w.open_export(selection=True), "actionExportSelection"
        )
        self.move_to_trash = action(
            "Move to &Trash", self.trash_selected, "actionMoveToTrash", ["Del", "Backspace"]
        )
        # Del in the tag field or the note deletes text there, never papers.
        self.move_to_trash.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        w.table.addAction(self.move_to_trash)
        self.restore = action("&Restore from Trash", self.restore_selected, "actionRestore")
        self.empty_trash = action("Empty Trash…", self.confirm_empty_trash, "actionEmptyTrash")
        for a in (self.add_tag, self.copy_link, self.copy_citation, self.edit_details):
            w.addAction(a)  # their keys work wherever the focus is in the window

    # -- menus -----------------------------------------------------------------------------

    def update(self) -> None:
        """Enable what applies to the current selection (on every selection change, so
        the keys, too, act only when they can)."""
        w = self.w
        n = len(w.selected_ids())
        rec = w.current_record() if n else None
        has_arxiv = rec is not None and bool(arxiv_links(rec.arxiv_id))
        self.open_link.setEnabled(rec is not None)
        self.open_arxiv.setEnabled(has_arxiv)
        self.open_pdf.setEnabled(has_arxiv)
        for a in (self.add_tag, self.export_selection, self.move_to_trash, self.restore):
            a.setEnabled(n > 0)
        for a in (self.copy_link, *self.copy_as.actions):
            a.setEnabled(n > 0)
        self.edit_details.setEnabled(n == 1)
        in_trash = w.in_trash_view()
        self.move_to_trash.setVisible(not in_trash)
        self.restore.setVisible(in_trash)

    def fill(self, menu: QMenu) -> None:
        """The paper menu for the current selection (the Paper menu and the context menu)."""
        w = self.w
        self.update()
        menu.clear()
        ids = w.selected_ids()
        for a in (self.open_link, self.open_arxiv, self.open_pdf):
            menu.addAction(a)
        menu.addSeparator()
        for a in w.panel.actions()[:2]:  # star, read (their checked state says which)
            menu.addAction(a)
        menu.addAction(w.toggle_read_action)
        menu.addSeparator()
        menu.addAction(self.add_tag)
        remove = menu.addMenu("Re&move tag")
        remove.setObjectName("menuRemoveTag")
        tags = list(w.lib.annotation_summary(ids)["tags"]) if ids else []
        for name in tags:
            remove_it = partial(w.panel.tag_editor.remove, name)
            entry = remove.addAction(plain.menu_text(name), remove_it)
            entry.setToolTip(plain.tooltip(name))  # not the default: the text, taken as HTML
        remove.setEnabled(bool(tags))
        tag_keys = [a for a in w.panel.tag_actions if a.isEnabled()]
        if tag_keys:
            keys = menu.addMenu("Toggle tag")
            keys.setObjectName("menuToggleTag")
            for a in tag_keys:
                keys.addAction(a)
        copy = menu.addMenu("&Copy")
        copy.setObjectName("menuCopy")
        copy.addAction(self.copy_link)
        copy.setEnabled(bool(ids))
        self.copy_as.fill(menu, bool(ids))
        menu.addSeparator()
        menu.addAction(self.edit_details)
        menu.addAction(self.export_selection)
        menu.addSeparator()
        menu.addAction(self.move_to_trash)
        menu.addAction(self.restore)
        if w.in_trash_view():
            menu.addAction(self.empty_trash)
        menu.addSeparator()
        menu.addAction(w.next_action)
        menu.addAction(w.prev_action)
        w._disable_writes(menu)  # a read-only team member: what would edit says why

    # -- what they do ----------------------------------------------------------------------

    def _records(self) -> list[PaperRecord]:
        ids = self.w.selected_ids()
        return self.w.lib.papers(ids) if ids else []

    def _copy(self, texts: list[str], what: str) -> None:
        if not texts:
            return
        QGuiApplication.clipboard().setText(
            "\n".join(texts) if what != "BibTeX" else "\n\n".join(texts)
        )
        n = len(texts)
        self.w.status.showMessage(f"Copied {what} of {n} paper{'s' if n != 1 else ''}.", 4000)

    def copy_links(self) -> None:
        self._copy([paper_link(r) for r in self._records()], "the link")

    def _open_arxiv(self, pdf: bool) -> None:
        rec = self.w.current_record()
        links = dict(arxiv_links(rec.arxiv_id)) if rec is not None else {}
        url = links.get("PDF" if pdf else "arXiv abstract")
        if url:
            self.w.open_url(url)

    def focus_tag_input(self) -> None:
        if self.w.selected_ids():
            self.w.panel.tag_editor.input.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def trash_selected(self) -> None:
        self._move(True)

    def restore_selected(self) -> None:
        self._move(False)

    def _move(self, to_trash: bool) -> None:
        w = self.w
        ids = w.selected_ids()
        if not ids:
            return
        w.panel.flush()  # a note being typed is stored first

        def done(moved: list[int]) -> None:
            n = len(moved)
            what = f"{n} paper{'s' if n != 1 else ''}"
            text = f"Moved {what} to the Trash" if to_trash else f"Restored {what}"
            w.status.showMessage(f"{text} (Ctrl+Z undoes).", 6000)

        w.select_after_removal(ids)
        commands.move_to_trash(w.undo_stack, w.ops, w.panel.feedback, ids, to_trash, w, done)

    def confirm_empty_trash(self) -> None:
        w = self.w
        n = w.lib.trash_count()
        if not n:
            w.status.showMessage("The Trash is empty.", 4000)
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Empty Trash",
            f"Delete the {n:,} paper{'s' if n != 1 else ''} in the Trash for good?\n"
            "Their tags and notes go too. This cannot be undone.",
            QMessageBox.StandardButton.Cancel,
            w,
        )
        box.setObjectName("emptyTrashDialog")
        plain.dialog(box)
        delete = box.addButton("Delete for good", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        w.empty_trash_box = box

        def answered(_result: int) -> None:
            if box.clickedButton() is delete:
                self.empty_trash_now()

        box.finished.connect(answered)
        box.open()

    def empty_trash_now(self) -> None:
        w = self.w

        def done(n: int) -> None:
            w.status.showMessage(f"Deleted {int(n):,} paper{'s' if n != 1 else ''} for good.", 6000)

        w.ops.op(lambda lib: lib.empty_trash(), w).success(done).run()


def open_url_or_say(window, url: str) -> bool:
    """Open ``url`` in the system browser; say so in the status bar when that fails."""
    ok = bool(window.reader.open_url(QUrl(url)))
    if not ok:
        window.status.showMessage(
            f"Could not open {url}: no web browser answered (copy it with Ctrl+Shift+L).", 10000
        )
    return ok
