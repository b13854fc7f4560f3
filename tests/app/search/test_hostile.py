"""Issue 16's search cases, each reproduced for real: out-of-range numbers, a damaged id
column, malformed and pathological queries, "did you mean" on field syntax, totals."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update

from app.maintenance import check
from app.search.whoosh.query import MAX_PHRASE, MAX_TERMS
from app.search.whoosh.schema import INT_MAX
from db import Paper, write_session
from tests.app.search.conftest import found


def _build(lib) -> str:
    return lib.index.stamp()["build"]


# -- 1: an out-of-range number never poisons the index --------------------------------------


def test_a_count_beyond_the_index_range_never_breaks_search(seeded):
    seeded.index.sync()
    with write_session(seeded.engine) as s:  # what a backup with 2147483648 upvotes stored
        s.execute(update(Paper).where(Paper.id == 7).values(upvotes=2**31, comments=10**15))
    seeded.set_note(7, "okapi")  # a logged change: the index takes paper 7 again
    assert found(seeded, "okapi") == {7}
    assert found(seeded, f"upvotes:>={INT_MAX}") == {7}
    assert found(seeded, "comments:>=1000000000") == {7}
    assert seeded.related(7).ids
    seeded.reindex()
    assert found(seeded, "okapi") == {7}
    report = check(seeded, repair=True)
    assert report.ok
    assert any("beyond its range" in f and ": 7" in f for f in report.facts), report.facts
    assert seeded.get(7).upvotes == 2**31  # the library keeps the true value


# -- 6: a damaged id column ------------------------------------------------------------------


@pytest.mark.parametrize("part", ["id.col", "_title_len.col"])
def test_a_damaged_column_is_found_by_check_never_shown_and_healed(seeded, part):
    seeded.index.sync()
    assert check(seeded).ok
    for f in seeded.index.folder.glob(f"*.{part}"):
        f.write_bytes(b"")
    seeded.index._drop_engine()  # as a new process would open it
    report = check(seeded)
    assert not report.ok and any("search index" in p for p in report.problems), report.facts
    before = _build(seeded)
    seeded.index._checked = False  # the next session (or this one after a failed read)
    result = seeded.search("diffusion", limit=10_000)
    live = set(seeded.paper_ids())
    assert result.ids and set(result.ids) <= live
    assert set(result.ids) == found(seeded, "diffusion")
    assert _build(seeded) != before  # healed: rebuilt from the database
    assert sorted(seeded.index.indexed_ids()) == sorted(live)
    assert check(seeded).ok


def test_hits_naming_no_paper_are_never_shown_even_before_the_rebuild(seeded):
    """The id column emptied while a searcher is open on the old files (as the window has)."""
    seeded.index.sync()
    for f in seeded.index.folder.glob("*.id.col"):
        f.write_bytes(b"")
    seeded.index._drop_engine()
    result = seeded.search("diffusion OR model", limit=10_000, as_you_type=True)
    seeded.index.wait()
    assert set(result.ids) <= set(seeded.paper_ids())


# -- 13: a parse failure is a parse failure ---------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "NOT AND",
        "diffusion OR AND model",
        'date:""',
        "upvotes:²",
        "upvotes:" + "9" * 5000,
        "(" * 300 + "diffusion",
        "rock OR AND roll",
        "NOT " * 400 + "diffusion",
        "year:abc",
        "arxiv:<<>>",
    ],
)
def test_malformed_queries_never_rebuild_the_index(seeded, text):
    seeded.index.sync()
    before = _build(seeded)
    result = seeded.search(text, limit=20)
    assert not result.indexing
    assert _build(seeded) == before, result.note
    assert not seeded.index.damaged


# -- 14: pathological valid queries are bounded ------------------------------------------------


def test_a_query_of_many_terms_is_cut_and_says_so(seeded):
    words = ["model", "diffusion", "video", "language", "data", "learning"] * 100
    seeded.search("warm up")
    result = seeded.search(" OR ".join(words), limit=20)
    assert result.note and f"first {MAX_TERMS} terms" in result.note
    assert result.ids and result.suggestion is None
    assert result.took_ms < 1000


def test_a_long_phrase_is_cut_and_says_so(seeded):
    abstract = seeded.get(1).abstract.split()
    assert len(abstract) > 3 * MAX_PHRASE
    long = '"' + " ".join(abstract[: 3 * MAX_PHRASE] + ["zzzz"] * 100) + '"'
    result = seeded.search(long, limit=20)
    assert result.note and f"at most {MAX_PHRASE} words" in result.note
    assert 1 in result.ids


def test_a_huge_word_costs_no_suggestion_work(seeded):
    seeded.search("warm up")  # the session's first search checks the whole index
    result = seeded.search("x" * 10_000 + " diffusio", limit=20)
    assert result.took_ms < 1000 and result.hits == [] and result.suggestion is None


# -- 25: "did you mean", totals ----------------------------------------------------------------


@pytest.mark.parametrize("text", ["year:abc", "foo:bar", "title:", "title:transformr"])
def test_did_you_mean_never_touches_field_syntax(seeded, text):
    result = seeded.search(text)
    s = result.suggestion
    assert s is None or s.split(":")[0] == text.split(":")[0], s


def test_did_you_mean_still_corrects_a_plain_word(seeded):
    result = seeded.search("difusion")
    assert result.suggestion == "diffusion"


def test_three_thousand_ors_propose_nothing(seeded):
    result = seeded.search(" OR ".join(["wya"] * 3000))
    assert result.suggestion is None
    assert result.note and "simplified" in result.note


def test_a_small_total_is_exact_not_an_estimate(seeded):
    # Whoosh's estimate for a phrase is its rarest word's frequency: a phrase with two
    # exact hits was printed as "about 117".
    title = seeded.get(5).title
    words = title.split()[:3]
    phrase = '"' + " ".join(words) + '"'
    everything = seeded.search(phrase, limit=10_000)
    first = seeded.search(phrase, limit=max(1, everything.total))
    assert first.total_is_exact and first.total == len(everything.ids)
    for limit in (1, 2):
        r = seeded.search(phrase + " OR diffusion", limit=limit)
        assert r.total_is_exact, limit
        assert r.total == len(seeded.search(phrase + " OR diffusion", limit=10_000).ids)


def test_limit_zero_counts_without_listing(seeded):
    result = seeded.search("diffusion", limit=0)
    assert result.hits == []
    assert result.total == len(found(seeded, "diffusion")) > 0
    assert json.dumps(result.total)


# -- 17: highlight only what is shown --------------------------------------------------------


def test_highlights_are_made_only_for_the_hits_read(seeded):
    """``export --query`` asks for every hit's id and never reads a highlight; a listing
    reads the first ones. Highlights are made for those alone, a batch at a time."""
    from app.search.results import HIGHLIGHT_BATCH

    result = seeded.search("diffusion OR model OR language", limit=100_000)
    assert len(result.hits) > HIGHLIGHT_BATCH
    lazy = result.hits[0]._lazy
    assert lazy is not None and lazy.done == 0  # ids, scores, total: no highlight made
    assert result.ids
    assert "<b>" in " ".join(result.hits[0].highlights.values())
    assert lazy.done == HIGHLIGHT_BATCH  # the first page of hits only
    last = result.hits[-1]
    assert isinstance(last.highlights, dict)
    assert lazy.done <= 2 * HIGHLIGHT_BATCH


# -- issue 16 item 21: the stamp's temporary file never follows a symlink --------------------


def test_a_symlink_planted_at_the_stamp_temp_file_is_never_followed(seeded, tmp_path):
    from app.search.index import STAMP

    seeded.index.sync()
    victim = tmp_path / "victim.txt"
    victim.write_text("do not touch", encoding="utf-8")
    planted = seeded.index.folder / (STAMP + ".tmp")
    planted.symlink_to(victim)
    before = seeded.index.stamp()["seq"]
    seeded.set_note(7, "symlinkprobe")  # a change: the catch-up writes the stamp again
    assert found(seeded, "symlinkprobe") == {7}
    assert seeded.index.stamp()["seq"] > before
    assert victim.read_text(encoding="utf-8") == "do not touch"
    assert not planted.is_symlink() and not planted.exists()
    assert not (seeded.index.folder / STAMP).is_symlink()
