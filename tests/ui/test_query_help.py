"""Help › Search syntax and the "?" in the search box; examples run when clicked."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction

from ui.query_help import SYNTAX


def test_query_help_from_menu_and_box_and_examples_run(qtbot, open_window, seeded):
    seeded.index.sync()
    window = open_window(seeded)
    window.findChild(QAction, "actionQueryHelp").trigger()
    dialog = window.query_help
    assert dialog.isVisible()
    text = dialog.browser.toPlainText()
    for examples, _finds in SYNTAX:
        for example in examples:
            assert example in text
    dialog.close()
    window.findChild(QAction, "searchHelpButton").trigger()  # the "?" in the box
    dialog = window.query_help
    assert dialog.isVisible()
    with qtbot.waitSignal(window.listingApplied, timeout=10_000):
        dialog.browser.anchorClicked.emit(QUrl('query:tag:"to read"'))
    assert window.search_box.text() == 'tag:"to read"'
    with qtbot.waitSignal(window.listingApplied, timeout=10_000):
        dialog.browser.anchorClicked.emit(QUrl("query:year:2023..2024"))
    assert window.search_box.text() == "year:2023..2024"
    assert window.listing.request.query == "year:2023..2024"
    # It fits: the whole table shows without a vertical scrollbar.
    assert not dialog.browser.verticalScrollBar().isVisible()
