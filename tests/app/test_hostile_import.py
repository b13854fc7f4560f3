"""Hostile files given to ``paperdesk import`` (issue 16, items 2, 3, 7, 16 and 25): each is
imported or refused with one line naming the file and why; nothing shifts, nothing is
half-written, and the command's other files are still imported."""

from __future__ import annotations

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
