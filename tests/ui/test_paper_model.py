"""The table model: ids only, rows fetched lazily, one-row updates, qtmodeltester-clean."""

from __future__ import annotations

import json
from dataclasses import replace

from PySide6.QtCore import Qt

from ui.paper_model import PAPER_ID_ROLE, PaperTableModel


def test_model_passes_qtmodeltester(qtmodeltester, seeded):
    model = PaperTableModel(seeded)
    model.set_ids(seeded.paper_ids())
    qtmodeltester.check(model, force_py=True)


def test_empty_model_passes_qtmodeltester(qtmodeltester, library):
    model = PaperTableModel(library)
    qtmodeltester.check(model, force_py=True)


def test_rows_are_fetched_lazily_a_window_at_a_time(seeded):
    model = PaperTableModel(seeded)
    ids = seeded.paper_ids(sort="title", descending=False)
    model.set_ids(ids)
    n = seeded.count()
    assert model.rowCount() == n and not model._cache
    title = model.data(model.index(200, 0))
    assert title.endswith(seeded.get(ids[200]).title)
    # One fetch around row 200, not the whole list.
    assert 0 < len(model._cache) < n
    assert ids[0] not in model._cache
    assert model.data(model.index(5, 0), PAPER_ID_ROLE) == ids[5]


def test_a_changed_paper_updates_its_row_only(qtbot, seeded):
    model = PaperTableModel(seeded)
    ids = seeded.paper_ids()
    model.set_ids(ids)
    target = ids[10]
    assert not model.data(model.index(10, 0)).startswith("★")
    seeded.set_starred([target])
    with qtbot.waitSignal(model.dataChanged) as blocker:
        model.refresh_papers([target])
    top, bottom = blocker.args[0], blocker.args[1]
    assert top.row() == bottom.row() == 10
    assert model.data(model.index(10, 0)).startswith("★ ")


def test_columns_show_each_field(seeded):
    model = PaperTableModel(seeded)
    pid = seeded.paper_ids(sort="upvotes")[0]
    seeded.add_tags([pid], ["alpha", "beta"])
    model.set_ids([pid])
    rec = seeded.get(pid)
    row = [model.data(model.index(0, c)) for c in range(model.columnCount())]
    assert row[0] == rec.title
    assert row[1] == (rec.published.isoformat() if rec.published else "")
    assert row[2] == ("" if rec.upvotes is None else str(rec.upvotes))
    assert row[3] == (f"{rec.authors_count} authors" if rec.authors_count else "")
    assert row[5] == "alpha, beta"
    assert row[7] == ("" if rec.comments is None else str(rec.comments))
    assert row[8] == ""  # the seeds carry no arXiv ids
    assert model.data(model.index(0, 0), Qt.ItemDataRole.FontRole).bold()  # unread


def test_a_deleted_paper_is_not_fetched_again_on_every_paint(seeded):
    from sqlalchemy import event

    model = PaperTableModel(seeded)
    ids = seeded.paper_ids()
    model.set_ids(ids)
    seeded.delete_papers([ids[0]])
    queries = []
    event.listen(seeded.engine, "before_cursor_execute", lambda *a: queries.append(a[2]))
    assert model.data(model.index(0, 0)) is None
    first = len(queries)
    assert first > 0
    for _ in range(5):
        assert model.data(model.index(0, 0)) is None
        assert model.data(model.index(1, 0))  # its neighbour is still there
    assert len(queries) == first


def test_authors_by_name_comments_and_arxiv_columns(library, tmp_path):
    from ui.paper_model import COLUMNS, authors_short

    page = tmp_path / "hub.json"
    item = {
        "paper": {
            "id": "2401.00001",
            "title": "Named Authors Paper",
            "summary": "An abstract long enough to be one.",
            "authors": [{"name": "Yuandong Tian"}, {"name": "Ada Lovelace"}],
            "upvotes": 4,
        },
        "numComments": 6,
    }
    page.write_text(json.dumps([item]))
    library.import_file(page)
    model = PaperTableModel(library)
    model.set_ids(library.paper_ids())
    headers = [h for h, _k in COLUMNS]
    cells = [model.data(model.index(0, c)) for c in range(len(COLUMNS))]
    row = dict(zip(headers, cells, strict=True))
    assert (row["Authors"], row["Comments"], row["arXiv"], row["Upvotes"]) == (
        "Tian and Lovelace",
        "6",
        "2401.00001",
        "4",
    )
    rec = library.get(library.paper_ids()[0])
    assert authors_short(replace(rec, authors=["Yuandong Tian"], authors_count=9)) == "Tian et al."
    assert authors_short(replace(rec, authors=[], authors_count=1)) == "1 author"
    # Each new column sorts in SQL.
    for key in ("author_names", "comments", "arxiv_id"):
        assert key in {k for _h, k in COLUMNS} and library.paper_ids(sort=key)
