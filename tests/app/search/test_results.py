"""Result objects: totals, highlights, suggestions; related papers."""

from __future__ import annotations

import pytest

from app.errors import UnknownPaper
from tests.app.search.conftest import found


def test_result_fields(corpus):
    r = corpus.search("concept erasure", limit=3)
    assert len(r.hits) == 3 and r.ids == [h.paper_id for h in r.hits]
    assert r.total == len(found(corpus, "concept erasure")) and r.total_is_exact
    assert r.took_ms > 0 and r.note is None and r.suggestion is None and not r.indexing
    assert [h.score for h in r.hits] == sorted((h.score for h in r.hits), reverse=True)


def test_total_of_a_whoosh_query_is_exact_or_says_it_is_an_estimate(corpus):
    everything = found(corpus, "erasure OR unlearning")
    small = corpus.search("erasure OR unlearning", limit=2)
    assert len(small.hits) == 2
    if small.total_is_exact:
        assert small.total == len(everything)
    else:
        assert small.total >= len(everything)  # an upper bound
    big = corpus.search("erasure OR unlearning", limit=10_000)
    assert big.total_is_exact and big.total == len(everything)


def test_highlights_mark_query_words_in_title_and_abstract(corpus):
    r = corpus.search("concept erasure", limit=5)
    top = r.hits[0]
    assert (
        "<b>Erasure</b>" in top.highlights["title"]
        or "<b>erasure</b>" in top.highlights["title"].lower()
    )
    assert "<b>" in top.highlights["abstract"]
    for h in r.hits:
        text = " ".join(h.highlights.values())
        assert "<script" not in text


def test_highlights_escape_html(library):
    from tests.app.search.test_sync import LONG, _page
    from tests.bench.synth import AS_OF

    library.import_text(_page("Tags <b>in</b> titles & pangolins", LONG), as_of=AS_OF)
    (hit,) = library.search("pangolins").hits
    assert hit.highlights["title"] == "Tags &lt;b&gt;in&lt;/b&gt; titles &amp; <b>pangolins</b>"


def test_phrase_highlights_only_its_words(corpus):
    import re

    r = corpus.search('"concept erasure" -video', limit=5)
    assert "erasure" in r.hits[0].highlights["title"].lower()
    for h in r.hits:
        marked = re.findall(r"<b>(.*?)</b>", " ".join(h.highlights.values()))
        assert marked and {m.lower() for m in marked} <= {"concept", "erasure"}


def test_did_you_mean_offers_real_words(corpus):
    r = corpus.search("concept erasre")
    assert r.total == 0
    assert r.suggestion == "concept erasure"
    assert corpus.search(r.suggestion).total > 0
    assert corpus.search("difusion").suggestion == "diffusion"
    assert corpus.search("diffusion").suggestion is None  # plenty of hits: no suggestion


def test_related_papers_of_a_concept_erasure_paper_are_about_concept_erasure(corpus):
    (pid,) = [
        p.id for p in corpus.list_papers() if p.title.startswith("MACE: Mass Concept Erasure")
    ]
    r = corpus.related(pid, limit=5)
    assert pid not in r.ids and len(r.ids) == 5
    titles = [p.title.lower() for p in corpus.papers(r.ids)]
    about = [t for t in titles if any(w in t for w in ("erasure", "erasing", "unlearning"))]
    assert len(about) >= 4, titles


def test_related_of_unknown_paper(corpus):
    with pytest.raises(UnknownPaper):
        corpus.related(999_999)
