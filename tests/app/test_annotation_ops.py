"""The undo support of the Library facade: every tag delta and its inverse are exact."""

from __future__ import annotations

import sqlite3

import pytest

from app.errors import BadTagName, PaperdeskError, UnknownPaper, UnknownTag
from app.library import Library


def tag_state(lib: Library) -> tuple[set, set]:
    """Every tag row and every association, read straight from the SQLite file."""
    con = sqlite3.connect(lib.db_path)
    try:
        tags = set(con.execute("SELECT id, name, name_key, color, created_at FROM tags"))
        links = set(con.execute("SELECT paper_id, tag_id FROM paper_tags"))
    finally:
        con.close()
    return tags, links


def round_trip(lib: Library, do):
    """Run ``do`` (returning a delta); check undo and redo restore exact states."""
    before = tag_state(lib)
    delta = do()
    after = tag_state(lib)
    undo = lib.apply_tag_delta(delta.inverse())
    assert tag_state(lib) == before
    redo = lib.apply_tag_delta(undo.inverse())
    assert tag_state(lib) == after
    lib.apply_tag_delta(redo.inverse())
    assert tag_state(lib) == before
    return delta, before, after


def test_add_creates_tag_and_undo_drops_it(seeded):
    ids = seeded.paper_ids(limit=5)
    delta, before, after = round_trip(seeded, lambda: seeded.add_tags_undoable(ids, [" new  tag "]))
    assert [m.name for m in delta.create] == ["new tag"]
    assert len(delta.link) == 5
    assert not seeded.tag_exists("new tag")  # undone last


def test_add_to_existing_tag_touches_only_new_papers(seeded):
    ids = seeded.paper_ids(limit=10)
    seeded.add_tags(ids[:4], ["ml"])
    seeded.set_tag_color("ml", "#ff0000")
    delta, before, _ = round_trip(seeded, lambda: seeded.add_tags_undoable(ids, ["ML", "ml"]))
    assert not delta.create
    assert sorted(delta.link) == sorted((i, seeded.tag_id("ml")) for i in ids[4:])
    assert {p for p, _ in delta.link}.isdisjoint(ids[:4])


def test_remove_is_exact(seeded):
    ids = seeded.paper_ids(limit=8)
    seeded.add_tags(ids[:3], ["a"])
    seeded.add_tags(ids, ["b"])
    delta, *_ = round_trip(seeded, lambda: seeded.remove_tags_undoable(ids, ["a", "b"]))
    assert len(delta.unlink) == 11
    assert seeded.tag_exists("a")


def test_rename_and_case_only_rename(seeded):
    ids = seeded.paper_ids(limit=3)
    seeded.add_tags(ids, ["Vision"])
    delta, *_ = round_trip(seeded, lambda: seeded.rename_tag_undoable("vision", "Computer Vision"))
    assert not delta.merged and len(delta.update) == 1
    round_trip(seeded, lambda: seeded.rename_tag_undoable("Vision", "VISION"))
    assert not seeded.rename_tag_undoable("Vision", "Vision")  # nothing to do


def test_merge_undo_restores_the_merged_tags_papers(seeded):
    ids = seeded.paper_ids(limit=10)
    seeded.add_tags(ids[:6], ["llm"])
    seeded.add_tags(ids[4:], ["LLMs"])  # ids[4:6] carry both
    seeded.set_tag_color("llm", "#00ff00")
    old_id = seeded.tag_id("llm")
    delta, before, after = round_trip(seeded, lambda: seeded.rename_tag_undoable("llm", "llms"))
    assert delta.merged
    assert sorted(p for p, _ in delta.link) == sorted(ids[:4])  # ids[4:6] had the target already
    # After the final undo the source tag is back with its id, colour and papers.
    assert seeded.tag_id("llm") == old_id
    assert {t.name: t.color for t in seeded.tags()}["llm"] == "#00ff00"
    assert set(seeded.paper_ids(seeded_filter("llm"))) == set(ids[:6])
    assert set(seeded.paper_ids(seeded_filter("LLMs"))) == set(ids[4:])


def seeded_filter(tag: str):
    from app.library import PaperFilter

    return PaperFilter(tags=(tag,))


