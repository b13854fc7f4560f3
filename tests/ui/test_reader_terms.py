"""The reader marks what the search index matched (``SearchResult.terms``), field by field:
the engine's own analysis, not a guess from the query's text."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.ui.conftest import wait_listing
from ui.reader import DARK_HIT, LIGHT_HIT


def _marked(window) -> list[tuple[int, str]]:
    """(block number, text) of every highlighted fragment in the reader; block 0 is the
    title."""
    hit = (DARK_HIT if window.reader.is_dark() else LIGHT_HIT)[0]
    doc, out = window.reader.document(), []
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            brush = frag.charFormat().background()
            if brush.style() != Qt.BrushStyle.NoBrush and brush.color().name() == hit:
                out.append((block.blockNumber(), frag.text()))
            it += 1
        block = block.next()
    return out


def _search_and_select(qtbot, window, query: str, pid: int) -> None:
    wait_listing(qtbot, window, lambda: window.set_query(query))
    assert pid in window.model.ids()
    window.select_ids([pid])
    qtbot.waitUntil(lambda: window.reader.paper is not None and window.reader.paper.id == pid)


def test_zero_shot_marks_both_analysed_words_and_nothing_else(qtbot, open_window, seeded):
    result = seeded.search("zero-shot", limit=50)
    matched = result.terms["abstract"] | result.terms["title"]
    assert matched == {"zero", "shot"}
    pid = next(p.id for p in seeded.papers(result.ids) if "zero-shot" in p.abstract.lower())
    window = open_window(seeded)
    _search_and_select(qtbot, window, "zero-shot", pid)
    marked = _marked(window)
    assert {text.lower() for _b, text in marked} == {"zero", "shot"}


def test_field_syntax_and_negation_mark_only_what_matched_there(qtbot, open_window, seeded):
    query = "title:diffusion -model"
    result = seeded.search(query, limit=50)
    assert result.terms == {"title": frozenset({"diffusion"})}
    # A hit whose abstract says "diffusion" and "model": neither is marked there.
    pid = next(
        p.id
        for p in seeded.papers(result.ids)
        if "diffusion" in p.abstract.lower() and "model" in p.abstract.lower()
    )
    window = open_window(seeded)
    _search_and_select(qtbot, window, query, pid)
    marked = _marked(window)
    assert marked and all(block == 0 for block, _t in marked)  # the title only
    assert {text.lower() for _b, text in marked} == {"diffusion"}


def test_a_typed_prefix_marks_the_words_the_index_expanded_it_to(qtbot, open_window, seeded):
    window = open_window(seeded)
    window.focus_search()
    qtbot.keyClicks(window.search_box, "diffus")  # as you type: the last word is a prefix
    # The first search may find the index still being built: the window searches again,
    # still as you type (the word stays a prefix).
    qtbot.waitUntil(
        lambda: window.listing.request.query == "diffus" and window.model.rowCount() > 0
    )
    expected = seeded.search("diffus", limit=2000, as_you_type=True)
    assert set(window.model.ids()) == set(expected.ids)
    pid = next(p.id for p in seeded.papers(expected.ids) if "diffusion" in p.title.lower())
    QTest.keyClick(window.search_box, Qt.Key.Key_Escape)  # back to the list
    window.select_ids([pid])
    qtbot.waitUntil(lambda: window.reader.paper is not None and window.reader.paper.id == pid)
    words = {text.lower() for _b, text in _marked(window)}
    assert "diffusion" in words and words <= set(
        expected.terms["title"] | expected.terms["abstract"]
    )
