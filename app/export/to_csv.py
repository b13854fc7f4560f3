"""CSV for spreadsheets: UTF-8, a header row, one row per paper, formula injection
neutralised."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from app.export.common import ExportOptions
from app.export.selection import iter_papers
from app.records import PaperRecord, iso_utc

if TYPE_CHECKING:
    from app.library import Library

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
        str(p.upvotes),
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


def write(lib: Library, ids: Sequence[int], out: TextIO, opts: ExportOptions) -> None:
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180 line ends
    writer.writerow(COLUMNS)
    for p in iter_papers(lib, ids):
        writer.writerow(row(p))
