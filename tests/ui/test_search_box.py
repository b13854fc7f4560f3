"""The search box against the real search index (issue 3's ``Library.search``)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog

from tests.ui.conftest import wait_listing


def _hits(lib, query, **kw):
    return [h.paper_id for h in lib.search(query, limit=2000, **kw).hits]


def test_typing_filters_the_table_and_esc_clears(qtbot, open_window, seeded):
    window = open_window(seeded)
    total = seeded.count()
    expected = _hits(seeded, "concept erasure")
    assert 0 < len(expected) < total
    window.search_box.setFocus()
    qtbot.keyClicks(window.search_box, "concept erasure")
    qtbot.waitUntil(lambda: set(window.model.ids()) == set(expected), timeout=5000)
    assert f"of {total:,} papers" in window.counts.text()
    assert "search took" in window.counts.text()
    # The first Esc goes back to the list and keeps the query; the second clears it.
    QTest.keyClick(window.search_box, Qt.Key.Key_Escape)
    assert window.search_box.text() == "concept erasure" and window.table.hasFocus()
    with qtbot.waitSignal(window.listingApplied, timeout=5000):
        QTest.keyClick(window.table, Qt.Key.Key_Escape)
    assert window.search_box.text() == ""
    assert window.model.rowCount() == total


def test_enter_runs_the_full_query_and_hits_are_highlighted(qtbot, open_window, seeded):
    expected = _hits(seeded, "erasure")  # the index is built before the window starts
    window = open_window(seeded)
    window.focus_search()  # the list has the focus at start
    window.search_box.setText("erasure")
    wait_listing(qtbot, window, lambda: QTest.keyClick(window.search_box, Qt.Key.Key_Return))
    assert window.model.ids() == expected  # relevance order
    window.select_ids([window.model.id_at(0)])
    # The reader marks the query's words (and only them) with the hit background.
    from PySide6.QtCore import QRegularExpression
    from PySide6.QtGui import QTextDocument

    from ui.reader import DARK_HIT, LIGHT_HIT

    hit = (DARK_HIT if window.reader.is_dark() else LIGHT_HIT)[0]
    doc = window.reader.document()
    word = doc.find(QRegularExpression(r"(?i)\berasure\b"))
    assert not word.isNull()
    assert word.charFormat().background().color().name() == hit
    other = doc.find("the", 0, QTextDocument.FindFlag.FindWholeWords)
    assert not other.isNull() and other.charFormat().background().color().name() != hit


def test_view_and_query_combine(qtbot, open_window, seeded):
    hits = _hits(seeded, "diffusion")
    seeded.set_starred(hits[:3])
    window = open_window(seeded)
    wait_listing(qtbot, window, lambda: window.sidebar.select_key("view:starred"))
    wait_listing(qtbot, window, lambda: window.set_query("diffusion"))
    assert sorted(window.model.ids()) == sorted(hits[:3])


def test_a_malformed_query_shows_an_inline_note(qtbot, open_window, seeded):
    window = open_window(seeded)
    wait_listing(qtbot, window, lambda: window.set_query('title:( "unclosed'))
    assert window.hint.text().strip()
    assert not [w for w in window.findChildren(QDialog) if w.isVisible()]


def test_did_you_mean_is_a_clickable_hint(qtbot, open_window, seeded):
    seeded.index.sync()  # built before the window starts (its first paper's suggestions)
    window = open_window(seeded)
    wait_listing(qtbot, window, lambda: window.set_query("difusion"))
    assert "Did you mean" in window.hint.text()
    suggestion = window.listing.suggestion
    wait_listing(qtbot, window, lambda: window.hint.linkActivated.emit(f"suggest:{suggestion}"))
    assert window.search_box.text() == suggestion
    assert window.model.rowCount() > 0


def test_the_query_can_be_saved_as_a_saved_search(qtbot, open_window, seeded):
    window = open_window(seeded)
    wait_listing(qtbot, window, lambda: window.set_query("erasure"))
    window.save_search_as("Erasing", "erasure")
    window.ops.wait()  # stored on the writer thread
    assert window.sidebar.index_of("saved:Erasing").isValid()
    assert ("Erasing", "erasure", "view:all") in seeded.saved_searches()
    wait_listing(qtbot, window, lambda: window.set_query(""))
    wait_listing(qtbot, window, lambda: window.sidebar.select_key("saved:Erasing"))
    assert window.search_box.text() == "erasure"
    assert sorted(window.model.ids()) == sorted(_hits(seeded, "erasure"))
