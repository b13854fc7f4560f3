"""The change feed and the ``Changes`` every write returns: what each write logs, and a
cursor that never loses a row when writers overlap."""

from __future__ import annotations

import threading

import pytest

from app.store import feed
from app.store.changes import Changes
from tests.app.test_pageparse import ABSTRACT, ABSTRACT2


def _rows(lib, start):
    return [(p, k) for _, p, k in lib.changes_since(start)]


def test_every_write_returns_the_changes_it_committed(seeded, tmp_path):
    a, b = sorted(seeded.paper_ids()[:2])
    start = seeded.last_change()

    delta = seeded.add_tags([a, b], ["fresh"])
    assert delta.changes.annotation == {a, b} and delta.changes.tag_meta
    assert delta.changes.kinds == {"tag", "tags"}
    assert delta.changes.last_seq == seeded.last_change()

    assert seeded.set_note(a, "n") == Changes.from_feed(seeded.changes_since(start + 3))
    starred = seeded.set_starred([a, b])
    assert sorted(starred) == [a, b] and starred.changes.annotation == {a, b}
    assert not seeded.set_starred([a]).changes  # nothing changed: nothing logged
    renamed = seeded.rename_tag("fresh", "Fresh")
    assert not renamed and renamed.changes.annotation == {a, b}
    deleted = seeded.delete_tag("fresh")
    assert deleted == 2 and deleted.changes.annotation == {a, b}
    gone = seeded.delete_papers([b])
    assert gone == 1 and gone.changes.deleted == {b}
    assert not seeded.save_search("s", "q")  # not in the feed: nothing a view re-reads

    page = tmp_path / "page.txt"
    page.write_text(f"A Brand New Paper\n{ABSTRACT}\nAnother New One\n{ABSTRACT2}\n")
    report = seeded.import_files([page])
    (result,) = report.files
    assert result.changes.content == set(result.paper_ids) and len(result.paper_ids) == 2
    assert result.changes.kinds == {"add"} and report.changes == result.changes
    assert report.changes.last_seq == seeded.last_change()


def test_a_colour_change_logs_only_color_and_a_rename_only_the_papers_it_retitles(seeded):
    a, b, c = sorted(seeded.paper_ids()[:3])
    seeded.add_tags([a, b], ["x"])
    seeded.add_tags([c], ["y"])
    start = seeded.last_change()
    changes = seeded.set_tag_color("x", "#00ff00")
    assert _rows(seeded, start) == [(None, "color")]
    assert changes.tag_meta and not changes.paper_ids and changes.kinds == {"color"}

    start = seeded.last_change()
    seeded.rename_tag("x", "X renamed")
    assert _rows(seeded, start) == [(a, "tag"), (b, "tag"), (None, "tags")]

    start = seeded.last_change()
    seeded.rename_tag("y", "X RENAMED")  # a merge: only c's tag text changes
    assert _rows(seeded, start) == [(c, "tag"), (None, "tags")]

    start = seeded.last_change()
    undo = seeded.set_tag_color_undoable("x renamed", None)
    seeded.apply_tag_delta(undo.inverse())
    assert _rows(seeded, start) == [(None, "color"), (None, "color")]


def test_a_cursor_never_loses_a_row_when_the_slower_writer_commits_second(seeded):
    """On PostgreSQL a sequence value taken first may commit last; a reader that moved its
    cursor past it would lose it. Feed appends are serialised (on SQLite: the write lock),
    so writer B, started while the slower writer A holds uncommitted feed rows, commits
    only after A — and a reader following with a cursor sees every row, in order."""
    store = seeded.store
    pid = seeded.paper_ids()[0]
    start = cursor = store.last_change()
    seen: list = []

    def follow() -> None:
        nonlocal cursor
        rows = store.changes_since(cursor)
        if rows:
            cursor = rows[-1][0]
        seen.extend(rows)

    a_appended, a_may_commit, b_starting = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def slow(s) -> None:  # writer A: appends, then is slow to commit
        feed.append(s, [pid], "star")
        a_appended.set()
        assert a_may_commit.wait(30)

    def fast(s) -> None:  # writer B, on its own connection
        feed.append(s, [pid], "read")

    def run(fn, before=None):
        def target() -> None:
            try:
                if before is not None:
                    before.set()
                store.write(fn)
            except BaseException as exc:  # reported below, not lost in the thread
                errors.append(exc)

        t = threading.Thread(target=target)
        t.start()
        return t

    ta = run(slow)
    assert a_appended.wait(30)
    tb = run(fast, before=b_starting)
    assert b_starting.wait(30)
    follow()  # A in flight, B waiting for it: neither row is visible yet
    assert seen == []
    a_may_commit.set()
    ta.join(30)
    follow()  # A's row may be read before B commits ...
    tb.join(30)
    follow()  # ... and B's row is still found after the cursor moved
    assert not errors
    everything = store.changes_since(start)
    assert seen == everything
    assert [k for _, _, k in seen] == ["star", "read"]  # A committed first
    assert [s for s, _, _ in seen] == list(range(start + 1, start + 3))


def test_a_rolled_back_write_leaves_no_feed_row_and_frees_the_lock(seeded):
    store = seeded.store
    pid = seeded.paper_ids()[0]
    start = store.last_change()

    def fails(s) -> None:
        feed.append(s, [pid], "star")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        store.write(fails)
    _, changes = store.write(lambda s: feed.append(s, [pid], "read"))
    assert store.changes_since(start) == [(start + 1, pid, "read")]
    assert changes == Changes.from_feed(store.changes_since(start))
