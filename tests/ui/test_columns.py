"""Columns (issue 14): the default set fits 1280 px with the sort arrow in view; Title
stretches; the header menu shows, hides and resets; a note mark and tag colour dots."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap

from ui.paper_model import COLUMNS


def _col(header: str) -> int:
    return next(n for n, (h, _k) in enumerate(COLUMNS) if h == header)


def _visible(window) -> list[str]:
    hh = window.table.horizontalHeader()
    return [
        COLUMNS[hh.logicalIndex(v)][0]
        for v in range(hh.count())
        if not hh.isSectionHidden(hh.logicalIndex(v))
    ]


def test_default_columns_fit_1280_with_the_sort_arrow(qtbot, open_window, seeded):
    window = open_window(seeded)
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.width() == 1280 or window.width() <= 800)
    table, hh = window.table, window.table.horizontalHeader()
    assert _visible(window) == ["Title", "Published", "Upvotes", "Authors", "Tags", "Added"]
    qtbot.waitUntil(lambda: hh.length() <= table.viewport().width() + 1)
    assert not table.horizontalScrollBar().isVisible()
    assert hh.sortIndicatorSection() == _col("Added")  # the default sort, visible
    assert not hh.isSectionHidden(hh.sortIndicatorSection())
    # Title takes the room that is left: wider window, wider titles.
    narrow = hh.sectionSize(0)
    window.splitter.setSizes([150, 900, 300])
    qtbot.waitUntil(lambda: hh.sectionSize(0) > narrow)


def test_header_menu_shows_hides_and_resets(qtbot, open_window, seeded):
    window = open_window(seeded)
    table = window.table
    menu = table.header_menu()
    actions = {a.text(): a for a in menu.actions() if a.text()}
    assert not actions["Title"].isEnabled()  # the titles always show
    assert not actions["Added"].isEnabled()  # the sorted column keeps its arrow in view
    actions["Organisation"].setChecked(True)
    assert "Organisation" in _visible(window)
    actions["Published"].setChecked(False)
    assert "Published" not in _visible(window)
    actions["Reset columns"].trigger()
    assert _visible(window) == ["Title", "Published", "Upvotes", "Authors", "Tags", "Added"]
    # Sorting by a column brings it into view if it was hidden.
    window.sort_by("organization", False)
    assert "Organisation" in _visible(window)


def test_note_mark_and_tag_colour_dots(qtbot, open_window, seeded):
    pid = seeded.paper_ids()[0]
    seeded.add_tags([pid], ["hot", "plain"])
    seeded.set_tag_color("hot", "#e74c3c")
    seeded.set_note(pid, "remember this")
    window = open_window(seeded)
    row = window.model.row_of(pid)
    title = window.model.data(window.model.index(row, 0))
    assert title.startswith("✎ ")
    dots = window.model.data(window.model.index(row, _col("Tags")), Qt.ItemDataRole.DecorationRole)
    assert isinstance(dots, QPixmap) and dots.width() >= 10
    assert dots.toImage().pixelColor(5, 5).name() == "#e74c3c"
    other = window.model.row_of(seeded.paper_ids()[1])
    assert (
        window.model.data(window.model.index(other, _col("Tags")), Qt.ItemDataRole.DecorationRole)
        is None
    )
    # A colour change repaints the dots (through libraryChanged).
    window.tag_manager.set_color("hot", "#2e86c1")
    window.ops.wait()
    qtbot.waitUntil(
        lambda: (
            window.model.data(window.model.index(row, _col("Tags")), Qt.ItemDataRole.DecorationRole)
            .toImage()
            .pixelColor(5, 5)
            .name()
            == "#2e86c1"
        )
    )
