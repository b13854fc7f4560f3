"""The two real seed pages import with the expected counts, titles and metadata."""

from __future__ import annotations

from datetime import date

from tests.conftest import SEED_AS_OF, SEEDS


def test_seed_counts(library):
    r1 = library.import_file(SEEDS["001"], as_of=SEED_AS_OF)
    assert (r1.status, r1.new, r1.merged) == ("imported", 248, 0)
    assert library.count() == 248
    r3 = library.import_file(SEEDS["003"], as_of=SEED_AS_OF)
    # 77 papers on the page; two were already on the first page and merge.
    assert r3.new + r3.merged + r3.unchanged == 77
    assert (r3.new, r3.merged) == (75, 2)
    assert library.count() == 323


def test_seed_003_alone_has_75_metadata_blocks(library):
    library.import_file(SEEDS["003"], as_of=SEED_AS_OF)
    papers = library.list_papers()
    assert len(papers) == 77
    assert sum(p.published is not None for p in papers) == 75


def test_exact_titles_abstracts_and_metadata(seeded):
    by_title = {p.title: p for p in seeded.list_papers()}
    first = by_title["Key-value memory in the brain"]  # "Subscribe" was glued onto it
    assert first.abstract.startswith("Classical models of memory in psychology")
    assert first.abstract.endswith("and possible biological implementations.")
    erasing = by_title[
        "Erasing Concepts from Text-to-Image Diffusion Models with Few-shot Unlearning"
    ]
    # The number after the date is the comment count; this layout shows no upvotes.
    assert (erasing.authors_count, erasing.published, erasing.comments, erasing.upvotes) == (
        2,
        date(2024, 5, 12),
        0,
        None,
    )
    assert erasing.links == ["https://github.com/fmp453/few-shot-erasing"]
    drift = by_title["DriftMoE: A Mixture of Experts Approach to Handle Concept Drifts"]
    assert (drift.published, drift.comments, drift.upvotes) == (date(2025, 7, 24), 2, None)
    org = [p for p in by_title.values() if p.organization]
    assert [(p.organization, p.published, p.comments) for p in org] == [
        ("Spiral Works", date(2025, 9, 25), 2)
    ]
    speaker = next(t for t in by_title if t.startswith("3D-Speaker"))
    assert by_title[speaker].links == ["https://3dspeaker.github.io/"]


def test_reimport_adds_nothing_and_says_so(seeded):
    before = seeded.last_change()
    report = seeded.import_files([SEEDS["001"], SEEDS["003"]], as_of=SEED_AS_OF)
    assert (report.new, report.merged, report.unchanged) == (0, 0, 325)
    assert "nothing new" in report.summary()
    assert seeded.count() == 323 and seeded.last_change() == before
