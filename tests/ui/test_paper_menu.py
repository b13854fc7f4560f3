"""The rows' context menu and the Paper menu (issue 14): the DESIGN.md actions, copy, the
Trash with undo, and emptying it after a confirmation that shows the count."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QContextMenuEvent, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox

from tests.ui.conftest import wait_listing
from tests.ui.test_write_path import quiet

DESIGN_ACTIONS = (
    "actionEditDetails",
    "actionMoveToTrash",
    "actionCopyCitation",
    "actionQueryHelp",
    "actionOpenLibrary",
    "actionExport",
    "actionImport",
)


def _right_click(window, row: int) -> QMenu:
    table = window.table
    rect = table.visualRect(window.model.index(row, 0))
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, rect.center(), table.viewport().mapToGlobal(rect.center())
    )
    QApplication.sendEvent(table.viewport(), event)
    menu = window.context_menu
    assert menu.isVisible()
    return menu


def _texts(menu: QMenu) -> list[str]:
    return [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]


def test_design_action_names_exist(open_window, seeded):
    window = open_window(seeded)
    for name in DESIGN_ACTIONS:
        assert isinstance(window.findChild(QAction, name), QAction), name


def test_right_click_selects_the_row_and_offers_the_paper_actions(qtbot, open_window, seeded):
    window = open_window(seeded)
    window.select_ids([window.model.id_at(0)])
    menu = _right_click(window, 3)
    assert window.selected_ids() == [window.model.id_at(3)]  # the row under the pointer
    texts = _texts(menu)
    for wanted in ("Open link", "Add tag…", "Remove tag", "Copy", "Edit details…"):
        assert wanted in texts, texts
    assert "Move to Trash" in texts and "Export selection…" in texts
    menu.close()
    # Right-click inside a selection keeps the whole selection.
    ids = [window.model.id_at(r) for r in range(5)]
    window.select_ids(ids)
    _right_click(window, 2).close()
    assert window.selected_ids() == ids


def test_copy_link_bibtex_and_markdown(qtbot, open_window, seeded):
    window = open_window(seeded)
    window.select_ids([window.model.id_at(0)])
    rec = window.current_record()
    clip = QGuiApplication.clipboard()
    clip.setText("")
    # Ctrl+Shift+C (issue 12): the formatted citation, built on the writer thread.
    window.findChild(QAction, "actionCopyCitation").trigger()
    qtbot.waitUntil(lambda: rec.title.split()[0] in clip.text())
    window.findChild(QAction, "actionCopyBibtex").trigger()
    qtbot.waitUntil(lambda: clip.text().startswith("@misc{"))
    window.findChild(QAction, "actionCopyMarkdown").trigger()
    qtbot.waitUntil(lambda: clip.text().startswith("["))
    window.findChild(QAction, "actionCopyLink").trigger()
    assert clip.text().startswith("http")


def test_remove_tag_submenu_lists_the_selection_tags(qtbot, open_window, seeded):
    pid = seeded.paper_ids()[0]
    seeded.add_tags([pid], ["alpha", "beta"])
    window = open_window(seeded)
    window.select_ids([pid])
    menu = _right_click(window, window.model.row_of(pid))
    remove = next(a.menu() for a in menu.actions() if a.menu() and a.text() == "Re&move tag")
    assert _texts(remove) == ["alpha", "beta"]
    remove.actions()[0].trigger()
    quiet(qtbot, window)
    assert seeded.get(pid).tags == ["beta"]
    menu.close()


def test_trash_restore_undo_and_the_trash_view(qtbot, open_window, seeded):
    window = open_window(seeded)
    total = window.model.rowCount()
    ids = [window.model.id_at(r) for r in (1, 2)]
    after = window.model.id_at(3)
    window.select_ids(ids)
    window.table.setFocus()
    with qtbot.waitSignal(window.listingApplied, timeout=10_000):
        QTest.keyClick(window.table, Qt.Key.Key_Delete)
    assert window.model.rowCount() == total - 2
    assert not set(ids) & set(window.model.ids())
    assert window.selected_ids() == [after]  # the keyboard stays on a paper
    assert seeded.trash_count() == 2
    qtbot.waitUntil(lambda: window.sidebar.index_of("view:trash").data() == "Trash  (2)")
    # Undo brings them back, redo trashes them again.
    with qtbot.waitSignal(window.listingApplied, timeout=10_000):
        window.undo_stack.undo()
    assert window.model.rowCount() == total and seeded.trash_count() == 0
    with qtbot.waitSignal(window.listingApplied, timeout=10_000):
        window.undo_stack.redo()
    assert seeded.trash_count() == 2
    # The Trash view lists them, and Restore brings one back.
    wait_listing(qtbot, window, lambda: window.sidebar.select_key("view:trash"))
    assert sorted(window.model.ids()) == sorted(ids)
    window.select_ids(ids[:1])
    menu = _right_click(window, window.model.row_of(ids[0]))
    texts = [a.text().replace("&", "") for a in menu.actions() if a.isVisible()]
    assert "Restore from Trash" in texts and "Move to Trash" not in texts
    menu.close()
    with qtbot.waitSignal(window.listingApplied, timeout=10_000):
        window.findChild(QAction, "actionRestore").trigger()
    assert window.model.ids() == ids[1:]
    assert seeded.trash_count() == 1


def test_empty_trash_asks_with_the_count(qtbot, open_window, seeded):
    seeded.trash_papers(seeded.paper_ids()[:3])
    window = open_window(seeded)
    total = seeded.count()
    window.findChild(QAction, "actionEmptyTrash").trigger()
    box = window.empty_trash_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "3 papers" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert seeded.trash_count() == 3
    window.findChild(QAction, "actionEmptyTrash").trigger()
    box = window.empty_trash_box
    delete = next(b for b in box.buttons() if b.text() == "Delete for good")
    delete.click()
    window.ops.wait()
    assert seeded.trash_count() == 0 and seeded.count() == total - 3


def test_del_in_the_tag_field_never_trashes(qtbot, open_window, seeded):
    window = open_window(seeded)
    window.select_ids([window.model.id_at(0)])
    field = window.panel.tag_editor.input
    field.setFocus()
    field.setText("abc")
    field.setCursorPosition(0)
    QTest.keyClick(field, Qt.Key.Key_Delete)
    window.ops.wait()
    assert field.text() == "bc" and seeded.trash_count() == 0


def test_a_failed_open_link_says_so(qtbot, open_window, seeded):
    window = open_window(seeded)
    window.select_ids([window.model.id_at(0)])
    window.reader.open_url = lambda _url: False
    window.open_current_link()
    assert "Could not open" in window.status.currentMessage()


def test_right_click_on_trash_offers_to_empty_it(qtbot, open_window, seeded):
    seeded.trash_papers(seeded.paper_ids()[:2])
    window = open_window(seeded)
    menu = window.sidebar.menu_for("view:trash")
    actions = [a for a in menu.actions() if a.objectName() == "actionEmptyTrash"]
    assert actions, [a.text() for a in menu.actions()]
    actions[0].trigger()
    box = window.empty_trash_box
    assert box.isVisible() and "2 papers" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert seeded.trash_count() == 2
    assert window.sidebar.menu_for("view:all").isEmpty()  # no empty menu pops up


def test_menu_key_and_shift_f10_open_the_context_menu_at_the_current_row(
    qtbot, open_window, seeded
):
    window = open_window(seeded)
    window.activateWindow()
    ids = [window.model.id_at(r) for r in (2, 3)]
    window.select_ids(ids)
    window.table.setFocus()
    qtbot.waitUntil(window.table.hasFocus)
    for key, mods in (
        (Qt.Key.Key_Menu, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier),
    ):
        window.context_menu = None
        QTest.keyClick(window.table, key, mods)
        qtbot.waitUntil(lambda: window.context_menu is not None and window.context_menu.isVisible())
        menu = window.context_menu
        assert "Move to Trash" in _texts(menu)
        assert window.selected_ids() == ids  # the selection stays what the menu acts on
        rect = window.table.visualRect(window.table.currentIndex())
        bottom = window.table.viewport().mapToGlobal(rect.bottomLeft())
        assert abs(menu.pos().y() - bottom.y()) <= rect.height() + 4  # at the row
        menu.close()
