"""The main window on a real library: views, reading, sorting, keys, settings, welcome."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QDialog,
    QLineEdit,
    QStatusBar,
    QTableView,
    QTextBrowser,
    QTreeView,
)

from tests.conftest import SEED_AS_OF
from tests.ui.conftest import LONG, page, wait_listing
from ui import MainWindow
from ui.paper_model import COLUMNS


def _click_row(qtbot, window, row: int) -> None:
    table = window.table
    table.scrollTo(window.model.index(row, 0))
    rect = table.visualRect(window.model.index(row, 0))
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_object_names_and_counts(open_window, seeded):
    window = open_window(seeded)
    assert isinstance(window.findChild(QLineEdit, "searchBox"), QLineEdit)
    assert isinstance(window.findChild(QTableView, "paperTable"), QTableView)
    assert isinstance(window.findChild(QTextBrowser, "readerPane"), QTextBrowser)
    assert isinstance(window.findChild(QTreeView, "sidebar"), QTreeView)
    assert isinstance(window.findChild(QStatusBar, "statusBar"), QStatusBar)
    n = seeded.count()
    assert window.model.rowCount() == n
    assert f"{n:,} of {n:,} papers" in window.counts.text()
    assert window.stack.currentWidget() is window.splitter


def test_selecting_a_row_fills_the_reader(qtbot, open_window, seeded):
    window = open_window(seeded)
    _click_row(qtbot, window, 3)
    rec = seeded.get(window.model.id_at(3))
    text = window.reader.toPlainText()
    assert rec.title in text
    assert rec.abstract[:80] in text
    assert window.selected_ids() == [rec.id]


def test_html_in_a_title_renders_as_text(qtbot, open_window, library, tmp_path):
    path = tmp_path / "evil.txt"
    title = "Attacks <script>alert(1)</script> with <b>bold</b> claims & more"
    abstract = "An abstract that says <i>hello</i> and links javascript:alert(2) here." + LONG
    path.write_text(page((title, abstract)), encoding="utf-8")
    report = library.import_files([path], as_of=SEED_AS_OF)
    assert not report.refused, report.files[0].reason
    window = open_window(library)
    _click_row(qtbot, window, 0)
    plain = window.reader.toPlainText()
    assert "<script>alert(1)</script>" in plain
    assert "<b>bold</b>" in plain
    assert "<i>hello</i>" in plain
    assert "<script" not in window.reader.toHtml().replace("&lt;script", "")
    assert window.model.data(window.model.index(0, 0)) == title


def test_only_web_links_open(qtbot, open_window, library, tmp_path):
    path = tmp_path / "links.txt"
    text = "Code at https://github.com/a/b and file:///etc/passwd here." + LONG
    path.write_text(page(("Linked Paper", text)), encoding="utf-8")
    assert not library.import_files([path], as_of=SEED_AS_OF).refused
    window = open_window(library)
    opened = []
    window.reader.open_url = lambda url: opened.append(url.toString())
    _click_row(qtbot, window, 0)
    html = window.reader.toHtml()
    assert 'href="https://github.com/a/b"' in html
    assert 'href="file:' not in html
    window.reader.anchorClicked.emit(window.reader.document().baseUrl().fromUserInput("file:///x"))
    assert opened == []
    # Enter in the table opens the paper's first web link.
    window.table.setFocus()
    QTest.keyClick(window.table, Qt.Key.Key_Return)
    assert opened == ["https://github.com/a/b"]


def test_a_paper_without_url_offers_a_web_search(qtbot, open_window, library, tmp_path):
    path = tmp_path / "plain.txt"
    path.write_text(page(("A Plain Paper", "No links at all here." + LONG)), encoding="utf-8")
    assert not library.import_files([path], as_of=SEED_AS_OF).refused
    window = open_window(library)
    opened = []
    window.reader.open_url = lambda url: opened.append(url.toString())
    _click_row(qtbot, window, 0)
    assert "Search the web for this title" in window.reader.toPlainText()
    window.open_current_link()
    assert opened and opened[0].startswith("https://duckduckgo.com/?q=A+Plain+Paper")


def test_sidebar_views_filter(qtbot, open_window, seeded):
    ids = seeded.paper_ids(sort="id", descending=False)
    seeded.set_read(ids[:300])
    seeded.set_starred(ids[:7])
    seeded.add_tags(ids[:12], ["diffusion"])
    window = open_window(seeded)
    expected = {
        "view:unread": seeded.count() - 300,
        "view:starred": 7,
        "view:untagged": seeded.count() - 12,
        "view:recent": seeded.count(),  # imported just now
        "tag:diffusion": 12,
        "view:all": seeded.count(),
    }
    for key, count in expected.items():
        wait_listing(qtbot, window, lambda k=key: window.sidebar.select_key(k))
        assert window.model.rowCount() == count, key
    # Clicking a tag in the sidebar filters too.
    idx = window.sidebar.index_of("tag:diffusion")
    assert "(12)" in idx.data()
    rect = window.sidebar.visualRect(idx)
    wait_listing(
        qtbot,
        window,
        lambda: QTest.mouseClick(
            window.sidebar.viewport(), Qt.MouseButton.LeftButton, pos=rect.center()
        ),
    )
    assert sorted(window.model.ids()) == ids[:12]


@pytest.fixture
def sidebar(seeded):
    from ui.sidebar import Sidebar

    seeded.add_tags(seeded.paper_ids()[:3], ["x", "y"])
    seeded.save_search("mine", "diffusion")
    widget = Sidebar(seeded)
    yield widget  # outlives the model tester (set up first, torn down last)


def test_sidebar_model_passes_qtmodeltester(sidebar, qtmodeltester, seeded):
    qtmodeltester.check(sidebar.model(), force_py=True)
    seeded.add_tags(seeded.paper_ids()[:5], ["z"])
    sidebar.refresh_tags()  # rebuilt rows are checked by the tester as they change
    assert "z  (5)" in sidebar.index_of("tag:z").data()


def test_sorting_by_each_column_happens_in_sql(qtbot, open_window, seeded):
    window = open_window(seeded)
    header = window.table.horizontalHeader()
    for col, (_name, key) in enumerate(COLUMNS):
        if key is None:
            before = list(window.model.ids())
            header.sectionClicked.emit(col)
            assert window.model.ids() == before
            continue
        wait_listing(qtbot, window, lambda c=col: header.sectionClicked.emit(c))
        descending = window._descending
        assert window.model.ids() == seeded.paper_ids(sort=key, descending=descending), key
        assert header.sortIndicatorSection() == col
        # Clicking again reverses.
        wait_listing(qtbot, window, lambda c=col: header.sectionClicked.emit(c))
        assert window.model.ids() == seeded.paper_ids(sort=key, descending=not descending)


def test_keyboard_moves_and_toggles_read(qtbot, open_window, seeded):
    window = open_window(seeded)
    window.activateWindow()
    window.table.setFocus()
    # The window starts on the first paper, so the first j moves on from it.
    assert window.table.currentIndex().row() == 0
    QTest.keyClick(window.table, Qt.Key.Key_J)
    QTest.keyClick(window.table, Qt.Key.Key_J)
    QTest.keyClick(window.table, Qt.Key.Key_K)
    assert window.table.currentIndex().row() == 1
    pid = window.model.id_at(1)
    assert window.selected_ids() == [pid]
    QTest.keyClick(window.table, Qt.Key.Key_Space)
    window.ops.wait()  # stored on the writer thread; the row heard of it
    assert seeded.get(pid).read is True
    assert not window.model.data(window.model.index(1, 0), Qt.ItemDataRole.FontRole)
    QTest.keyClick(window.table, Qt.Key.Key_Space)
    window.ops.wait()
    assert seeded.get(pid).read is False
    # "/" focuses the search box; typing there does not move the table.
    QTest.keyClick(window.table, Qt.Key.Key_Slash)
    assert window.search_box.hasFocus()


def test_settings_restored_on_reopen(qtbot, open_window, seeded, settings_file):
    seeded.set_starred(seeded.paper_ids()[:20])
    window = open_window(seeded)
    wait_listing(qtbot, window, lambda: window.sidebar.select_key("view:starred"))
    wait_listing(qtbot, window, lambda: window.sort_by("upvotes", False))
    window.table.horizontalHeader().resizeSection(5, 133)  # Tags (the Title stretches)
    window.table.horizontalHeader().moveSection(2, 0)
    window.resize(760, 580)  # the offscreen screen is 800×800: restoreGeometry clamps to it
    qtbot.waitUntil(lambda: window.splitter.width() == 760)
    window.splitter.setSizes([150, 350, 260])
    sizes = window.splitter.sizes()
    chosen = window.model.id_at(5)
    window.select_ids([chosen])
    window.close()

    again = open_window(seeded)
    assert again._view_key == "view:starred"
    assert again.sidebar.current_key() == "view:starred"
    assert (again._sort, again._descending) == ("upvotes", False)
    assert again.model.ids() == seeded.paper_ids(
        again.current_request().flt, "upvotes", descending=False
    )
    assert again.table.horizontalHeader().sectionSize(5) == 133
    assert again.table.horizontalHeader().visualIndex(2) == 0
    qtbot.waitUntil(lambda: again.splitter.width() == 760)
    assert all(abs(a - b) <= 2 for a, b in zip(again.splitter.sizes(), sizes, strict=True))
    assert (again.width(), again.height()) == (760, 580)
    assert again.selected_ids() == [chosen]
    assert seeded.get(chosen).title in again.reader.toPlainText()
    stored = QSettings(settings_file, QSettings.Format.IniFormat)
    assert stored.value(f"{again._settings_group()}/view") == "view:starred"  # per library


def test_empty_library_shows_welcome_and_adds_samples(qtbot, open_window, library):
    window = open_window(library)
    assert window.stack.currentWidget() is window.welcome
    with qtbot.waitSignal(window.importFinished, timeout=60_000):
        QTest.mouseClick(window.samples_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model.rowCount() == library.count() > 300, timeout=10_000)
    assert window.stack.currentWidget() is window.splitter


def test_from_ui_import_main_window(seeded, qtbot):
    import ui

    assert ui.MainWindow is MainWindow


def test_help_lists_every_shortcut_and_readme_agrees(qtbot, open_window, seeded):

    from ui.shortcuts import SHORTCUTS

    window = open_window(seeded)
    QTest.keyClick(window, Qt.Key.Key_F1)
    dialog = window.shortcuts_dialog
    assert dialog.isVisible()
    from PySide6.QtWidgets import QTableWidget

    table = dialog.findChild(QTableWidget)
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == [k for k, _ in SHORTCUTS]
    # It fits: every row and both columns visible, no scrollbars.
    qtbot.waitUntil(lambda: table.viewport().height() > 0)
    last = table.visualItemRect(table.item(table.rowCount() - 1, 1))
    assert last.bottom() <= table.viewport().height()
    assert table.columnViewportPosition(1) + 40 <= table.viewport().width()
    assert table.sizeHintForColumn(1) <= table.columnWidth(1)
    assert not table.verticalScrollBar().isVisible()
    assert not table.horizontalScrollBar().isVisible()
    screen = dialog.screen().availableGeometry()
    assert dialog.height() <= screen.height() and dialog.width() <= screen.width()
    for needed in ("F2 (sidebar)", "Backspace (empty tag field)", "Del (list)", "E"):
        assert needed in [k for k, _ in SHORTCUTS]
    dialog.close()


def test_readme_lists_every_shortcut():
    from pathlib import Path

    from ui.shortcuts import SHORTCUTS

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Keyboard shortcuts", 1)[1].split("\n## ", 1)[0]
    for keys, does in SHORTCUTS:
        assert f"| {keys} | {does} |" in section


def test_tag_menu_renames_with_undo_and_the_sidebar_follows(qtbot, open_window, seeded):
    from PySide6.QtWidgets import QMenu

    ids = seeded.paper_ids()[:4]
    seeded.add_tags(ids, ["draft"])
    window = open_window(seeded)
    menu = QMenu()
    window.sidebar.tagMenuAboutToShow.emit("draft", menu)
    labels = [a.text() for a in menu.actions() if a.text()]
    assert "Rename or merge…" in labels and "Delete…" in labels
    assert window.tag_manager.rename("draft", "final")
    qtbot.waitUntil(lambda: window.sidebar.index_of("tag:final").isValid(), timeout=5000)
    assert not window.sidebar.index_of("tag:draft").isValid()
    window.undo_stack.undo()
    qtbot.waitUntil(lambda: window.sidebar.index_of("tag:draft").isValid(), timeout=5000)
    assert "(4)" in window.sidebar.index_of("tag:draft").data()


def test_ctrl_e_opens_export_with_the_selection_and_view(qtbot, open_window, seeded, tmp_path):
    import csv

    from app.library import PaperFilter

    starred = seeded.paper_ids()[10:15]
    seeded.set_starred(starred)
    window = open_window(seeded)
    wait_listing(qtbot, window, lambda: window.sidebar.select_key("view:starred"))
    chosen = window.model.ids()[:3]
    window.select_ids(chosen)
    window.table.setFocus()
    QTest.keyClick(window.table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = window.findChild(QDialog, "exportDialog")
    assert dialog is not None and dialog.isVisible()
    # The dialog has the window's choices: its selection, and its view as "current view".
    assert dialog.selected_ids == chosen and dialog.scope == "selected"
    assert dialog.current_filter == PaperFilter(starred=True) and dialog.current_query == ""
    qtbot.waitUntil(lambda: dialog.last_count == 3, timeout=10_000)
    with qtbot.waitSignal(dialog.countChanged, timeout=10_000) as counted:
        dialog.set_scope("view")
    assert counted.args[0] == 5
    dialog.set_format("csv")
    dest = tmp_path / "starred.csv"
    dialog.dest_edit.setText(str(dest))
    with qtbot.waitSignal(dialog.exported, timeout=20_000) as done:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert done.args == [5, str(dest)]
    with dest.open(encoding="utf-8-sig", newline="") as fh:
        assert sorted(int(r["id"]) for r in csv.DictReader(fh)) == sorted(starred)
    assert not dialog.isVisible()
