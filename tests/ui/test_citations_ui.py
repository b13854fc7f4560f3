"""Issue 12 in the window: Copy as (Ctrl+Shift+C = formatted citation), "Keep this file up
to date" in the export dialog, and kept exports rewritten within 2 s of a change the window
makes — failures in the status bar. (The citation key in the details editor, one undoable
step: tests/ui/test_details_dialog.py.)"""

from __future__ import annotations

import time

import bibtexparser
from PySide6.QtCore import QSettings, Qt, QThread
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtTest import QTest

from app.export import ExportOptions, Selection
from ui.export_dialog import ExportDialog
from ui.shortcuts import SHORTCUTS


def test_ctrl_shift_c_copies_the_formatted_citation(qtbot, open_window, seeded):
    window = open_window(seeded)
    pid = window.model.id_at(0)
    window.select_ids([pid])
    rec = seeded.get(pid)
    clip = QGuiApplication.clipboard()
    clip.setText("")
    action = window.findChild(QAction, "actionCopyCitation")
    assert action.shortcut().toString() == "Ctrl+Shift+C"
    assert ("Ctrl+Shift+C", "Copy the formatted citation of the selected papers") in SHORTCUTS
    window.table.setFocus()
    QTest.keyClick(
        window.table,
        Qt.Key.Key_C,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: rec.title[:20] in clip.text(), timeout=10_000)
    assert not clip.text().startswith("@")  # a formatted citation, not BibTeX
    # The key used is made once and stored.
    key = seeded.get(pid).citation_key
    assert key
    window.findChild(QAction, "actionCopyCitationKey").trigger()
    qtbot.waitUntil(lambda: clip.text() == key, timeout=10_000)
    # Another style, chosen in the submenu, is remembered.
    window.findChild(QAction, "actionCitationStyle_ieee").trigger()
    assert "IEEE" in action.text()
    clip.setText("")
    action.trigger()
    qtbot.waitUntil(lambda: rec.title[:20] in clip.text(), timeout=10_000)


def test_copy_as_submenu_in_the_context_menu(qtbot, open_window, seeded):
    window = open_window(seeded)
    window.select_ids([window.model.id_at(0)])
    window._paper_context_menu(window.table.viewport().mapToGlobal(window.table.rect().center()))
    menu = window.context_menu
    sub = next(
        a.menu() for a in menu.actions() if a.menu() and a.menu().objectName() == "menuCopyAs"
    )
    names = [a.objectName() for a in sub.actions() if a.objectName()]
    assert names[:4] == [
        "actionCopyCitation",
        "actionCopyBibtex",
        "actionCopyCitationKey",
        "actionCopyMarkdown",
    ]
    menu.close()


def test_export_dialog_keeps_a_tag_export_and_lists_it(qtbot, seeded, tmp_path):
    ids = seeded.paper_ids()[:3]
    seeded.add_tags(ids, ["keep"])
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    dialog = ExportDialog(seeded, settings=settings, tags=["keep"])
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.last_count is not None, timeout=10_000)
    dialog.set_format("bibtex")
    dest = tmp_path / "keep.bib"
    dialog.dest_edit.setText(str(dest))
    assert dialog.keep_box.isEnabled()
    dialog.keep_box.setChecked(True)
    with qtbot.waitSignal(dialog.exported, timeout=20_000):
        dialog.start_export()
    (b,) = seeded.kept_exports()
    assert b.path == str(dest) and b.papers == 3
    again = ExportDialog(seeded, settings=settings)
    qtbot.addWidget(again)
    assert again.kept_list.count() == 1 and str(dest) in again.kept_list.item(0).text()
    again.kept_list.setCurrentRow(0)
    again.remove_kept()  # on the dialog's write path
    qtbot.waitUntil(lambda: again.kept_list.count() == 0, timeout=5_000)
    assert seeded.kept_exports() == []
    for d in (dialog, again):
        d._count_job.wait(5000)
        d._export_job.wait(5000)


def test_window_export_dialog_keeps_on_the_writer_thread(qtbot, open_window, seeded, tmp_path):
    seeded.add_tags(seeded.paper_ids()[:2], ["keep"])
    window = open_window(seeded)
    threads: list[object] = []
    real = seeded.keep_export

    def spy(*args: object, **kwargs: object) -> object:  # the real method, and where it ran
        threads.append(QThread.currentThread())
        return real(*args, **kwargs)

    seeded.keep_export = spy  # type: ignore[method-assign]
    window.open_export()
    dialog = window.export_dialog
    qtbot.waitUntil(lambda: dialog.last_count is not None, timeout=10_000)
    dialog.set_scope("tags")
    dialog.tag_list.item(0).setCheckState(Qt.CheckState.Checked)
    dialog.set_format("bibtex")
    dialog.dest_edit.setText(str(tmp_path / "w.bib"))
    dialog.keep_box.setChecked(True)
    with qtbot.waitSignal(dialog.exported, timeout=20_000):
        dialog.start_export()
    assert threads == [window.ops.writer._thread]
    assert [b.path for b in seeded.kept_exports()] == [str(tmp_path / "w.bib")]


def test_window_rewrites_a_kept_export_within_2s(qtbot, open_window, seeded, tmp_path):
    ids = seeded.paper_ids()[:3]
    seeded.add_tags(ids, ["keep"])
    dest = tmp_path / "keep.bib"
    seeded.keep_export(dest, "bibtex", Selection(tags=("keep",)), ExportOptions())
    window = open_window(seeded)
    other = seeded.paper_ids()[5]
    start = time.monotonic()
    window.ops.op(lambda lib: lib.add_tags([other], ["keep"]), window).run()

    def count() -> int:
        return len(bibtexparser.parse_string(dest.read_text(encoding="utf-8")).entries)

    qtbot.waitUntil(lambda: count() == 4, timeout=2_000)
    assert time.monotonic() - start <= 2.0


def test_window_reports_an_unwritable_kept_export(qtbot, open_window, seeded, tmp_path):
    ids = seeded.paper_ids()[:3]
    seeded.add_tags(ids, ["keep"])
    dest = tmp_path / "keep.bib"
    seeded.keep_export(dest, "bibtex", Selection(tags=("keep",)), ExportOptions())
    dest.unlink()
    dest.mkdir()  # the destination became a folder
    window = open_window(seeded)
    with qtbot.waitSignal(window.kept_exports.failed, timeout=5_000):
        window.ops.op(lambda lib: lib.add_tags([seeded.paper_ids()[5]], ["keep"]), window).run()
    qtbot.waitUntil(lambda: "Kept export not updated" in window.status.currentMessage())
    assert window.isVisible()