def test_delete_and_colour_undo(seeded):
    ids = seeded.paper_ids(limit=7)
    seeded.add_tags(ids, ["gone"])
    seeded.set_tag_color("gone", "#123456")
    delta, *_ = round_trip(seeded, lambda: seeded.delete_tag_undoable("GONE"))
    assert len(delta.unlink) == 7 and [m.name for m in delta.drop] == ["gone"]
    round_trip(seeded, lambda: seeded.set_tag_color_undoable("gone", "#abcdef"))
    round_trip(seeded, lambda: seeded.set_tag_color_undoable("gone", None))


def test_bad_input_is_refused_with_one_line(seeded):
    pid = seeded.paper_ids(limit=1)
    with pytest.raises(BadTagName, match="empty"):
        seeded.add_tags_undoable(pid, ["   "])
    with pytest.raises(BadTagName, match="longer than"):
        seeded.add_tags_undoable(pid, ["x" * 65])
    with pytest.raises(UnknownPaper, match="999999"):
        seeded.add_tags_undoable([999999], ["ok"])
    with pytest.raises(UnknownTag):
        seeded.remove_tags_undoable(pid, ["nope"])
    with pytest.raises(UnknownTag):
        seeded.delete_tag_undoable("nope")
    assert not seeded.tag_exists("ok")  # the refused add left nothing behind


def test_restoring_onto_a_name_taken_since_is_refused_atomically(seeded):
    ids = seeded.paper_ids(limit=3)
    seeded.add_tags(ids, ["x"])
    delta = seeded.delete_tag_undoable("x")
    seeded.add_tags(ids[:1], ["X"])  # someone (the CLI) made a new tag of that name
    before = tag_state(seeded)
    with pytest.raises(PaperdeskError, match="another tag has that name"):
        seeded.apply_tag_delta(delta.inverse())
    assert tag_state(seeded) == before


def test_undo_skips_papers_deleted_since(seeded):
    ids = seeded.paper_ids(limit=4)
    seeded.add_tags(ids, ["t"])
    delta = seeded.remove_tags_undoable(ids, ["t"])
    seeded.delete_papers(ids[:1])
    seeded.apply_tag_delta(delta.inverse())
    assert set(seeded.paper_ids(seeded_filter("t"))) == set(ids[1:])


def test_deltas_feed_the_change_log(seeded):
    ids = seeded.paper_ids(limit=2)
    seq = seeded.last_change()
    delta = seeded.add_tags_undoable(ids, ["feed"])
    kinds = seeded.changes_since(seq)
    assert {(p, k) for _, p, k in kinds} == {(ids[0], "tag"), (ids[1], "tag"), (None, "tags")}
    calls = []
    seeded.subscribe(lambda: calls.append(1))
    seeded.apply_tag_delta(delta.inverse())
    assert calls == [1]


def test_redo_after_the_tag_id_was_reused_gets_a_fresh_id(seeded):
    ids = seeded.paper_ids(limit=3)
    delta = seeded.add_tags_undoable(ids, ["first"])
    undo = seeded.apply_tag_delta(delta.inverse())
    seeded.add_tags(ids[:1], ["other"])  # takes the freed id (SQLite reuses max + 1)
    assert seeded.tag_id("other") == delta.create[0].id
    redo = seeded.apply_tag_delta(undo.inverse())
    assert redo.create[0].id != delta.create[0].id
    assert set(seeded.paper_ids(seeded_filter("first"))) == set(ids)
    assert set(seeded.paper_ids(seeded_filter("other"))) == set(ids[:1])
    seeded.apply_tag_delta(redo.inverse())
    assert not seeded.tag_exists("first") and seeded.tag_exists("other")


def test_annotation_summary_counts_a_selection(library):
    from tests.bench.synth import AS_OF, page_text

    seeded = library
    seeded.import_text(page_text(1200), as_of=AS_OF)
    ids = seeded.paper_ids()
    assert len(ids) == 1200  # more than one chunk of 500
    seeded.add_tags(ids[:700], ["Alpha"])
    seeded.add_tags(ids[:1], ["beta"])
    seeded.set_starred(ids[:3])
    seeded.set_read(ids[600:610])
    got = seeded.annotation_summary(ids + [999999])
    assert got["papers"] == len(ids)
    assert got["starred"] == 3 and got["read"] == 10
    assert got["tags"] == {"Alpha": 700, "beta": 1}
    assert list(got["tags"]) == ["Alpha", "beta"]
    assert seeded.annotation_summary([]) == {"papers": 0, "starred": 0, "read": 0, "tags": {}}
