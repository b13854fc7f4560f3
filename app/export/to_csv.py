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

# A spreadsheet runs a cell starting with one of these as a formula (OWASP's list), and
# their full-width forms (＝ ＋ － ＠), which some spreadsheets fold to ASCII.
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# What a spreadsheet may skip before reading a formula: blanks (NBSP too), line breaks and
# invisible characters (zero-width space, joiners, word joiner, byte-order mark).
_SKIPPED = " \t\r\n\x0b\x0c\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
_SKIPPED += "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\u200b\u200c\u200d\u2060\ufeff"


def guard(value: str) -> str:
    """A leading apostrophe makes a spreadsheet show the cell as text, not run it — also
    when blanks or invisible characters stand before the formula's first character."""
    first = value[:1]
    if not first or (first not in _SKIPPED and not first.startswith(_TRIGGERS)):
        return value  # the common case: one cheap test
    return "'" + value if value.lstrip(_SKIPPED).startswith(_TRIGGERS) or first in "\t\r" else value


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
