"""Restoring a JSON backup: the exporter's own layout (read in one pass) and any other
layout of the same JSON (the general streaming reader) give the same library."""

from __future__ import annotations

import hashlib
import io
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


def _exporter_layout(doc: dict) -> str:
    """``doc`` written as app/export/to_json.py writes a backup: the head one value a line,
    one paper a line, the tags last."""
    out = ["{\n"]
    out += [f"  {json.dumps(k)}: {json.dumps(v)},\n" for k, v in doc.items() if k[0] != "p"]
    out = [line for line in out if not line.startswith('  "tags"')]
    papers = [json.dumps(p, ensure_ascii=False) for p in doc["papers"]]
    out.append('  "papers": [' + "".join(f"\n    {p}," for p in papers).rstrip(","))
    out.append("\n  ]," if papers else "],")
    out.append(f'\n  "tags": {json.dumps(doc["tags"])}\n}}\n')
    return "".join(out)


def _library_doc(seeded: Library, tmp_path: Path) -> dict:
    """A real library's backup: tags with a colour, notes, stars, a paper in the Trash."""
    from app.export import Selection, export

    ids = seeded.paper_ids(sort="id")
    seeded.add_tags(ids[:30], ["to read"])
    seeded.set_tag_color("to read", "#3366ff")
    seeded.set_note(ids[2], "why:\n- a")
    seeded.set_starred(ids[::7])
    seeded.make_citation_keys(ids[:50])
    seeded.trash_papers(ids[5:7])
    path = tmp_path / "real.json"
    export(seeded, Selection(view=PaperFilter(trashed=None)), "json", path)
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_exporter_layout_and_any_other_restore_the_same(seeded, tmp_path):
    doc = _library_doc(seeded, tmp_path)
    exported = (tmp_path / "real.json").read_text(encoding="utf-8")
    assert _exporter_layout(doc) == exported  # the helper writes what the exporter writes
    layouts = {
        "exporter": exported,
        "indented": json.dumps(doc, indent=2, ensure_ascii=False),  # fast reader gives up
        "compact": json.dumps(doc),  # the general reader from the start
        "tags-first": json.dumps({"tags": doc["tags"], **doc}),
    }
    restored = {}
    for name, text in layouts.items():
        with _restore(tmp_path, name, text) as lib:
            restored[name] = _everything(lib)
            assert lib.count(PaperFilter(trashed=True)) == 2
    assert restored["exporter"] == _everything(seeded)
    for name in layouts:
        assert restored[name] == restored["exporter"], name


def test_a_paper_the_fast_reader_leaves_restarts_with_the_general_one(tmp_path):
    # More papers than one batch: the fast reader has written some when it meets the odd
    # paper (a key it does not know); the savepoint takes them back, the general reader
    # (which ignores unknown keys) restores the file from its start, once.
    from app.importers.backup import BATCH

    papers = [_paper(i) for i in range(BATCH + 50)]
    papers[-1]["extra"] = {"from": "a newer Paperdesk"}
    text = _exporter_layout(_doc(papers))
    with _restore(tmp_path, "odd", text) as lib:
        assert lib.count() == len(papers)
        plain = [dict(p) for p in papers]
        del plain[-1]["extra"]
        with _restore(tmp_path, "plain", _exporter_layout(_doc(plain))) as twin:
            assert _everything(lib) == _everything(twin)
        assert len(lib.changes_since(0)) == len(papers) + 1  # one "add" each, and "tags"
    path = tmp_path / "odd.json"
    with sqlite3.connect(tmp_path / "odd" / "library.sqlite") as db:
        digest = db.execute("SELECT content_hash FROM import_records").fetchall()
    assert digest == [(hashlib.sha256(path.read_bytes()).hexdigest(),)]


def test_the_fast_reader_takes_the_exporter_layout_only(tmp_path):
    from app.importers import backup

    text = _exporter_layout(_doc([_paper(i) for i in range(3)]))
    for name, body, fast in [
        ("exporter", text, True),
        ("no-papers", _exporter_layout(_doc([])), True),
        ("indented", json.dumps(json.loads(text), indent=2), False),
        ("no-newline-at-end", text[:-1], False),
        ("crlf", text.replace("\n", "\r\n"), False),
        ("float", text.replace('"authors_count": 2', '"authors_count": 2.0', 1), False),
        ("two-values-a-line", text.replace('",\n  "version"', '", "version"', 1), False),
    ]:
        data = body.encode()

        def one_pass(s, data=data, name=name) -> bool:
            try:
                with s.begin_nested():
                    backup._one_pass(s, name, lambda: io.BytesIO(data), date(2026, 1, 1))
                return True
            except backup._NotOurs:
                return False

        with Library.open(tmp_path / name) as lib:
            took, _changes = lib.store.write(one_pass)
            assert took is fast, name
            many = 0 if name == "no-papers" else 3
            assert lib.count() == (many if fast else 0), name
            # and the restore itself takes any of them (the general reader for the others)
            path = tmp_path / f"{name}.json"
            path.write_bytes(data)
            result = lib.import_files([path]).files[0]
            if name == "float":  # refused, as the general reader words it
                assert result.status == "refused" and lib.count() == 0
                why = "paper 1 ('Paper number 0'): 'authors_count' must be int or null, not Decimal"
                assert result.reason == why
            else:
                assert result.status == "imported" and lib.count() == many, name


def test_a_bad_backup_in_the_exporter_layout_is_one_line_exit_2_nothing_written(tmp_path, capsys):
    from app.cli import main
    from app.importers.backup import BATCH

    papers = [_paper(i) for i in range(BATCH + 10)]
    papers[-1]["upvotes"] = "many"  # the last paper: after a batch was written
    text = _exporter_layout(_doc(papers))
    cases = {
        "bad-paper": (text, f"paper {len(papers)} ('Paper number {len(papers) - 1}'): 'upvotes'"),
        "cut-short": (text[: len(text) // 2], "cut short or not valid JSON"),
    }
    for name, (body, why) in cases.items():
        path = tmp_path / f"{name}.json"
        path.write_text(body, encoding="utf-8")
        folder = tmp_path / f"lib-{name}"
        assert main(["--library", str(folder), "import", str(path)]) == 2
        err = capsys.readouterr().err
        assert why in err and "Traceback" not in err, err
        assert len(err.strip().splitlines()) == 1, err
        with Library.open(folder) as lib:
            assert lib.count() == 0 and lib.changes_since(0) == []
