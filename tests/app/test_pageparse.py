"""The page format's rules, one by one, on small hand-made pages."""

from __future__ import annotations

from datetime import date

import pytest

from app.importers.text_page import parse_page, resolve_date
from app.store.merge import title_key

ABSTRACT = (
    "We study how large language models forget and relearn facts across many training "
    "steps, and propose a simple method that keeps old knowledge intact."
)
ABSTRACT2 = (
    "Diffusion models can be taught to erase a concept with a handful of images; we show "
    "how, and measure what else is lost along the way in careful experiments."
)
AS_OF = date(2025, 10, 30)


def page(*lines: str) -> str:
    return "\n".join(lines)


def test_compact_layout_title_then_abstract():
    got = parse_page(page("Paper One", ABSTRACT, "Paper Two", ABSTRACT2), AS_OF)
    assert [p.title for p in got.papers] == ["Paper One", "Paper Two"]
    assert got.papers[1].abstract == ABSTRACT2
    assert got.papers[0].published is None and not got.papers[0].has_metadata


def test_spaced_layout_with_author_count_date_and_comments():
    text = page("Paper One", "", ABSTRACT, "", "  • 9 authors", "·", "Dec 26, 2023 1", "")
    (p,) = parse_page(text, AS_OF).papers
    assert (p.authors_count, p.published, p.comments, p.upvotes) == (
        9,
        date(2023, 12, 26),
        1,
        None,
    )


@pytest.mark.parametrize(
    "line, published, comments",
    [
        ("Dec 26, 2023 1", date(2023, 12, 26), 1),
        ("Jul 24 2", date(2025, 7, 24), 2),
        ("May 12, 2024", date(2024, 5, 12), 0),
        ("Oct 30", date(2025, 10, 30), 0),
        ("Oct 31", date(2024, 10, 31), 0),  # not after the as-of day: last year's
        ("Sep 25 214", date(2025, 9, 25), 214),
    ],
)
def test_every_date_form(line, published, comments):
    (p,) = parse_page(page("T", ABSTRACT, "• 3 authors", "·", line), AS_OF).papers
    assert (p.published, p.comments) == (published, comments)


def test_organisation_line_keeps_the_display_name():
    (p,) = parse_page(
        page("T", ABSTRACT, "spiralworks Spiral Works", "·", "Sep 25 2"), AS_OF
    ).papers
    assert p.organization == "Spiral Works" and p.authors_count is None and p.comments == 2


def test_header_furniture_is_dropped_and_subscribe_unglued():
    text = page(
        "new",
        "Get trending papers in your email inbox once a day!",
        "Get trending papers in your email inbox!",
        "SubscribeKey-value memory in the brain",
        ABSTRACT,
    )
    (p,) = parse_page(text, AS_OF).papers
    assert p.title == "Key-value memory in the brain"


@pytest.mark.parametrize(
    "by", ["byAK and the research community", "by AK and the research community"]
)
def test_spaced_header_with_lone_page_date(by):
    text = page("Subscribe", "", "Daily Papers", "", by, "", "Oct 30", "", "Paper", "", ABSTRACT)
    (p,) = parse_page(text, AS_OF).papers
    assert p.title == "Paper" and p.published is None


def test_missing_metadata_block_between_papers():
    text = page("A", ABSTRACT, "• 2 authors", "·", "May 1, 2024", "B", ABSTRACT2, "C", ABSTRACT)
    got = parse_page(text, AS_OF).papers
    assert [(p.title, p.has_metadata) for p in got] == [("A", True), ("B", False), ("C", False)]


def test_crlf_bom_nbsp_and_trailing_blanks_change_nothing():
    plain = page("Paper One", "", ABSTRACT, "", "  • 9 authors", "·", "Jul 24 2")
    odd = "\ufeff" + plain.replace("Paper One", "Paper\u00a0One  ").replace("\n", " \t\r\n")
    a, b = parse_page(plain, AS_OF).papers, parse_page(odd, AS_OF).papers
    assert a == b


def test_links_are_kept_without_trailing_punctuation():
    text = page("T", ABSTRACT + " Code: https://github.com/x/y. Site https://x.github.io/p/")
    (p,) = parse_page(text, AS_OF).papers
    assert p.links == ["https://github.com/x/y", "https://x.github.io/p/"]


def test_year_inference_around_new_year():
    jan2 = date(2025, 1, 2)
    assert resolve_date(12, 30, None, jan2) == date(2024, 12, 30)
    assert resolve_date(1, 2, None, jan2) == date(2025, 1, 2)
    assert resolve_date(1, 3, None, jan2) == date(2024, 1, 3)
    assert resolve_date(12, 31, None, date(2024, 12, 31)) == date(2024, 12, 31)
    assert resolve_date(2, 29, None, date(2025, 3, 1)) == date(2024, 2, 29)
    assert resolve_date(2, 30, None, jan2) is None


def test_text_that_is_not_a_page_yields_no_paper():
    got = parse_page(page("[tool.ruff]", "line-length = 100", "x = 1"), AS_OF)
    assert got.papers == [] and got.problems


def test_title_key_ignores_case_unicode_form_space_and_punctuation():
    assert title_key("Ｄiffusion:  Models — Erase!") == title_key("diffusion models erase")
    assert title_key("Café") == title_key("CAFE\u0301".lower())


@pytest.mark.parametrize(
    "line, authors, org",
    [("• 9 authors · Dec 26, 2023 1", 9, None), ("acme Acme Labs · Jul 24 2", None, "Acme Labs")],
)
def test_metadata_block_on_one_line(line, authors, org):
    (p,) = parse_page(page("T", ABSTRACT, line), AS_OF).papers
    assert (p.authors_count, p.organization, p.has_metadata) == (authors, org, True)
