"""CSV for spreadsheets: UTF-8, a header row, one row per paper, formula injection
neutralised."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from app.export.common import ExportOptions
from app.export.selection import Papers, iter_papers
from app.records import PaperRecord, iso_utc

NAME, LABEL, EXTENSION = "csv", "CSV (spreadsheet)", ".csv"

COLUMNS = (
    "id",
    "title",
    "published",
    "upvotes",
    "authors_count",
    "organization",
    "url",
    "links",
    "tags",
    "starred",
    "read",
    "note",
    "abstract",
    "added_at",
)
TAG_SEPARATOR = "; "
LINK_SEPARATOR = " "

# A spreadsheet runs a cell starting with one of these as a formula (OWASP's list).
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def guard(value: str) -> str:
    """A leading apostrophe makes a spreadsheet show the cell as text, not run it."""
    return "'" + value if value.startswith(_TRIGGERS) else value


def row(p: PaperRecord) -> list[str]:
    # Only free text can start with a trigger: ids, numbers, dates and yes/no cannot.
    return [
        str(p.id),
        guard(p.title),
        p.published.isoformat() if p.published else "",
        "" if p.upvotes is None else str(p.upvotes),
        "" if p.authors_count is None else str(p.authors_count),
        guard(p.organization or ""),
        guard(p.url or ""),
        guard(LINK_SEPARATOR.join(p.links)),
        guard(TAG_SEPARATOR.join(p.tags)),
        "yes" if p.starred else "no",
        "yes" if p.read else "no",
        guard(p.note),
        guard(p.abstract),
        iso_utc(p.added_at),
    ]


def _cell(value: str) -> str:
    # RFC 4180: a text cell is quoted, its quotes doubled. Written by hand because the csv
    # module's writer takes ~2 s for 100,000 rows of abstracts; csv.reader reads this back.
    return '"' + value.replace('"', '""') + '"'


def _line(cells: list[str]) -> str:
    return ",".join([c if c.isdigit() or not c else _cell(c) for c in cells]) + "\r\n"


def write(lib: Papers, ids: Sequence[int], out: TextIO, opts: ExportOptions) -> None:
    out.write(",".join(COLUMNS) + "\r\n")
    buffer: list[str] = []
    for p in iter_papers(lib, ids):
        buffer.append(_line(row(p)))
        if len(buffer) >= 1000:
            out.write("".join(buffer))
            buffer.clear()
    out.write("".join(buffer))
