"""Issue 14's small items: title, rename dialog, distinct toggles, the tag field (completion,
Ctrl+Z, carried-over text, stale errors), views that keep a sensible selection, empty
results, a fresh Unread count, the export folder and the import filter."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QInputDialog

from tests.ui.conftest import wait_listing
from tests.ui.test_write_path import quiet


def test_window_title_names_the_library_once(open_window, seeded):
    window = open_window(seeded)
    assert window.windowTitle() == seeded.path.name


def test_rename_dialog_is_roomy_with_its_title(qtbot, open_window, seeded, monkeypatch):
    seeded.add_tags(seeded.paper_ids()[:2], ["draft"])
    window = open_window(seeded)
    seen = {}

    def fake_exec(dialog):
        seen["width"] = dialog.width()
        seen["title"] = dialog.windowTitle()
        seen["label"] = dialog.labelText()
        return 0

    monkeypatch.setattr(QInputDialog, "exec", fake_exec)
    assert not window.tag_manager.rename("draft")
    assert seen["width"] >= 440 and "draft" in seen["title"] and "draft" in seen["label"]


def test_star_and_read_toggles_look_different_on_and_off(qtbot, open_window, seeded):
    window = open_window(seeded)
    panel = window.panel
    window.select_ids([window.model.id_at(0)])
    off = (panel.star_action.text(), panel.read_action.text())
    panel.toggle_star()
    panel.toggle_read()
    quiet(qtbot, window)
    on = (panel.star_action.text(), panel.read_action.text())
    assert on[0] != off[0] and on[1] != off[1]
    assert "★" in on[0] and "✓" in on[1]


def test_enter_with_the_completion_open_takes_the_completion(qtbot, open_window, seeded):
    seeded.add_tags(seeded.paper_ids()[:3], ["diffusion"])
    window = open_window(seeded)
    pid = window.model.id_at(5)
    window.select_ids([pid])
    window.activateWindow()
    editor = window.panel.tag_editor
    editor.input.setFocus()
    qtbot.keyClicks(editor.input, "dif")
    popup = editor.completer.popup()
    qtbot.waitUntil(popup.isVisible)
    QTest.keyClick(popup, Qt.Key.Key_Return)  # keys go to the open popup first
    quiet(qtbot, window)
    assert seeded.get(pid).tags == ["diffusion"]
    assert not seeded.tag_exists("dif")


def test_ctrl_z_in_the_tag_field_undoes_the_tag(qtbot, open_window, seeded):
    window = open_window(seeded)
    pid = window.model.id_at(0)
    window.select_ids([pid])
    window.activateWindow()
    editor = window.panel.tag_editor
    editor.input.setFocus()
    qtbot.keyClicks(editor.input, "fresh")
    QTest.keyClick(editor.input, Qt.Key.Key_Return)
    quiet(qtbot, window)
    assert seeded.get(pid).tags == ["fresh"] and editor.input.text() == ""
    QTest.keyClick(editor.input, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    quiet(qtbot, window)
    assert seeded.get(pid).tags == []


def test_typed_tag_text_does_not_follow_another_selection(qtbot, open_window, seeded):
    window = open_window(seeded)
    window.select_ids([window.model.id_at(0)])
    editor = window.panel.tag_editor
    editor.input.setText("half typ")
    editor.show_error("a tag name cannot be empty or only spaces")
    window.select_ids([window.model.id_at(1)])
    assert editor.input.text() == "" and editor.error.isHidden()
    editor.show_error("old error")
    qtbot.keyClicks(editor.input, "x")
    assert editor.error.isHidden()  # typing again clears the stale error


def test_merging_the_selected_tag_keeps_its_papers_in_view(qtbot, open_window, seeded):
    ids = seeded.paper_ids()[:4]
    seeded.add_tags(ids[:2], ["gen"])
    seeded.add_tags(ids[2:], ["generative"])
    window = open_window(seeded)
    wait_listing(qtbot, window, lambda: window.sidebar.select_key("tag:gen"))
    window.tag_manager.confirm = lambda *_a: True
    with qtbot.waitSignal(window.listingApplied, timeout=10_000):
        assert window.tag_manager.rename("gen", "generative")
    qtbot.waitUntil(lambda: window.sidebar.current_key() == "tag:generative")
    qtbot.waitUntil(lambda: sorted(window.model.ids()) == sorted(ids))


def test_untagging_in_the_tags_own_view_keeps_a_selection(qtbot, open_window, seeded):
    ids = seeded.paper_ids()[:5]
    seeded.add_tags(ids, ["queue"])
    seeded.set_tag_color("queue", "#27ae60")
    window = open_window(seeded)
    wait_listing(qtbot, window, lambda: window.sidebar.select_key("tag:queue"))
    window.select_ids([window.model.id_at(1)])
    gone, next_one = window.model.id_at(1), window.model.id_at(2)
    window.activateWindow()
    window.table.setFocus()
    with qtbot.waitSignal(window.listingApplied, timeout=10_000):
        QTest.keyClick(window.table, Qt.Key.Key_1)  # key 1 toggles "queue" off
    assert gone not in window.model.ids()
    assert window.selected_ids() == [next_one]


def test_an_empty_result_says_so(qtbot, open_window, seeded):
    seeded.index.sync()
    window = open_window(seeded)
    wait_listing(qtbot, window, lambda: window.set_query("zzzqqqxxx"))
    assert window.empty_message.isVisible()
    assert "No papers match" in window.empty_message.text()
    wait_listing(qtbot, window, lambda: window.set_query(""))
    assert not window.empty_message.isVisible()
    wait_listing(qtbot, window, lambda: window.sidebar.select_key("view:trash"))
    assert window.empty_message.text() == "The Trash is empty."


def test_unread_view_and_count_follow_marking_read(qtbot, open_window, seeded):
    window = open_window(seeded)
    wait_listing(qtbot, window, lambda: window.sidebar.select_key("view:unread"))
    before = window.model.rowCount()
    window.select_ids([window.model.id_at(0)])
    with qtbot.waitSignal(window.listingApplied, timeout=10_000):
        window.panel.toggle_read()
    assert window.model.rowCount() == before - 1
    assert window.counts.text().startswith(f"{before - 1:,} of")


def test_export_folder_falls_back_when_documents_is_missing(qtbot, open_window, seeded):
    from pathlib import Path

    window = open_window(seeded)
    window.open_export()
    dialog = window.export_dialog
    folder = Path(dialog.dest_edit.text()).parent
    assert folder.is_dir()
    dialog.reject()


def test_import_dialog_shows_json_backups(qtbot, open_window, seeded, monkeypatch):
    window = open_window(seeded)
    seen = {}

    def fake(_parent, _title, _dir, filters):
        seen["filters"] = filters
        return [], ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", fake)
    window.choose_import()
    first = seen["filters"].split(";;")[0]
    assert "*.json" in first and "*.txt" in first and "*.html" in first


def test_import_progress_counts_papers(qtbot, open_window, library):
    from tests.conftest import SEEDS

    window = open_window(library)
    counts: list[int] = []
    formats: list[str] = []
    with qtbot.waitSignal(window.importFinished, timeout=60_000):
        task = window.start_import([SEEDS["001"]])
        task.papers.connect(counts.append)
        task.papers.connect(lambda _n: formats.append(window.progress.format()))
    assert counts and max(counts) == 248  # the one file's papers, not "0 of 1 files"
    assert any("248 papers" in f for f in formats)
    assert "file" not in formats[-1]  # one file: papers are the whole story


def test_welcome_text_is_fully_visible(qtbot, open_window, library):
    from ui.main_window import WELCOME_TEXT

    window = open_window(library)
    window.resize(1280, 800)
    assert window.stack.currentWidget() is window.welcome
    label = window.welcome_text
    assert label.text() == WELCOME_TEXT
    qtbot.waitUntil(lambda: label.width() > 0)
    # Its width fits the sentence wrapped, and its height holds every wrapped line.
    assert label.width() <= window.welcome.width()
    assert label.height() >= label.heightForWidth(label.width())
    assert label.heightForWidth(label.width()) > label.fontMetrics().height()  # it wraps


def test_a_selected_views_icon_stays_visible(qtbot, open_window, seeded):
    """The "All papers" icon (blue-grey) vanished on the blue selection: selected, it is
    drawn white."""
    from PySide6.QtGui import QIcon

    window = open_window(seeded)
    item = window.sidebar.model().itemFromIndex(window.sidebar.index_of("view:all"))
    icon = item.icon()
    normal = icon.pixmap(16, 16, QIcon.Mode.Normal).toImage()
    selected = icon.pixmap(16, 16, QIcon.Mode.Selected).toImage()
    pixel = next(
        (x, y) for x in range(16) for y in range(16) if normal.pixelColor(x, y).alpha() > 200
    )
    assert normal.pixelColor(*pixel).lightness() < 160
    assert selected.pixelColor(*pixel).lightness() > 240


def test_an_empty_tag_or_saved_search_group_says_how_to_fill_it(qtbot, open_window, seeded):
    window = open_window(seeded)
    sidebar = window.sidebar

    def children(group: int) -> list[str]:
        parent = sidebar.model_.item(group)
        return [parent.child(r).text() for r in range(parent.rowCount())]

    names = [sidebar.model_.item(g).text() for g in range(sidebar.model_.rowCount())]
    tags, saved = names.index("Tags"), names.index("Saved searches")
    assert children(tags) == ["No tags yet"] and children(saved) == ["No saved searches"]
    placeholder = sidebar.model_.item(tags).child(0)
    assert not placeholder.isSelectable() and "press T" in placeholder.toolTip()
    pid = window.model.id_at(0)
    window.ops.op(lambda lib: lib.add_tags([pid], ["gen"])).run()
    qtbot.waitUntil(lambda: children(tags) == ["gen  (1)"])
    sidebar.select_key("view:all")
    assert sidebar.current_key() == "view:all"
