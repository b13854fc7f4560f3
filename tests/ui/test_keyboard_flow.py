"""Keyboard flow (issue 14): the list has the focus at start with a paper selected; ↓ and
Enter in the search box move to the results; Esc goes back; no type-ahead."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.ui.conftest import wait_listing


def test_focus_at_start_is_the_list_with_the_first_paper(qtbot, open_window, seeded):
    window = open_window(seeded)
    window.activateWindow()
    qtbot.waitUntil(lambda: window.table.hasFocus())
    first = window.model.id_at(0)
    assert window.selected_ids() == [first]
    assert window.reader.paper is not None and window.reader.paper.id == first
    QTest.keyClick(window.table, Qt.Key.Key_J)  # j moves, it does not search for "j"
    assert window.search_box.text() == ""
    assert window.selected_ids() == [window.model.id_at(1)]


def test_remembered_paper_is_selected_at_start(qtbot, open_window, seeded):
    window = open_window(seeded)
    chosen = window.model.id_at(7)
    window.select_ids([chosen])
    window.close()
    again = open_window(seeded)
    assert again.selected_ids() == [chosen]


def test_down_and_enter_in_the_search_box_move_to_the_results(qtbot, open_window, seeded):
    assert seeded.search("diffusion").total  # the index is built
    window = open_window(seeded)
    window.activateWindow()
    window.focus_search()
    qtbot.keyClicks(window.search_box, "diffusion")
    qtbot.waitUntil(
        lambda: window.listing.request.query == "diffusion" and window.model.rowCount() > 0,
        timeout=10_000,
    )
    QTest.keyClick(window.search_box, Qt.Key.Key_Down)
    assert window.table.hasFocus() and len(window.selected_ids()) == 1
    window.focus_search()
    wait_listing(qtbot, window, lambda: QTest.keyClick(window.search_box, Qt.Key.Key_Return))
    assert window.table.hasFocus() and window.search_box.text() == "diffusion"


def test_no_type_ahead_drops_a_selection(qtbot, open_window, seeded):
    window = open_window(seeded)
    window.activateWindow()
    window.table.setFocus()
    window.table.selectAll()
    many = len(window.selected_ids())
    assert many == seeded.count()
    for key in (Qt.Key.Key_T, Qt.Key.Key_H, Qt.Key.Key_E):  # letters that are no shortcut
        QTest.keyClick(window.table, key)
    assert len(window.selected_ids()) == many


def test_end_goes_to_the_last_paper_without_scrolling_titles_away(qtbot, open_window, seeded):
    window = open_window(seeded)
    window.resize(900, 700)
    window.activateWindow()
    window.table.setFocus()
    for mods in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ControlModifier):
        QTest.keyClick(window.table, Qt.Key.Key_End, mods)
        assert window.table.currentIndex().row() == window.model.rowCount() - 1
        assert window.table.horizontalScrollBar().value() == 0
        QTest.keyClick(window.table, Qt.Key.Key_Home, mods)
        assert window.table.currentIndex().row() == 0
    QTest.keyClick(window.table, Qt.Key.Key_Right)
    assert window.table.horizontalScrollBar().value() == 0


def test_enter_in_the_search_box_lands_on_a_hit_not_on_nothing(qtbot, open_window, seeded):
    """Enter moves to the results before they arrive; when they do and the paper that was
    selected is not among them, the first hit is selected (keys act on it at once)."""
    hits = seeded.search("zero-shot", limit=2000).ids
    window = open_window(seeded)
    window.activateWindow()
    other = next(pid for pid in window.model.ids() if pid not in hits)
    window.select_ids([other])
    window.focus_search()
    window.search_box.setText("zero-shot")  # no as-you-type listing yet
    wait_listing(qtbot, window, lambda: QTest.keyClick(window.search_box, Qt.Key.Key_Return))
    qtbot.waitUntil(lambda: window.listing.request.query == "zero-shot")
    assert window.table.hasFocus()
    assert window.selected_ids() == [window.model.id_at(0)] and window.model.id_at(0) in hits
    assert window.reader.paper is not None and window.reader.paper.id == window.model.id_at(0)
