"""A bulk tag of thousands of papers in the window: the GUI thread only queues it; the
writer stores it in one transaction, the index follows off the GUI thread, and the tag is
then searchable."""

from __future__ import annotations

import threading

from tests.bench.synth import write_page
from tests.conftest import SEED_AS_OF


def test_bulk_tag_in_the_window_stores_and_indexes_off_the_gui_thread(
    qtbot, open_window, tmp_path, library, whoosh_threads
):
    page = write_page(tmp_path / "p.txt", 4000, seed=3)
    library.import_file(page, as_of=SEED_AS_OF)
    library.index.sync()
    whoosh_threads.clear()
    window = open_window(library)
    ids = library.paper_ids()
    window.panel.set_papers(ids)  # as selecting every row does
    seq = library.last_change()
    assert window.panel.tag_editor.add("bulk")  # returns at once: queued on the writer
    with qtbot.waitSignal(window.changes.libraryChanged, timeout=60_000) as sig:
        pass
    changes, initiator = sig.args
    # 4,000 feed rows: more than the feed lists (BULK), so every view reloads what it shows.
    assert changes.everything and initiator is window.panel.tag_editor
    assert window.undo_stack.count() == 1
    assert len([r for r in library.changes_since(seq) if r[2] == "tag"]) == 4000
    qtbot.waitUntil(
        lambda: window.index_follower.idle() and library.index.lag() == 0, timeout=60_000
    )
    qtbot.waitUntil(lambda: not getattr(library.index, "rebuilding", False), timeout=60_000)
    assert library.search("tag:bulk", limit=10).total == 4000
    assert whoosh_threads and not [n for n, t in whoosh_threads if t is threading.main_thread()]
