"""The JSON export is a backup: importing it into an empty library reproduces it exactly."""

from __future__ import annotations

import json
import sqlite3

from app.cli import main
from app.export import Selection, export
from app.library import Library
from app.store.filters import PaperFilter
from tests.conftest import SEED_AS_OF, SEEDS


def snapshot(lib: Library):
    """Everything a restore must reproduce: every record, and the tags with colours."""
    papers = lib.papers(lib.paper_ids(sort="id"))
    return papers, sorted((t.name, t.count, t.color) for t in lib.tags())


def test_round_trip_is_exact(nasty, tmp_path):
    backup = tmp_path / "backup.json"
    export(nasty, Selection(), "json", backup)
    with Library.open(tmp_path / "restored") as twin:
        report = twin.import_files([backup])
        assert not report.refused and report.new == nasty.count()
        assert snapshot(twin) == snapshot(nasty)  # ids, fields, tags, notes, flags, added_at
        again = tmp_path / "again.json"
        export(twin, Selection(), "json", again)
    strip = lambda p: {k: v for k, v in json.loads(p.read_text()).items() if k != "exported_at"}  # noqa: E731
    assert strip(again) == strip(backup)


def test_round_trip_through_the_command_line(seeded, tmp_path, capsys):
    ids = seeded.paper_ids()
    seeded.add_tags(ids[:40], ["to read"])
    seeded.add_tags(ids[20:60], ["Ω survey"])
    seeded.set_tag_color("to read", "#3366ff")
    seeded.set_note(ids[3], "why this matters:\n- a\n- b")
    seeded.set_starred(ids[::7])
    seeded.set_read(ids[::5])
    backup = tmp_path / "lib.json"
    assert (
        main(["--library", str(seeded.path), "export", "--format", "json", "-o", str(backup)]) == 0
    )
    empty = tmp_path / "empty"
    assert main(["--library", str(empty), "import", str(backup)]) == 0
    with Library.open(empty) as twin:
        assert snapshot(twin) == snapshot(seeded)


def test_restore_merges_into_a_library_that_has_the_papers(seeded, tmp_path):
    ids = seeded.paper_ids(sort="id")
    seeded.add_tags(ids[:5], ["kept"])
    seeded.set_note(ids[0], "from the backup")
    seeded.set_starred(ids[:3])
    backup = tmp_path / "b.json"
    export(seeded, Selection(tags=("kept",)), "json", backup)
    with Library.open(tmp_path / "other") as other:
        other.import_files([SEEDS["001"], SEEDS["003"]], as_of=SEED_AS_OF)
        mine = other.paper_ids(sort="id")[0]
        other.set_note(mine, "my own note")
        result = other.import_files([backup]).files[0]
        assert result.status == "imported" and result.new == 0 and result.merged == 5
        assert other.count() == seeded.count()
        restored = {p.title: p for p in other.papers(other.paper_ids())}
        for p in seeded.papers(ids[:5]):
            twin = restored[p.title]
            assert twin.tags == ["kept"] and twin.starred == p.starred
        assert other.note(mine) == "my own note"  # an existing note is never replaced
        again = other.import_files([backup]).files[0]
        assert again.new == 0 and again.merged == 0 and again.unchanged == 5


def test_bad_backup_is_refused_whole(library, tmp_path):
    doc = {
        "format": "paperdesk-export",
        "version": 1,
        "papers": [{"title": "Fine"}, {"title": "Broken", "upvotes": "many"}],
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = library.import_files([path]).files[0]
    assert result.status == "refused"
    assert "paper 2 ('Broken')" in result.reason and "upvotes" in result.reason
    assert library.count() == 0


def test_newer_backup_version_is_refused(library, tmp_path):
    path = tmp_path / "new.json"
    path.write_text(json.dumps({"format": "paperdesk-export", "version": 99, "papers": []}))
    result = library.import_files([path]).files[0]
    assert result.status == "refused" and "upgrade Paperdesk" in result.reason


def test_other_json_is_still_refused(library, tmp_path, capsys):
    path = tmp_path / "other.json"
    path.write_text('{"items": []}')
    assert main(["--library", str(library.path), "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert "is JSON, but not Hugging Face papers data" in err and "Traceback" not in err


def test_a_trashed_paper_comes_back_in_the_trash(seeded, tmp_path):
    ids = seeded.paper_ids(sort="id")
    seeded.trash_papers(ids[1:4])
    backup = tmp_path / "all.json"
    export(seeded, Selection(view=PaperFilter(trashed=None)), "json", backup)  # Trash too
    with Library.open(tmp_path / "restored") as twin:
        result = twin.import_files([backup]).files[0]
        assert result.status == "imported" and result.new == len(ids)
        assert twin.count(PaperFilter(trashed=True)) == 3
        assert twin.paper_ids(PaperFilter(trashed=True), sort="id") == ids[1:4]
        assert snapshot(twin) == snapshot(seeded)  # the live papers are the same
        every = PaperFilter(trashed=None)
        both = [lib.papers(lib.paper_ids(every, sort="id")) for lib in (twin, seeded)]
        assert both[0] == both[1]  # the trashed ones too, fields and all


def _indexes(folder) -> list[tuple[str, str]]:
    with sqlite3.connect(folder / "library.sqlite") as db:
        return db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'").fetchall()


def test_restore_into_an_empty_library_leaves_every_index(nasty, tmp_path):
    # The non-unique indexes are dropped for the bulk insert and built after it, in the
    # same transaction: a restored library has them all, as a new one has.
    backup = tmp_path / "backup.json"
    export(nasty, Selection(), "json", backup)
    Library.open(tmp_path / "fresh").close()
    with Library.open(tmp_path / "restored") as twin:
        assert not twin.import_files([backup]).refused
    assert sorted(_indexes(tmp_path / "restored")) == sorted(_indexes(tmp_path / "fresh"))
    # a refused restore (its last paper is bad) leaves them too, and no paper
    doc = json.loads(backup.read_text())
    doc["papers"][-1]["upvotes"] = "many"
    backup.write_text(json.dumps(doc))
    with Library.open(tmp_path / "refused") as lib:
        assert lib.import_files([backup]).refused and lib.count() == 0
    assert sorted(_indexes(tmp_path / "refused")) == sorted(_indexes(tmp_path / "fresh"))
