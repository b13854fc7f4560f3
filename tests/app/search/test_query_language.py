"""Each feature of the query language against the seed pages, with exact expected sets."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.app.search.conftest import anywhere, expected, found, has_phrase


def test_words_must_all_match_across_title_abstract_tags_and_note(corpus):
    want = expected(corpus, lambda p, f: anywhere(f, "concept") and anywhere(f, "erasure"))
    assert len(want) >= 5
    assert found(corpus, "concept erasure") == want
    assert found(corpus, "Concept  ERASURE") == want  # case and spacing do not matter


def test_tags_and_notes_are_searched_by_plain_words(corpus):
    assert found(corpus, "zebrafish") == {3}
    with_tag = expected(corpus, lambda p, f: "to read" in p.tags)
    assert with_tag <= found(corpus, "read")


def test_phrase(corpus):
    want = expected(
        corpus,
        lambda p, f: any(has_phrase(f[n], ["concept", "erasure"]) for n in ("title", "abstract")),
    )
    assert want and found(corpus, '"concept erasure"') == want | expected(
        corpus, lambda p, f: has_phrase(f["tags"], ["concept", "erasure"])
    )


def test_or(corpus):
    want = expected(corpus, lambda p, f: anywhere(f, "erasure") or anywhere(f, "unlearning"))
    assert found(corpus, "erasure OR unlearning") == want


def test_not_and_minus(corpus):
    want = expected(corpus, lambda p, f: anywhere(f, "erasure") and not anywhere(f, "diffusion"))
    assert want
    assert found(corpus, "erasure -diffusion") == want
    assert found(corpus, "erasure NOT diffusion") == want


def test_parentheses_group(corpus):
    want = expected(
        corpus,
        lambda p, f: (
            (anywhere(f, "erasure") or anywhere(f, "unlearning")) and anywhere(f, "diffusion")
        ),
    )
    assert found(corpus, "(erasure OR unlearning) diffusion") == want


@pytest.mark.parametrize("name", ["title", "abstract", "note"])
def test_text_fields(corpus, name):
    want = expected(corpus, lambda p, f: "erasure" in f[name])
    assert want
    assert found(corpus, f"{name}:erasure") == want


def test_tag_field_matches_whole_tag_names_without_case(corpus):
    want = {p.id for p in corpus.list_papers() if "Concept erasure" in p.tags}
    assert len(want) == 3
    assert found(corpus, 'tag:"concept erasure"') == want
    assert found(corpus, "tag:concept") == set()  # a tag is a whole name, not a word


def test_org(corpus):
    want = {p.id for p in corpus.list_papers() if (p.organization or "").lower() == "spiral works"}
    assert want and found(corpus, "org:spiral") == want


def _published(lo: date | None, hi: date | None):
    return lambda p, f: (
        p.published is not None
        and (lo is None or p.published >= lo)
        and (hi is None or p.published <= hi)
    )


@pytest.mark.parametrize(
    ("text", "lo", "hi"),
    [
        ("year:2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("date:>=2024-05-01", date(2024, 5, 1), None),
        ("date:>2024-05-01", date(2024, 5, 2), None),
        ("date:<2024-05-01", None, date(2024, 4, 30)),
        ("date:2024-05-01..2024-06-30", date(2024, 5, 1), date(2024, 6, 30)),
        ("date:2024-05", date(2024, 5, 1), date(2024, 5, 31)),
        ("year:2023..2024", date(2023, 1, 1), date(2024, 12, 31)),
    ],
)
def test_dates(corpus, text, lo, hi):
    want = expected(corpus, _published(lo, hi))
    assert want
    assert found(corpus, text) == want


@pytest.mark.parametrize(
    ("text", "pred"),
    [
        ("upvotes:>=1", lambda n: n >= 1),
        ("upvotes:0", lambda n: n == 0),
        ("upvotes:<1", lambda n: n < 1),
        ("upvotes:1..3", lambda n: 1 <= n <= 3),
    ],
)
def test_upvotes(corpus, text, pred):
    want = expected(corpus, lambda p, f: p.upvotes is not None and pred(p.upvotes))
    assert want
    assert found(corpus, text) == want


@pytest.mark.parametrize(
    ("text", "pred"),
    [
        ("is:starred", lambda p: p.starred),
        ("is:unstarred", lambda p: not p.starred),
        ("is:read", lambda p: p.read),
        ("is:unread", lambda p: not p.read),
        ("has:note", lambda p: bool(p.note)),
        ("has:tag", lambda p: bool(p.tags)),
    ],
)
def test_flags(corpus, text, pred):
    want = expected(corpus, lambda p, f: pred(p))
    assert want
    assert found(corpus, text) == want


def test_combination(corpus):
    want = expected(
        corpus,
        lambda p, f: (
            anywhere(f, "erasure")
            and not p.read
            and p.published is not None
            and p.published.year == 2024
        ),
    )
    assert want
    assert found(corpus, "erasure year:2024 is:unread") == want


def test_as_you_type_expands_the_last_word_as_a_prefix(corpus):
    def starts(f, prefix):
        return any(
            w.startswith(prefix) for n in ("title", "abstract", "tags", "note") for w in f[n]
        )

    want = expected(corpus, lambda p, f: anywhere(f, "concept") and starts(f, "eras"))
    result = corpus.search("concept eras", as_you_type=True, limit=10_000)
    assert set(result.ids) == want
    assert all(not h.highlights for h in result.hits)  # the window only needs ids
    # Not as you type, "eras" is a word like any other; "eras*" is a prefix on purpose.
    assert found(corpus, "concept eras") == expected(
        corpus, lambda p, f: anywhere(f, "concept") and anywhere(f, "eras")
    )
    assert found(corpus, "concept eras*") == want


def test_as_you_type_short_last_word_is_not_a_prefix(corpus):
    # Below three characters a prefix would match half the library: it stays a word.
    assert found(corpus, "erasure di", as_you_type=True) == expected(
        corpus, lambda p, f: anywhere(f, "erasure") and anywhere(f, "di")
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('"unclosed concept erasure', ["unclosed", "concept", "erasure"]),
        ('concept "erasure', ["concept", "erasure"]),
        ("(erasure OR", ["erasure"]),
        ("erasure)", ["erasure"]),
        ("OR erasure", ["erasure"]),
        ("erasure OR", ["erasure"]),
        ("erasure NOT", ["erasure"]),
        ("year:20x4 diffusion", ["year", "20x4", "diffusion"]),
        ("date:2024-13-01 diffusion", ["date", "2024", "13", "01", "diffusion"]),
        ("upvotes:>=many erasure", ["upvotes", "many", "erasure"]),
        ("is:happy erasure", ["happy", "erasure"]),  # "is" is a stop word
        ("has:everything erasure", ["everything", "erasure"]),
        ("nosuchfield:erasure", ["nosuchfield", "erasure"]),
        ("title: erasure", ["title", "erasure"]),
        ("date:.. diffusion", ["date", "diffusion"]),
        ("((((diffusion", ["diffusion"]),
        ("NOT", []),
    ],
)
def test_malformed_queries_degrade_to_plain_words_and_say_so(corpus, text, words):
    result = corpus.search(text, limit=10_000)
    assert result.note and "plain words" in result.note
    want = expected(corpus, lambda p, f: all(anywhere(f, w) for w in words)) if words else set()
    assert set(result.ids) == want and result.total == len(want)
    if words == ["erasure"] or words == ["diffusion"] or words == ["concept", "erasure"]:
        assert want  # the fallback finds the paper the user was after


@pytest.mark.parametrize("text", ['""', "*", "a*", "-", "the"])
def test_queries_without_a_searchable_word_find_nothing_quietly(corpus, text):
    result = corpus.search(text, limit=10_000)
    assert result.hits == [] and result.total == 0
    assert result.note is None and result.suggestion is None


def test_malformed_query_still_finds_its_words(corpus):
    result = corpus.search('concept "erasure', limit=10_000)
    assert "plain words" in (result.note or "")
    assert set(result.ids) == found(corpus, "concept erasure")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(alphabet=st.sampled_from(list('ab -"():*<>=.OR NOTis2024yeartag')), max_size=30))
def test_no_query_ever_raises(corpus, text):
    for as_you_type in (False, True):
        result = corpus.search(text, limit=5, as_you_type=as_you_type)
        assert result.total >= len(result.hits)


def test_title_is_weighted_above_abstract(corpus):
    result = corpus.search("erasure", limit=10_000)
    titles = {p.id: p.title.lower() for p in corpus.papers(result.ids)}
    in_title = ["erasure" in titles[i] for i in result.ids]
    assert any(in_title) and not all(in_title)
    # Every paper naming it in its title ranks above every paper that does not.
    assert in_title == sorted(in_title, reverse=True)


def test_sorts(corpus):
    by_date = corpus.papers(corpus.search("diffusion", sort="date", limit=10_000).ids)
    days = [p.published for p in by_date]
    known = [d for d in days if d is not None]
    assert known == sorted(known, reverse=True)
    assert days[: len(known)] == known  # unknown dates last
    by_up = corpus.papers(corpus.search("diffusion", sort="upvotes", limit=10_000).ids)
    ups = [-1 if p.upvotes is None else p.upvotes for p in by_up]  # unknown sorts last
    assert ups == sorted(ups, reverse=True)
    # The same set whatever the order; phrases (Whoosh's own path) sort too.
    assert {p.id for p in by_date} == found(corpus, "diffusion")
    phrase = corpus.papers(corpus.search('"diffusion models"', sort="date", limit=10_000).ids)
    known = [p.published for p in phrase if p.published]
    assert known == sorted(known, reverse=True)


def test_bad_sort_and_limit_are_user_errors(corpus):
    from app.errors import PaperdeskError

    with pytest.raises(PaperdeskError):
        corpus.search("x", sort="title")
    with pytest.raises(PaperdeskError):
        corpus.search("x", limit=-1)
