"""Every reader on mutated real and hand-written pages: never a traceback."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.importers import forms, html_page, hub_json, markdown_page, paper_page
from app.importers.parsed import INT_LIMIT, ParsedForm
from tests.app.importers.conftest import PAGES, SAMPLES

AS_OF = date(2026, 3, 14)
# The machine is shared: slow draws are the load, not the strategy. Examples stay at the
# profile's number (40 by default).
_relaxed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _seed(*names: str) -> list[str]:
    out = []
    for name in names:
        for folder in (SAMPLES, PAGES):
            path = Path(folder) / name
            if path.exists():
                text = path.read_text(encoding="utf-8")
                out.append(text[:60_000])
    return out


_NASTY = st.sampled_from(
    [
        "\x00",
        "\u202e",
        "\ufeff",
        "&#39;",
        "&amp;",
        "<",
        ">",
        '"',
        "[",
        "]",
        "\n",
        "-",
        "99999999999",
    ]
)


@st.composite
def mutated(draw, texts: list[str]):
    text = draw(st.sampled_from(texts))
    for _ in range(draw(st.integers(0, 6))):
        if not text:
            break
        at = draw(st.integers(0, len(text)))
        kind = draw(st.integers(0, 3))
        if kind == 0:
            text = text[:at]  # cut off
        elif kind == 1:
            text = text[:at] + draw(_NASTY) + text[at:]
        elif kind == 2:
            end = min(len(text), at + draw(st.integers(1, 400)))
            text = text[:at] + text[end:]
        else:
            text = text[:at] + draw(st.text(max_size=20)) + text[at:]
    return text


def _sound(form: ParsedForm) -> None:
    for paper in form.papers:
        assert paper.title
        for value in (paper.upvotes, paper.comments, paper.authors_count, paper.github_stars):
            assert value is None or 0 <= value < INT_LIMIT
        for day in (paper.published, paper.listed_on):
            assert day is None or 1990 <= day.year <= 2100
    for line, why in form.problems:
        assert isinstance(line, int) and why and "\n" not in why


@_relaxed
@given(mutated(_seed("api-daily_papers_2024-10-25_first-2-items.json")))
def test_hub_json_never_raises(text):
    _sound(hub_json.read(text, AS_OF))


@_relaxed
@given(mutated(_seed("daily-page_2024-08-01.html", "cards-2026.html", "paper-no-data.html")))
def test_html_never_raises(text):
    _sound(html_page.read(text, AS_OF))


@_relaxed
@given(
    mutated(
        _seed("search-page_markdown-capture.md", "daily-2026.md", "paper-2026.md", "daily-2024.md")
    )
)
def test_markdown_never_raises(text):
    _sound(markdown_page.read(text, AS_OF))


@_relaxed
@given(mutated(_seed("paper-page_2510.04618.txt", "paper-2026.txt")))
def test_paper_page_never_raises(text):
    _sound(paper_page.read(text, AS_OF))


@_relaxed
@given(st.text(max_size=300))
def test_sniffer_and_readers_on_any_text(text):
    form, why = forms.sniff(text)
    assert form is None or why is None
    for read in forms.READERS.values():
        _sound(read(text, AS_OF))
