"""A bulk tag of thousands of papers in the window commits at once; the search index follows
on a thread, and the tag is then searchable."""

from __future__ import annotations

from app.search import index_for
from tests.bench.synth import write_page
from tests.conftest import SEED_AS_OF


def test_bulk_tag_in_the_window_indexes_off_the_gui_thread(qtbot, open_window, tmp_path, library):
    page = write_page(tmp_path / "p.txt", 4000, seed=3)
    library.import_file(page, as_of=SEED_AS_OF)
    window = open_window(library)
    idx = index_for(library)
    assert idx.background_commits
    ids = library.paper_ids()
    library.add_tags(ids, ["bulk"])  # as the tag editor does, on the GUI thread
    assert idx.rebuilding and idx.lag() > 0  # handed to a thread: the commit did not wait
    qtbot.waitUntil(lambda: not idx.rebuilding and idx.lag() == 0, timeout=60_000)
    assert library.search("tag:bulk", limit=10).total == 4000
    assert window.isVisible()
