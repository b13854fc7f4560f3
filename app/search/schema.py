"""The index's schema and how a paper row becomes an index document.

Only the id is stored: titles, abstracts and notes live in SQLite and are read from there
for the result list, highlights and related papers.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from whoosh.analysis import LowercaseFilter, RegexTokenizer, StopFilter
from whoosh.fields import BOOLEAN, KEYWORD, NUMERIC, TEXT, Schema

# Bump whenever the schema or the analysis changes: the stamp then no longer matches and
# the index is rebuilt from the database.
SCHEMA_VERSION = 1
INDEX_NAME = "MAIN"

# No stemming: suggestions and highlights show real words, indexing stays fast, and the
# FTS5 reference (unicode61) matches the same way. The last word typed is a prefix instead.
# (whoosh-reloaded's default word pattern keeps "*" inside words: "**bold**" would be a word.)
ANALYZER = RegexTokenizer(r"\w+(?:\.\w+)*") | LowercaseFilter() | StopFilter(minsize=1)

# Fields searched by plain words, and their weight in BM25F (title above abstract).
TEXT_FIELDS = {"title": 2.5, "abstract": 1.0, "tags": 1.5, "note": 1.2}


def make_schema() -> Schema:
    return Schema(
        id=NUMERIC(int, bits=64, stored=True, unique=True, sortable=True),
        title=TEXT(analyzer=ANALYZER, phrase=True),
        abstract=TEXT(analyzer=ANALYZER, phrase=True),
        tags=TEXT(analyzer=ANALYZER, phrase=True),  # the words of the tag names
        tag=KEYWORD(lowercase=True, commas=True),  # whole tag names, for tag:
        note=TEXT(analyzer=ANALYZER, phrase=True),
        org=TEXT(analyzer=ANALYZER, phrase=False),
        published=NUMERIC(int, bits=32, sortable=True, default=0),  # yyyymmdd; 0: unknown
        upvotes=NUMERIC(int, bits=32, sortable=True, default=0),
        starred=BOOLEAN,
        read=BOOLEAN,
        has_note=BOOLEAN,
        has_tag=BOOLEAN,
    )


def day_number(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def document(row: dict[str, Any], tags: list[str], note: str) -> dict[str, Any]:
    """The index document of one paper (``row``: the papers table's columns)."""
    doc: dict[str, Any] = {
        "id": row["id"],
        "title": row["title"],
        "abstract": row["abstract"] or "",
        "upvotes": row["upvotes"] or 0,
        "starred": bool(row["starred"]),
        "read": bool(row["read"]),
        "has_note": bool(note.strip()),
        "has_tag": bool(tags),
    }
    if tags:
        doc["tags"] = " ; ".join(tags)
        # KEYWORD with commas: names may hold spaces but never commas in a useful way.
        doc["tag"] = ",".join(t.casefold().replace(",", " ") for t in tags)
    if note:
        doc["note"] = note
    if row.get("organization"):
        doc["org"] = row["organization"]
    if row.get("published"):
        doc["published"] = day_number(row["published"])
    return doc
