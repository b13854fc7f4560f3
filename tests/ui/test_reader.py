"""The reader pane on its own: escaping, highlighting, links, light and dark palettes."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QUrl
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


def test_highlight_escapes_and_marks_the_analysed_terms_only():
    # The index's analysis: lower-cased words; "zero-shot" is two of them. No prefixes: a
    # typed prefix arrives as the words it expanded to (SearchResult.terms).
    out = highlight("Zero-shot & <b>zeros</b> erasure", {"zero", "shot", "erasure"})
    assert out == (
        '<span class="hit">Zero</span>-<span class="hit">shot</span> &amp; &lt;b&gt;zeros'
        '&lt;/b&gt; <span class="hit">erasure</span>'
    )
    assert highlight("a <x>", set()) == "a &lt;x&gt;"


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


def _rich(**kw) -> PaperRecord:
    names = [f"Author{i} <b>Name{i}</b>" for i in range(12)]
    base = dict(
        arxiv_id="2510.04618",
        authors=names,
        authors_count=20,
        comments=3,
        submitted_by="tae<siri>",
        ai_summary="A <i>generated</i> summary of Erasure.",
        ai_keywords=["<kw>"],
        github="javascript:alert(2)",
        project_page="https://example.org/p",
        listed_on=date(2025, 10, 7),
    )
    base.update(kw)
    return _paper(**base)


def _hrefs(pane: ReaderPane) -> list[str]:
    import re

    return re.findall(r'href="([^"]+)"', pane.toHtml())


def test_authors_arxiv_links_comments_and_submitter(qtbot):
    pane = ReaderPane()
    qtbot.addWidget(pane)
    pane.show_paper(_rich())
    text = pane.toPlainText()
    assert "Author0 <b>Name0</b>, Author1" in text  # escaped, shown as text
    assert "Author7 <b>Name7</b>" in text and "Author8" not in text
    assert "+ 12 more" in text  # 4 listed but hidden, 8 more only counted by the page
    assert text.count("3 comments") == 1 and "submitted by tae<siri>" in text
    hrefs = _hrefs(pane)
    for url in (
        "https://arxiv.org/abs/2510.04618",
        "https://arxiv.org/pdf/2510.04618",
        "https://huggingface.co/papers/2510.04618",
        "https://example.org/p",
    ):
        assert url in hrefs
    assert not any(h.startswith("javascript") for h in hrefs)  # GitHub link not http(s)
    # "+ N more" expands in place (never opens a browser), and folds back.
    opened = []
    pane.open_url = opened.append
    pane.anchorClicked.emit(QUrl("paperdesk:authors"))
    assert "Author11 <b>Name11</b>" in pane.toPlainText() and "+ 8 more" in pane.toPlainText()
    pane.anchorClicked.emit(QUrl("paperdesk:authors"))
    assert "Author11" not in pane.toPlainText()
    assert opened == []
    pane.anchorClicked.emit(QUrl("https://arxiv.org/abs/2510.04618"))
    assert [u.toString() for u in opened] == ["https://arxiv.org/abs/2510.04618"]


def test_ai_summary_is_collapsed_marked_as_generated_and_opens(qtbot):
    pane = ReaderPane()
    qtbot.addWidget(pane)
    pane.show_paper(_rich(), ["erasure"])
    text = pane.toPlainText()
    assert "AI summary" in text and "generated by the Hugging Face Hub" in text
    assert "A <i>generated</i> summary" not in text
    pane.anchorClicked.emit(QUrl("paperdesk:summary"))
    text = pane.toPlainText()
    assert "A <i>generated</i> summary of Erasure." in text and "Keywords: <kw>" in text
    assert pane.toHtml().count(QColor(LIGHT_HIT[0]).name()) >= 2  # highlighted there too
    # Another paper starts collapsed again; a paper without these fields shows none.
    pane.show_paper(_rich(id=2))
    assert "A <i>generated</i>" not in pane.toPlainText()
    pane.show_paper(_paper())
    text = pane.toPlainText()
    assert "AI summary" not in text and "arXiv" not in text and "comments" not in text


def test_a_huge_abstract_is_shown_cut_with_a_line_saying_so(qtbot):
    """Issue 16 item 16: a backup may carry a 10-million-character abstract; the pane lays
    out only its first SHOWN_CHARS (Qt lays rich text out in the GUI thread) and says how
    much it left out; a normal abstract is shown whole."""
    from ui.reader import SHOWN_CHARS

    pane = ReaderPane()
    qtbot.addWidget(pane)
    huge = ("erasure word " * 800_000)[:10_000_000]
    pane.show_paper(_paper(abstract=huge, ai_summary="summary " * 50_000), ["erasure"])
    text = pane.toPlainText()
    assert len(text) < 3 * SHOWN_CHARS
    assert f"{10_000_000 - SHOWN_CHARS:,} more characters not shown here" in text
    pane.show_paper(_paper())
    assert "more characters" not in pane.toPlainText()
    assert "We erase concepts." in pane.toPlainText()
