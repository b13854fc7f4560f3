"""File › Open Library… and Open Recent; window settings kept per library."""

from __future__ import annotations

from PySide6.QtGui import QAction

from app import Library


def test_open_library_launches_a_window_and_remembers_it(qtbot, open_window, seeded, tmp_path):
    window = open_window(seeded)
    assert isinstance(window.findChild(QAction, "actionOpenLibrary"), QAction)
    launched: list[str] = []
    window.launch_library = launched.append
    other = tmp_path / "other"
    Library.open(other).close()
    window.open_library(str(other))
    assert launched == [str(other)]
    assert window.recent_libraries()[0] == str(other.resolve())
    window._fill_recent()
    texts = [a.text() for a in window.recent_menu.actions()]
    assert texts == [str(other.resolve())]
    window.recent_menu.actions()[0].trigger()
    assert launched == [str(other), str(other.resolve())]


def test_a_folder_that_is_no_library_is_refused(qtbot, open_window, seeded, tmp_path):
    window = open_window(seeded)
    launched: list[str] = []
    window.launch_library = launched.append
    docs = tmp_path / "Documents"
    docs.mkdir()
    (docs / "letter.txt").write_text("hello")
    window.open_library(str(docs))
    assert launched == [] and "holds no library" in window.status.currentMessage()
    window.open_library(str(seeded.path))
    assert launched == [] and "open in this window" in window.status.currentMessage()


def test_settings_are_per_library(qtbot, open_window, seeded, tmp_path):
    window = open_window(seeded)
    wait = qtbot.waitSignal(window.listingApplied, timeout=10_000)
    with wait:
        window.sidebar.select_key("view:starred")
    window.close()
    other = Library.open(tmp_path / "second")
    try:
        second = open_window(other)
        assert second._view_key == "view:all"  # not the first library's view
        assert second._settings_group() != window._settings_group()
        second.close()
    finally:
        other.close()
    again = open_window(seeded)
    assert again._view_key == "view:starred"
