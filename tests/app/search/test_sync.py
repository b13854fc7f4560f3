"""Every kind of committed change is searchable as soon as the call that made it returns."""

from __future__ import annotations

import threading

from app.library import Library, PaperFilter
from tests.app.search.conftest import found
from tests.bench.synth import AS_OF, page_text

LONG = (
    "We study transformers on a small benchmark of animals. The models are trained on "
    "photographs taken in the wild and evaluated on held-out species. Results show that "
    "scale helps less than careful data collection does."
)


def _page(title: str, abstract: str) -> str:
    head = ["Get trending papers in your email inbox!", "", "Subscribe", "", "Daily Papers", ""]
    meta = ["  • 3 authors", "·", "Mar 3, 2025 12", ""]
    return "\n".join([*head, title, "", abstract, "", *meta])


def _stamp_seq(lib: Library) -> int:
    return lib.index.stamp()["seq"]


def test_import_is_searchable_when_it_returns(library):
    library.import_text(page_text(40, seed=7), name="p.txt", as_of=AS_OF)
    assert library.count() == 40
    assert len(found(library, "is:unread")) == 40
    assert _stamp_seq(library) == library.last_change()


def test_merge_brings_the_longer_abstract(library):
    library.import_text(_page("Quokka Transformers", LONG), as_of=AS_OF)
    (pid,) = found(library, "quokka")
    assert found(library, "marsupial") == set()
    library.import_text(
        _page("Quokka Transformers", LONG + " A marsupial outperforms every baseline we tried."),
        as_of=AS_OF,
    )
    assert found(library, "marsupial") == {pid}
    assert found(library, "quokka") == {pid}  # merged: still one paper


def test_tags(library):
    library.import_text(page_text(10, seed=3), as_of=AS_OF)
    ids = sorted(found(library, "is:unread"))[:3]
    library.add_tags(ids, ["Hyperbolic Geometry"])
    assert found(library, "hyperbolic") == set(ids)
    assert found(library, 'tag:"hyperbolic geometry"') == set(ids)
    assert found(library, "has:tag") == set(ids)
    library.remove_tags(ids[:1], ["Hyperbolic Geometry"])
    assert found(library, "hyperbolic") == set(ids[1:])
    library.rename_tag("Hyperbolic Geometry", "Curved Spaces")
    assert found(library, "hyperbolic") == set()
    assert found(library, 'tag:"curved spaces"') == set(ids[1:])
    library.delete_tag("Curved Spaces")
    assert found(library, "curved") == set()
    assert found(library, "has:tag") == set()


def test_notes(library):
    library.import_text(page_text(5, seed=4), as_of=AS_OF)
    pid = min(found(library, "is:unread"))
    library.set_note(pid, "Remember the **axolotl** ablation.")
    assert found(library, "axolotl") == {pid}
    assert found(library, "note:axolotl has:note") == {pid}
    library.set_note(pid, "")
    assert found(library, "axolotl") == set()
    assert found(library, "has:note") == set()


def test_star_read_and_delete(library):
    library.import_text(page_text(6, seed=5), as_of=AS_OF)
    ids = sorted(found(library, "is:unread"))
    library.set_starred(ids[:2])
    library.set_read(ids[1:3])
    assert found(library, "is:starred") == set(ids[:2])
    assert found(library, "is:read") == set(ids[1:3])
    library.set_starred(ids[:1], False)
    assert found(library, "is:starred") == {ids[1]}
    library.delete_papers(ids[:2])
    assert found(library, "is:unread") | found(library, "is:read") == set(ids[2:])


def test_filter_restricts_hits_to_a_sidebar_view(library):
    library.import_text(page_text(30, seed=6), as_of=AS_OF)
    every = found(library, "is:unread")
    library.set_starred(sorted(every)[:5])
    starred = set(sorted(every)[:5])
    some_word = library.get(min(every)).title.split()[0]
    hits = found(library, some_word)
    assert found(library, some_word, flt=PaperFilter(starred=True)) == hits & starred
    assert found(library, f'"{some_word}"', flt=PaperFilter(starred=True)) <= starred
    library.set_starred(sorted(every)[:1], False)  # the filter follows the change at once
    assert found(library, some_word, flt=PaperFilter(starred=True)) == hits & starred - {min(every)}


def test_changes_made_by_another_library_object_are_caught_up(library):
    """Another process (here: another Library on the same folder) changes the database."""
    library.import_text(page_text(8, seed=8), as_of=AS_OF)
    other = Library.open(library.path)
    try:
        pid = min(found(other, "is:unread"))
        other.set_note(pid, "narwhal")
    finally:
        other.close()
    assert found(library, "narwhal") == {pid}


def test_search_from_a_worker_thread_while_the_main_thread_commits(library):
    library.import_text(page_text(50, seed=9), as_of=AS_OF)
    ids = sorted(found(library, "is:unread"))
    errors: list[BaseException] = []
    stop = threading.Event()

    def worker() -> None:
        try:
            while not stop.is_set():
                r = library.search("is:unread OR is:read", limit=100, as_you_type=True)
                assert r.total >= 40
                library.search("models", as_you_type=True, flt=PaperFilter(starred=True))
        except BaseException as exc:  # reported below
            errors.append(exc)

    t = threading.Thread(target=worker)
    t.start()
    try:
        for i in ids[:10]:
            library.set_note(i, f"pelican {i}")
            library.set_starred([i])
    finally:
        stop.set()
        t.join()
    assert not errors
    assert found(library, "pelican") == set(ids[:10])


def test_try_sync_never_raises_for_a_committed_change(library, caplog):
    library.import_text(page_text(5, seed=12), as_of=AS_OF)
    assert library.index.try_sync() and library.index.lag() == 0
    library.set_note(1, "wombat")
    # A directory where the stamp's temporary file goes: the catch-up cannot finish.
    blocker = library.path / "index" / "paperdesk-stamp.json.tmp"
    blocker.mkdir()
    assert library.index.try_sync() is False
    assert "search index not updated" in caplog.text
    assert library.note(1) == "wombat"  # the change itself stands
    blocker.rmdir()
    assert library.index.try_sync() and library.index.lag() == 0
    assert found(library, "wombat") == {1}
