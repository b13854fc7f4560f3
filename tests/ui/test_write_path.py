"""One write path, one change signal: every write the window makes runs on its writer
thread; each view hears of it once, through ``libraryChanged``; the search index follows on
a thread of its own, never the GUI thread."""

from __future__ import annotations

import threading
from collections import Counter

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtTest import QTest

from app.store.changes import Changes
from tests.ui.conftest import wait_listing


def spy(counts: Counter, obj: object, name: str, key: str | None = None) -> None:
    """Count calls of ``obj.name`` (the instance's own bound method, still called)."""
    method = getattr(obj, name)

    def counted(*args, **kwargs):
        counts[key or name] += 1
        return method(*args, **kwargs)

    setattr(obj, name, counted)


def quiet(qtbot, window) -> None:
    """Let the window finish what it has started: writes, suggestions, index, events."""
    QCoreApplication.processEvents()
    window.ops.wait()
    qtbot.waitUntil(lambda: not window.panel.suggestions_pending(), timeout=20_000)
    qtbot.waitUntil(window.index_follower.idle, timeout=20_000)
    QCoreApplication.processEvents()


def test_one_tag_added_to_one_paper_refreshes_each_view_once(qtbot, open_window, seeded):
    window = open_window(seeded)
    pid = window.model.id_at(3)
    window.select_ids([pid])
    quiet(qtbot, window)
    counts: Counter = Counter()
    spy(counts, window.panel, "refresh", "panel refresh")
    spy(counts, seeded, "annotation_summary", "annotation summary")
    spy(counts, seeded, "tags", "tags() query")
    spy(counts, window.model, "refresh_papers", "row refresh")
    spy(counts, window.model, "forget", "all rows")
    spy(counts, window.reader, "show_paper", "reader repaint")
    spy(counts, window, "refresh", "listing recompute")
    spy(counts, window.sidebar, "refresh_tags", "sidebar update")
    seen: list[tuple[Changes, object]] = []
    window.changes.libraryChanged.connect(lambda c, i: seen.append((c, i)))

    assert window.panel.tag_editor.add("counted")
    quiet(qtbot, window)

    assert len(seen) == 1
    changes, initiator = seen[0]
    assert changes.annotation == {pid} and initiator is window.panel.tag_editor
    assert counts == Counter(
        {
            "panel refresh": 1,
            "annotation summary": 1,
            "tags() query": 1,
            "row refresh": 1,
            "reader repaint": 1,
            "sidebar update": 1,
        }
    )
    assert window.model.data(window.model.index(3, 5)) == "counted"
    assert "#counted" in window.reader.toPlainText()
    assert window.panel.tag_editor.tags() == ["counted"]
    assert window.sidebar.index_of("tag:counted").isValid()


def test_a_tag_colour_repaints_the_sidebar_and_chips_only(qtbot, open_window, seeded):
    ids = seeded.paper_ids()[:3]
    seeded.add_tags(ids, ["hue"])
    window = open_window(seeded)
    window.select_ids(ids[:1])
    quiet(qtbot, window)
    counts: Counter = Counter()
    spy(counts, window.panel, "refresh", "panel refresh")
    spy(counts, window.sidebar, "refresh_tags", "sidebar update")
    spy(counts, window, "refresh", "listing recompute")
    spy(counts, window.reader, "show_paper", "reader repaint")
    assert window.tag_manager.set_color("hue", "#123456")
    quiet(qtbot, window)
    assert counts["panel refresh"] == counts["sidebar update"] == 1
    assert counts["listing recompute"] == 0
    chip = window.panel.tag_editor.chips()[0]
    assert "#123456" in chip.styleSheet()


def test_another_process_reaches_the_views_through_the_same_signal(qtbot, open_window, seeded):
    from app.cli import main

    window = open_window(seeded)
    pid = window.model.id_at(0)
    window.select_ids([pid])
    quiet(qtbot, window)
    assert main(["--library", str(seeded.path), "star", str(pid)]) == 0
    with qtbot.waitSignal(window.changes.libraryChanged, timeout=5000) as sig:
        pass  # the feed's next poll
    changes, initiator = sig.args
    assert initiator is None and changes.annotation == {pid} and changes.kinds == {"star"}
    assert window.panel.star_action.isChecked()
    assert window.model.data(window.model.index(0, 0)).startswith("★ ")


def test_the_window_never_writes_the_index_on_the_gui_thread(
    qtbot, open_window, seeded, whoosh_threads
):
    seeded.index.sync()  # an index to follow (built before the window: not counted)
    whoosh_threads.clear()
    window = open_window(seeded)
    a, b = window.model.id_at(0), window.model.id_at(1)
    window.select_ids([a])
    window.panel.tag_editor.add("gui-thread")
    window.panel.toggle_star()
    editor = window.panel.note_editor
    editor.text.setFocus()
    QTest.keyClicks(editor.text, "a note")
    assert editor.flush()
    window.select_ids([a, b])
    window.panel.tag_editor.add("pair")
    quiet(qtbot, window)
    assert window.tag_manager.rename("pair", "couple")
    QTest.keyClick(window.table, Qt.Key.Key_Space)  # toggle read
    quiet(qtbot, window)
    window.set_query("couple")  # a search: ready, so the listing is there
    qtbot.waitUntil(lambda: sorted(window.model.ids()) == sorted([a, b]), timeout=10_000)
    quiet(qtbot, window)

    assert seeded.index.lag() == 0  # the index followed every change …
    assert {name for name, _t in whoosh_threads} >= {"__init__", "commit"}
    gui = [name for name, t in whoosh_threads if t is threading.main_thread()]
    assert gui == []  # … and not one Whoosh write ran on the GUI thread


def test_a_search_follows_a_tag_added_in_the_window(qtbot, open_window, seeded):
    seeded.index.sync()  # built: no "indexing" retry listing interleaves with the waits
    window = open_window(seeded)
    wait_listing(qtbot, window, lambda: window.set_query("tag:fresh"))
    assert window.model.ids() == []
    wait_listing(qtbot, window, lambda: window.set_query(""))
    pid = window.model.id_at(2)
    window.select_ids([pid])
    wait_listing(qtbot, window, lambda: window.set_query("tag:fresh"))
    window.select_paper(pid)
    # The search runs again once the index has followed the change (off the GUI thread).
    with qtbot.waitSignal(window.listingApplied, timeout=20_000):
        window.panel.set_papers([pid])
        assert window.panel.tag_editor.add("fresh")
    assert window.model.ids() == [pid]
    assert window.index_follower.indexed == window.index_follower.generation


def test_a_note_saved_in_the_window_repaints_no_reader_sidebar_or_listing(
    qtbot, open_window, seeded
):
    window = open_window(seeded)
    pid = window.model.id_at(0)
    window.select_ids([pid])
    quiet(qtbot, window)
    counts: Counter = Counter()
    spy(counts, window.reader, "show_paper", "reader repaint")
    spy(counts, window.sidebar, "refresh_tags", "sidebar update")
    spy(counts, window, "refresh", "listing recompute")
    spy(counts, window.panel.note_editor, "reload", "note reload")
    spy(counts, window.panel, "refresh", "panel refresh")
    editor = window.panel.note_editor
    editor.text.setFocus()
    QTest.keyClicks(editor.text, "kept")
    assert editor.flush()
    quiet(qtbot, window)
    assert seeded.note(pid) == "kept"
    # The panel hears of it once; the note field, which wrote it, is not read back.
    assert counts == Counter({"panel refresh": 1})
