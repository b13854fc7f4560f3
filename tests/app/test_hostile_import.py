"""Hostile files given to ``paperdesk import`` (issue 16, items 2, 3, 7, 16 and 25): each is
imported or refused with one line naming the file and why; nothing shifts, nothing is
half-written, and the command's other files are still imported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.library import Library

ABSTRACT = (
    "We describe method{n}, a careful study of many things with enough words in it that it "
    "reads as the prose of a real abstract."
)
GOOD_META = [["• 3 authors", "·", "Dec 26, 2023 1"], ["• 4 authors", "·", "Jan 2, 2024 2"]]


def page(middle: list[str]) -> str:
    """Three papers; the middle one's metadata block is ``middle``."""
    out: list[str] = []
    for n, meta in enumerate([GOOD_META[0], middle, GOOD_META[1]]):
        out += [f"Paper number {n} title", "", ABSTRACT.format(n=n), "", *meta, ""]
    return "\n".join(out)


def cli(capsys, lib: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--library", str(lib), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def titles(lib: Path) -> list[str]:
    with Library.open(lib) as library:
        return sorted(p.title for p in library.list_papers())


# -- item 2: an unreadable metadata line never shifts the blocks after it -----------------

UNREADABLE = {
    "feb-30": (["• 3 authors", "·", "Feb 30, 2024 5"], "is not a date"),
    "year-0000": (["• 3 authors", "·", "Feb 3, 0000 5"], "is not a date"),
    "5-digit-year": (["• 3 authors", "·", "Feb 3, 20245 5"], "is not a date"),
    "8-digit-count": (["• 3 authors", "·", "Feb 3, 2024 12345678"], "comment count"),
    "huge-author-count": (["• 12345678 authors", "·", "Feb 3, 2024 5"], "author count"),
    "separator-alone": (["·"], "separator without a date"),
    "authors-and-separator": (["• 3 authors", "·"], "separator without a date"),
    "one-line": (["• 3 authors · Feb 30, 2024 5"], "is not a date"),
    "huge-upvote-line": (["123456789012"], "upvote count"),
}


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_unreadable_metadata_line_never_shifts_papers(capsys, tmp_path, case):
    middle, why = UNREADABLE[case]
    if case == "huge-upvote-line":  # the count goes before the last card's title
        text = page(["• 3 authors", "·", "Feb 3, 2024 5"]).replace(
            "Paper number 2 title", "123456789012\nPaper number 2 title"
        )
    else:
        text = page(middle)
    path = tmp_path / "page.txt"
    path.write_text(text, encoding="utf-8")
    code, out, _ = cli(capsys, tmp_path / "lib", "import", "--as-of", "2025-01-01", str(path))
    assert code == 0, out
    assert "3 new" in out and why in out, out
    assert titles(tmp_path / "lib") == [f"Paper number {n} title" for n in range(3)]
    with Library.open(tmp_path / "lib") as library:
        papers = {p.title: p for p in library.list_papers()}
    assert all(p.abstract.startswith("We describe method") for p in papers.values())
    assert papers["Paper number 2 title"].published is not None  # the next block intact


def test_as_of_year_one_leaves_yearless_dates_unknown(capsys, tmp_path):
    path = tmp_path / "page.txt"
    path.write_text(page(["• 3 authors", "·", "Feb 3 5"]), encoding="utf-8")
    code, out, _ = cli(capsys, tmp_path / "lib", "import", "--as-of", "0001-01-01", str(path))
    assert code == 0, out
    assert "not a date on or before 0001-01-01" in out
    assert titles(tmp_path / "lib") == [f"Paper number {n} title" for n in range(3)]


# -- item 7 (and 25): malformed backups: one line each, the other files still imported ----

GOOD_PAPER = {"id": 7, "title": "A good paper", "abstract": "Its abstract."}


def backup_text(paper: dict | None = None, **top) -> str:
    doc = {"format": "paperdesk-export", "version": 2, **top}
    doc.setdefault("papers", [{**GOOD_PAPER, **(paper or {})}])
    return json.dumps(doc)


def fine_page(tmp_path: Path) -> Path:
    path = tmp_path / "fine.txt"
    path.write_text(page(GOOD_META[0]), encoding="utf-8")
    return path


MALFORMED = {
    "tags-5": (backup_text({"tags": 5}), "paper 1 ('A good paper'): 'tags' must be a list"),
    "upvotes-1e30": (backup_text({"upvotes": 10**30}), "'upvotes' is out of range"),
    "authors-1e30": (backup_text({"authors_count": 10**30}), "'authors_count' is out of range"),
    "id-1e30": (backup_text({"id": 10**30}), "'id' is out of range"),
    "upvotes-2e31": (backup_text({"upvotes": 2**31}), "'upvotes' is out of range"),
    "surrogate-title": (
        backup_text({"title": "Bad \ud800 title"}),
        "'title' holds a lone surrogate (\\ud800)",
    ),
    "surrogate-note": (backup_text({"note": "a \ud800"}), "'note' holds a lone surrogate"),
    "surrogate-tag": (backup_text({"tags": ["t\udfff"]}), "'tags' holds a lone surrogate"),
    "added-before-year-1": (
        backup_text({"added_at": "0001-01-01T00:00:00+05:00"}),
        "'added_at' '0001-01-01T00:00:00+05:00' is out of range",
    ),
    "version-true": (backup_text(version=True), "without a valid 'version'"),
    "truncated": (backup_text()[:-12], "is a Paperdesk backup cut short or not valid JSON"),
    "deeply-nested": (
        backup_text(papers=[json.loads("[" * 200 + "]" * 200)]),
        "is a Paperdesk backup nested too deeply",
    ),
    "very-deeply-nested": (
        backup_text()[:-1] + ', "x": ' + "[" * 200_000 + "]" * 200_000 + "}",
        "is a Paperdesk backup nested too deeply",
    ),
    "not-utf8": (
        backup_text().replace("A good paper", "Bad \xff title"),
        "not UTF-8",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_backup_is_one_line_and_the_other_files_import(capsys, tmp_path, case):
    text, why = MALFORMED[case]
    bad = tmp_path / "bad.json"
    if case == "not-utf8":
        bad.write_bytes(text.encode("latin-1"))
    else:
        bad.write_text(text, encoding="utf-8")
    code, out, err = cli(capsys, tmp_path / "lib", "import", str(bad), str(fine_page(tmp_path)))
    assert code == 2, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert str(bad) in lines[0] and why in lines[0], lines[0]
    assert "saved Daily Papers page" not in err
    assert titles(tmp_path / "lib") == [f"Paper number {n} title" for n in range(3)]


def test_a_good_backup_still_restores_exactly(capsys, tmp_path):
    doc = json.loads(backup_text({"tags": ["Keep"], "note": "mine", "starred": True}))
    doc["tags"] = [{"name": "Keep", "color": "#112233"}]
    bad = tmp_path / "good.json"
    bad.write_text(json.dumps(doc, ensure_ascii=True), encoding="utf-8")
    code, out, err = cli(capsys, tmp_path / "lib", "import", str(bad))
    assert code == 0, out + err
    with Library.open(tmp_path / "lib") as library:
        (paper,) = library.list_papers()
        assert (paper.id, paper.tags, paper.note, paper.starred) == (7, ["Keep"], "mine", True)
        assert {t.name: t.color for t in library.tags()} == {"Keep": "#112233"}


# -- item 16: line and field sizes are bounded at read time ---------------------------------

CHILD = r"""
import json, sys, time
from pathlib import Path
from app.library import Library
lib = Library.open(Path(sys.argv[1]))
c0 = time.process_time()
report = lib.import_files([Path(p) for p in sys.argv[2:]])
cpu = time.process_time() - c0
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"cpu": cpu, "peak_mb": hwm / 1024, "new": report.new,
                  "refused": [r.reason for r in report.refused]}))
"""


def _child(tmp_path: Path, *files: Path) -> dict:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "lib"), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.parametrize("shape", ["single-line", "huge-abstract"])
def test_a_100_mb_line_is_refused_fast_in_bounded_memory(tmp_path, shape):
    path = tmp_path / f"{shape}.txt"
    with path.open("w", encoding="utf-8") as out:
        if shape == "huge-abstract":
            out.write("A title of a paper\n\n")
        for _ in range(100):
            out.write("An abstract sentence with words. " * 31_000)  # ~1 MB each
        out.write("\n\n• 3 authors\n·\nDec 2, 2024\n")
    assert path.stat().st_size > 100 * 10**6
    got = _child(tmp_path, path, fine_page(tmp_path))
    line = 3 if shape == "huge-abstract" else 1
    assert got["refused"] == [
        f"line {line} is over 1 MB long: not a saved page "
        "(a page's lines, abstracts included, are at most 1 MB)"
    ]
    assert got["new"] == 3  # the command's other file
    assert got["cpu"] < 5 and got["peak_mb"] < 250, got  # was 13 s and 1.49 GB


def test_a_long_line_given_as_text_is_refused(library):
    from app.errors import RefusedFile

    text = "A title\n\n" + "word " * 300_000 + "\n"
    with pytest.raises(RefusedFile, match="line 3 is over 1 MB long"):
        library.import_text(text, "pasted", as_of=None)


# -- item 25: UTF-16 without a byte-order mark -------------------------------------------


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_read_not_called_binary(capsys, tmp_path, codec):
    path = tmp_path / "page.txt"
    path.write_bytes(page(GOOD_META[1]).encode(codec))
    code, out, err = cli(capsys, tmp_path / "lib", "import", str(path))
    assert code == 0, out + err
    assert titles(tmp_path / "lib") == [f"Paper number {n} title" for n in range(3)]


def test_nul_bytes_that_are_not_utf16_are_still_binary(capsys, tmp_path):
    path = tmp_path / "blob.txt"
    path.write_bytes(b"abc\x00def\x00\x00\x01" * 500)
    code, _, err = cli(capsys, tmp_path / "lib", "import", str(path))
    assert code == 2 and "binary" in err, err
