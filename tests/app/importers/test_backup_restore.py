"""Restoring a JSON backup: the exporter's own layout (read in one pass) and any other
layout of the same JSON (the general streaming reader) give the same library."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from pathlib import Path

from app.library import Library
from app.records import BACKUP_FORMAT_ID, BACKUP_VERSION
from app.store.filters import PaperFilter


def _paper(i: int, **fields) -> dict:
    return {
        "id": 10 + i,
        "arxiv_id": f"2401.{i:05d}" if i % 2 else None,
        "title": f"Paper number {i}",
        "abstract": f"About {i}.",
        "authors": ["Ann Lee", "Bo Chen"],
        "authors_count": 2,
        "published": "2024-01-02",
        "added_at": f"2024-02-03T04:05:{i % 60:02d}.000007+00:00",
        "tags": ["llm"] if i % 3 == 0 else [],
        "note": f"note {i}" if i % 4 == 0 else "",
        "starred": i % 5 == 0,
        "citation_key": f"paper{i}",
        **fields,
    }


def _doc(papers: list[dict]) -> dict:
    return {
        "format": BACKUP_FORMAT_ID,
        "version": BACKUP_VERSION,
        "count": len(papers),
        "papers": papers,
        "tags": [{"name": "llm", "color": "#3366cc"}],
    }


def _restore(tmp_path: Path, name: str, text: str) -> Library:
    path = tmp_path / f"{name}.json"
    path.write_text(text, encoding="utf-8")
    lib = Library.open(tmp_path / name)
    result = lib.import_files([path]).files[0]
    assert result.status == "imported", result.reason
    return lib


def _everything(lib: Library):
    every = PaperFilter(trashed=None)
    papers = lib.papers(lib.paper_ids(every, sort="id"))
    return papers, sorted((t.name, t.count, t.color) for t in lib.tags())


def test_years_before_1000_are_stored_as_four_digits(tmp_path):
    old = _paper(1, published="0999-03-04", added_at="0005-01-02T03:04:05.000006+00:00")
    with _restore(tmp_path, "old", json.dumps(_doc([old, _paper(2)]))) as lib:
        p = lib.papers([11])[0]
        assert p.published == date(999, 3, 4)
        assert p.added_at == datetime(5, 1, 2, 3, 4, 5, 6)
        # stored as SQLAlchemy writes dates, so SQL sorts the year 999 before 2024
        assert lib.paper_ids(sort="published", descending=False) == [11, 12]
        assert lib.paper_ids(sort="added", descending=False) == [11, 12]
    with sqlite3.connect(tmp_path / "old" / "library.sqlite") as db:
        row = db.execute("SELECT published, added_at FROM papers WHERE id = 11").fetchone()
    assert row == ("0999-03-04", "0005-01-02 03:04:05.000006")
