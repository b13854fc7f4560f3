"""The Library facade: filters, SQL sorting, tags, notes, flags and the change feed."""

from __future__ import annotations

import pytest

from app.errors import BadTagName, UnknownPaper, UnknownTag
from app.library import PaperFilter


def test_sorting_happens_in_sql_for_each_column(seeded):
    sorts = ("title", "published", "upvotes", "comments", "authors", "author_names")
    for sort in (*sorts, "organization", "arxiv_id", "listed_on", "added"):
        ids = seeded.paper_ids(sort=sort, descending=False)
        assert sorted(ids) == sorted(seeded.paper_ids())
    # Known counts first (highest first), unknown ones last.
    got = [p.comments for p in seeded.papers(seeded.paper_ids(sort="comments"))]
    known = [c for c in got if c is not None]
    assert known == sorted(known, reverse=True) and 0 < len(known) < len(got)
    assert got == known + [None] * (len(got) - len(known))
    titles = [
        p.title.casefold() for p in seeded.papers(seeded.paper_ids(sort="title", descending=False))
    ]
    assert titles[0] < titles[-1]
    dates = [
        p.published for p in seeded.papers(seeded.paper_ids(sort="published", descending=False))
    ]
    known = [d for d in dates if d]
    assert known == sorted(known) and dates[-1] is None  # unknown dates last


def test_filters_combine(seeded):
    ids = seeded.paper_ids(sort="id", descending=False)[:10]
    seeded.add_tags(ids[:6], ["a"])
    seeded.add_tags(ids[4:8], ["b"])
    seeded.set_starred(ids[:5])
    seeded.set_read(ids[2:])
    assert seeded.count(PaperFilter(tags=("a", "b"))) == 2
    assert seeded.count(PaperFilter(tags=("a", "b"), match="any")) == 8
    assert seeded.count(PaperFilter(tags=("a",), starred=True, read=False)) == 2
    assert seeded.count(PaperFilter(untagged=True)) == 323 - 8
    assert seeded.count(PaperFilter(ids=tuple(ids[:3]))) == 3


def test_tag_names_trimmed_case_insensitive_limited(seeded):
    pid = seeded.paper_ids()[0]
    seeded.add_tags([pid], ["  Deep   Learning "])
    change = seeded.add_tags([pid], ["deep learning"])
    assert not change  # same tag, already there: nothing changed
    assert [t.name for t in seeded.tags()] == ["Deep Learning"]
    for bad in ("", "   ", "x" * 65):
        with pytest.raises(BadTagName):
            seeded.add_tags([pid], [bad])
    with pytest.raises(UnknownTag):
        seeded.remove_tags([pid], ["nope"])
    with pytest.raises(UnknownPaper):
        seeded.add_tags([pid, 10**9], ["x"])
    assert [t.name for t in seeded.tags()] == ["Deep Learning"]


def test_merge_keeps_one_association_per_paper(seeded):
    a, b, c = seeded.paper_ids()[:3]
    seeded.add_tags([a, b], ["x"])
    seeded.add_tags([b, c], ["y"])
    assert seeded.rename_tag("x", "Y").merged is True
    assert [(t.name, t.count) for t in seeded.tags()] == [("y", 3)]


@pytest.mark.parametrize(
    "note",
    ["<script>alert(1)</script>", "x" * 1_000_000, "emoji 🙂👩‍🔬", "עברית مرحبا", "a\r\nb\n\n"],
)
def test_notes_stored_exactly(seeded, note):
    pid = seeded.paper_ids()[0]
    seeded.set_note(pid, note)
    assert seeded.note(pid) == note and seeded.get(pid).note == note


def test_change_feed_records_every_kind(seeded):
    pid = seeded.paper_ids()[0]
    start = seeded.last_change()
    seeded.add_tags([pid], ["t"])
    seeded.set_note(pid, "n")
    seeded.set_starred([pid])
    seeded.set_read([pid])
    seeded.set_read([pid])  # no change: nothing logged
    seeded.delete_papers([pid])
    kinds = [(p, k) for _, p, k in seeded.changes_since(start)]
    assert kinds == [
        (pid, "tag"),
        (None, "tags"),  # a new tag: the tag list changed too
        (pid, "note"),
        (pid, "star"),
        (pid, "read"),
        (pid, "delete"),
    ]


def test_subscribers_hear_each_commit(seeded):
    heard = []
    seeded.subscribe(lambda: heard.append(seeded.last_change()))
    seeded.set_starred(seeded.paper_ids()[:2])
    assert heard == [seeded.last_change()]
