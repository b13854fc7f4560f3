"""The reader pane on its own: escaping, highlighting, links, light and dark palettes."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtGui import QColor, QPalette

from app.records import PaperRecord
from ui.reader import DARK_HIT, LIGHT_HIT, ReaderPane, highlight, is_web_link, paper_link


def _paper(**kw) -> PaperRecord:
    base = dict(
        id=1,
        title="Concept Erasure at Scale",
        abstract="We erase concepts. Erasure works & <b>scales</b>.",
        authors_count=3,
        organization="Lab <i>X</i>",
        published=date(2025, 1, 2),
        upvotes=5,
        url=None,
        links=["https://github.com/a/b", "javascript:alert(1)", "ftp://x/y"],
        tags=["<tag>"],
        note="",
        starred=False,
        read=False,
        added_at=datetime(2025, 1, 3),
    )
    base.update(kw)
    return PaperRecord(**base)


def test_highlight_escapes_and_marks_word_starts():
    out = highlight("Erasure & <b>erasing</b> unerased", ["eras"])
    assert out == (
        '<span class="hit">Erasure</span> &amp; &lt;b&gt;<span class="hit">erasing</span>'
        "&lt;/b&gt; unerased"
    )
    assert highlight("a <x>", []) == "a &lt;x&gt;"


def test_only_http_links_count():
    assert is_web_link("https://x.org/a") and is_web_link("http://x.org")
    for bad in ("javascript:alert(1)", "file:///etc/passwd", "ftp://x/y", "data:text/html,x"):
        assert not is_web_link(bad)
    assert paper_link(_paper()) == "https://github.com/a/b"
    assert paper_link(_paper(links=[])).startswith("https://duckduckgo.com/?q=Concept+Erasure")


def test_pane_shows_text_not_markup(qtbot):
    pane = ReaderPane()
    qtbot.addWidget(pane)
    pane.show_paper(_paper(), ["erasure"])
    text = pane.toPlainText()
    assert "<b>scales</b>" in text and "Lab <i>X</i>" in text and "#<tag>" in text
    html = pane.toHtml()
    assert 'href="javascript' not in html and 'href="ftp' not in html
    assert "javascript:alert(1)" in text  # shown, not clickable


def test_dark_palette_changes_the_highlight(qtbot):
    pane = ReaderPane()
    qtbot.addWidget(pane)
    pane.show_paper(_paper(), ["erasure"])
    assert QColor(LIGHT_HIT[0]).name() in pane.toHtml()
    dark = QPalette(pane.palette())
    dark.setColor(QPalette.ColorRole.Base, QColor("#202020"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#eeeeee"))
    pane.setPalette(dark)  # what a system switch to dark mode does to the widget
    assert pane.is_dark()
    assert QColor(DARK_HIT[0]).name() in pane.toHtml()
