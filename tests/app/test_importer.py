"""Importing files: merging, refusals, atomicity — on real SQLite files."""

from __future__ import annotations

import codecs
import json
import sqlite3
from datetime import date

import pytest

from app.errors import RefusedFile
from tests.app.test_pageparse import ABSTRACT, ABSTRACT2
from tests.conftest import SEED_AS_OF, SEEDS, write

AS_OF = date(2025, 10, 30)
LONGER = ABSTRACT + " We also release code and data for others to build on."


def snapshot(lib):
    with sqlite3.connect(lib.db_path) as db:
        return {
            t: db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
            for t in ("papers", "tags", "paper_tags", "notes", "changes", "import_records")
        }


def test_same_title_merges_keeping_the_best_of_each(library, tmp_path):
    a = write(tmp_path, "a.txt", f"Paper One\n{ABSTRACT}\n")
    b = write(tmp_path, "b.txt", f"paper  one!\n\n{LONGER}\n\n  • 4 authors\n·\nMay 3, 2024 7\n")
    library.import_file(a, as_of=AS_OF)
    (pid,) = library.paper_ids()
    library.add_tags([pid], ["keep"])
    library.set_note(pid, "my note")
    library.set_starred([pid])
    library.set_read([pid])
    r = library.import_file(b, as_of=AS_OF)
    assert (r.new, r.merged) == (0, 1)
    p = library.get(pid)
    assert p.title == "Paper One"  # the first spelling stays
    assert (p.abstract, p.authors_count, p.published, p.comments, p.upvotes) == (
        LONGER,
        4,
        date(2024, 5, 3),
        7,
        None,
    )
    assert (p.tags, p.note, p.starred, p.read) == (["keep"], "my note", True, True)
    # A copy with the same count and a shorter abstract changes nothing.
    c = write(tmp_path, "c.txt", f"PAPER ONE\n{ABSTRACT}\n• 4 authors\n·\nMay 3, 2024 7\n")
    r = library.import_file(c, as_of=AS_OF)
    assert (r.new, r.merged, r.unchanged) == (0, 0, 1)
    # The capture imported last gives the counts (fewer comments too); nothing else moves.
    d = write(tmp_path, "d.txt", f"PAPER ONE\n{ABSTRACT}\n• 4 authors\n·\nMay 3, 2024 2\n")
    r = library.import_file(d, as_of=AS_OF)
    assert (r.new, r.merged, r.enriched, r.unchanged) == (0, 1, 0, 0)
    p = library.get(pid)
    assert (p.comments, p.abstract, p.tags, p.note) == (2, LONGER, ["keep"], "my note")


def test_title_repeated_in_one_file_is_one_paper(library, tmp_path):
    f = write(tmp_path, "rep.txt", f"Paper One\n{ABSTRACT}\nPaper one.\n{LONGER}\n")
    r = library.import_file(f, as_of=AS_OF)
    assert (r.new, library.count()) == (1, 1)
    assert library.get(library.paper_ids()[0]).abstract == LONGER


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.txt", "", "is empty"),
        ("blank.txt", " \n\n\t\n", "is empty"),
        ("binary.bin", bytes(range(256)) * 4, "binary"),
        ("latin1.txt", f"Caf\xe9 paper\n{ABSTRACT}\n".encode("latin-1"), "not UTF-8"),
        ("page.html", "<!DOCTYPE html>\n<html><body>Daily Papers</body></html>", "HTML page"),
        ("other.json", json.dumps({"items": [1, 2]}), "JSON"),
        ("list.json", json.dumps([{"title": "x"}]), "JSON"),
        ("notes.txt", "just a line\nanother line\n", "no recognisable paper"),
        ("code.py", "def f(x):\n    return x\n" * 20, "no recognisable paper"),
    ],
)
def test_bad_files_are_refused_with_a_reason_and_nothing_written(
    library, tmp_path, name, content, reason
):
    before = snapshot(library)
    r = library.import_file(write(tmp_path, name, content), as_of=AS_OF)
    assert r.status == "refused" and reason in r.reason
    assert snapshot(library) == before


def test_unreadable_paths_are_refused(library, tmp_path):
    r = library.import_file(tmp_path / "missing.txt")
    assert r.status == "refused" and "cannot be read" in r.reason
    r = library.import_file(tmp_path)
    assert r.status == "refused" and "folder" in r.reason
    locked = write(tmp_path, "locked.txt", f"T\n{ABSTRACT}\n")
    locked.chmod(0)
    try:
        r = library.import_file(locked)
        import os

        if os.geteuid() != 0:  # root reads anything
            assert r.status == "refused" and "cannot be read" in r.reason
    finally:
        locked.chmod(0o644)


def test_bad_file_does_not_stop_the_others(library, tmp_path):
    good = write(tmp_path, "good.txt", f"Paper One\n{ABSTRACT}\n")
    bad = write(tmp_path, "bad.bin", b"\x00\x01\x02")
    report = library.import_files([bad, good], as_of=AS_OF)
    assert [f.status for f in report.files] == ["refused", "imported"]
    assert library.count() == 1


def test_utf8_error_deep_in_a_large_file_refuses_it_whole(library, tmp_path):
    body = "".join(f"Paper {i}\n{ABSTRACT}\n" for i in range(3000)).encode()
    f = write(tmp_path, "late-error.txt", body + b"Bad \xff title\n" + ABSTRACT.encode())
    r = library.import_file(f, as_of=AS_OF)
    assert r.status == "refused" and "not UTF-8" in r.reason
    assert library.count() == 0


def test_utf16_with_bom_is_read(library, tmp_path):
    text = f"Paper One\n{ABSTRACT}\nPaper Two\n{ABSTRACT2}\n"
    f = write(tmp_path, "u16.txt", codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert library.import_file(f, as_of=AS_OF).new == 2


def test_failure_in_the_middle_of_a_file_leaves_the_library_unchanged(seeded, tmp_path):
    """A real failure injected by the database itself, half-way through a file."""
    titles = [f"Fresh paper number {i}" for i in range(6_000)]
    doomed = titles[5_500]  # in the second insert batch: the first is already written
    with sqlite3.connect(seeded.db_path) as db:
        db.execute(
            "CREATE TRIGGER fail_midway BEFORE INSERT ON papers "
            f"WHEN NEW.title = '{doomed}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        )
    before = snapshot(seeded)
    f = write(tmp_path, "big.txt", "".join(f"{t}\n{ABSTRACT}\n" for t in titles))
    r = seeded.import_file(f, as_of=AS_OF)
    assert r.status == "refused" and "injected failure" in r.reason
    assert snapshot(seeded) == before
    with sqlite3.connect(seeded.db_path) as db:
        db.execute("DROP TRIGGER fail_midway")
    assert seeded.import_file(f, as_of=AS_OF).new == 6_000


def test_import_text_raises_refused_file(library):
    with pytest.raises(RefusedFile, match="no recognisable paper"):
        library.import_text("hello\nworld\n", name="x.txt")
    assert library.count() == 0


def test_import_record_is_kept(library):
    library.import_file(SEEDS["001"], as_of=SEED_AS_OF)
    with sqlite3.connect(library.db_path) as db:
        rows = db.execute("SELECT file_name, papers_new, as_of FROM import_records").fetchall()
    assert rows == [(str(SEEDS["001"]), 248, "2025-10-30")]
