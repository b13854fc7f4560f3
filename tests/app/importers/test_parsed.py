from datetime import date

from app.importers.parsed import arxiv_id, count, ids_in, name, one_line, prose, shown_date


def test_counts_range_checked_and_dash_is_zero():
    problems: list = []
    assert count("-", "upvotes", 3, problems) == 0
    assert count("1,204", "upvotes", 3, problems) == 1204
    assert count("1.2k", "stars", 3, problems) == 1200
    assert count(None, "upvotes", 3, problems) is None
    assert problems == []
    assert count(-1, "upvotes", 4, problems) is None
    assert count(2**31, "upvotes", 5, problems) is None
    assert count(True, "upvotes", 6, problems) is None
    assert count("many", "upvotes", 7, problems) is None
    assert [line for line, _ in problems] == [4, 5, 6, 7]


def test_shown_dates_take_the_year_from_as_of_and_stay_sane():
    as_of = date(2026, 3, 14)
    assert shown_date("Mar 12", as_of) == date(2026, 3, 12)
    assert shown_date("Dec 30", as_of) == date(2025, 12, 30)
    assert shown_date("Mar 8, 2024", as_of) == date(2024, 3, 8)
    assert shown_date("2024-03-08", as_of) == date(2024, 3, 8)
    assert shown_date("Mar 8, 1850", as_of) is None
    assert shown_date("Feb 30", as_of) is None
    assert shown_date("Marvel 8", as_of) is None


def test_names_unescape_twice_and_lose_invisible_controls():
    assert name("D&amp;#39;Mello") == "D'Mello"
    assert name("D&#39;Mello") == "D'Mello"
    assert name("\u202eEve\u202c  Rtl\x07") == "Eve Rtl"
    assert name("محمد علي") == "محمد علي"  # right-to-left letters stay
    assert one_line("a\n  b\tc") == "a b c"
    assert prose("one\ntwo\n\nthree") == "one two\n\nthree"


def test_arxiv_ids():
    assert arxiv_id("2510.04618v2") == "2510.04618"
    assert arxiv_id("hep-th/9901001") == "hep-th/9901001"
    assert arxiv_id("2513.00001") is None  # month 13
    assert arxiv_id("not an id") is None
    text = (
        "Cite arxiv.org/abs/2510.04618 and https://huggingface.co/papers/2401.00001v3"
        " arxiv:2402.00002"
    )
    assert ids_in(text) == ["2510.04618", "2401.00001", "2402.00002"]
