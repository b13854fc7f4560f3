"""Issue 11's fields in the query language: author:, arxiv:/id:, comments:, org: (both names).

The corpus fixture fills the new columns with a real database write (as the importers do)
and rebuilds the index; every expectation is computed from SQLite."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update

from app.search.whoosh.schema import SCHEMA_VERSION
from db import Paper, write_session
from tests.app.search.conftest import anywhere, arxiv_of, expected, found, has_phrase


def test_plain_words_find_author_names(corpus):
    want = expected(corpus, lambda p, f: anywhere(f, "lovelace"))
    assert want and want == {p.id for p in corpus.list_papers() if "Ada Lovelace" in p.authors}
    assert found(corpus, "lovelace") == want


def test_author_field(corpus):
    want = {p.id for p in corpus.list_papers() if "Alan Turing" in p.authors}
    assert want
    assert found(corpus, "author:turing") == want
    assert found(corpus, "authors:Turing") == want
    assert found(corpus, 'author:"alan turing"') == want
    phrase = expected(corpus, lambda p, f: has_phrase(f["authors"], ["ada", "lovelace"]))
    assert found(corpus, 'author:"Ada Lovelace"') == phrase
    # An author's name is not a title word: author: looks in the authors alone.
    assert found(corpus, "author:erasure") == set()


@pytest.mark.parametrize("form", ["arxiv:{}", "id:{}", "arxiv:{}v3", "arXiv:arXiv:{}", "ID:{}"])
def test_arxiv_id(corpus, form):
    pid = corpus.paper_ids()[7]
    assert found(corpus, form.format(arxiv_of(pid))) == {pid}


def test_arxiv_id_combines_with_words(corpus):
    pid = next(p.id for p in corpus.list_papers() if "erasure" in p.title.lower())
    assert found(corpus, f"erasure arxiv:{arxiv_of(pid)}") == {pid}
    assert found(corpus, f"video arxiv:{arxiv_of(pid)}") == (
        {pid} if "video" in found(corpus, "video") and pid in found(corpus, "video") else set()
    )


@pytest.mark.parametrize(
    ("query", "pred"),
    [
        ("comments:>=3", lambda c: c >= 3),
        ("comments:>3", lambda c: c > 3),
        ("comments:<2", lambda c: c < 2),
        ("comments:<=0", lambda c: c <= 0),
        ("comments:2", lambda c: c == 2),
        ("comments:1..3", lambda c: 1 <= c <= 3),
    ],
)
def test_comments_ranges_never_match_unknown_counts(corpus, query, pred):
    want = {p.id for p in corpus.list_papers() if p.comments is not None and pred(p.comments)}
    assert want
    assert found(corpus, query) == want
    unknown = {p.id for p in corpus.list_papers() if p.comments is None}
    assert unknown and not (found(corpus, query) & unknown)


def test_org_matches_the_display_and_the_hub_name(corpus):
    spiral = {p.id for p in corpus.list_papers() if p.organization_id == "spiralworks-hub"}
    assert spiral
    assert found(corpus, "org:spiral") == spiral
    assert found(corpus, "org:spiralworks-hub") == spiral
    assert found(corpus, "org:spiralworks") == spiral


def test_new_fields_follow_the_feed(seeded):
    """An edit of the columns through a write that logs a change re-indexes the paper."""
    seeded.index.sync()
    with write_session(seeded.engine) as s:
        s.execute(
            update(Paper)
            .where(Paper.id == 12)
            .values(authors=json.dumps(["Émilie du Châtelet"]), arxiv_id="2502.00012")
        )
    seeded.set_note(12, "edited")  # a logged change of paper 12
    assert found(seeded, "author:châtelet") == {12}
    assert found(seeded, "id:2502.00012") == {12}


def test_an_index_of_the_previous_schema_is_rebuilt(seeded):
    seeded.index.sync()
    stamp = json.loads((seeded.index.folder / "paperdesk-stamp.json").read_text())
    assert stamp["schema"] == SCHEMA_VERSION >= 3
    stamp["schema"] = 2  # an index built before authors, arXiv ids and comments
    (seeded.index.folder / "paperdesk-stamp.json").write_text(json.dumps(stamp))
    assert seeded.index.problem() == "built for another schema version"
    with write_session(seeded.engine) as s:
        s.execute(update(Paper).where(Paper.id == 3).values(authors=json.dumps(["Zed Quux"])))
    seeded.index._checked = False  # a new session
    assert found(seeded, "author:quux") == {3}  # rebuilt: the unlogged write is in
    assert seeded.index.stamp()["schema"] == SCHEMA_VERSION
