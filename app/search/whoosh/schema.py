"""The index's schema and how a paper row becomes an index document.

Only the id is stored: titles, abstracts and notes live in SQLite and are read from there
for the result list, highlights and related papers.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from datetime import date
from typing import Any

from whoosh.analysis import STOP_WORDS, Token, Tokenizer
from whoosh.fields import BOOLEAN, ID, KEYWORD, NUMERIC, TEXT, Schema

# Bump whenever the schema or the analysis changes: the stamp then no longer matches and
# the index is rebuilt from the database.
SCHEMA_VERSION = 3  # 3: authors, arxiv, comments; org holds the Hub name too
INDEX_NAME = "MAIN"


# No stemming: suggestions and highlights show real words, indexing stays fast, and the
# FTS5 reference (unicode61) matches the same way. The last word typed is a prefix instead.
class WordTokenizer(Tokenizer):
    """Words, lower-cased, common English words dropped: in one pass.

    The same result as ``RegexTokenizer | LowercaseFilter | StopFilter`` (stop words leave
    no gap in positions), without two generator stages per token: analysis is most of
    the indexing time. (whoosh-reloaded's default word pattern would also keep "*" inside
    words, so that "**bold**" became a word.)
    """

    expression = re.compile(r"\w+(?:\.\w+)*")
    stops = STOP_WORDS

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WordTokenizer)

    def __hash__(self) -> int:
        return hash(WordTokenizer)

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        stops = self.stops
        pos = start_pos
        for m in self.expression.finditer(value):
            text = m.group().lower()
            stopped = text in stops
            if stopped and removestops:
                continue
            t.text = text
            t.stopped = stopped
            t.boost = 1.0
            if keeporiginal:
                t.original = m.group()
            if positions and not stopped:
                t.pos = pos
                pos += 1
            if chars:
                t.startchar = start_char + m.start()
                t.endchar = start_char + m.end()
            yield t


ANALYZER = WordTokenizer()

# Fields searched by plain words, and their weight in BM25F (title above abstract).
# Authors: a name is a strong, short signal (like a tag), below the title.
TEXT_FIELDS = {"title": 2.5, "abstract": 1.0, "tags": 1.5, "note": 1.2, "authors": 1.5}

INT_MAX = 2**31 - 1  # the numeric fields' range (32 bits, signed)
UNKNOWN = -1  # a count no capture showed (upvotes, comments): never matched by a range


def clamp(n: int | None) -> int:
    """A count for the index: unknown -> ``UNKNOWN``; out of range -> the nearest bound (the
    database keeps the true value; ``check`` reports such papers)."""
    if n is None:
        return UNKNOWN
    return max(0, min(int(n), INT_MAX))


def clean(text: str) -> str:
    """Text the index can encode (a lone surrogate becomes ``?``)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


_ARXIV_VERSION = re.compile(r"v\d+$")


def arxiv_key(text: str) -> str:
    """An arXiv id as indexed and queried: lower-case, no ``arXiv:`` prefix, no version."""
    key = text.strip().lower()
    if key.startswith("arxiv:"):
        key = key[6:]
    return _ARXIV_VERSION.sub("", key)


def make_schema() -> Schema:
    return Schema(
        id=NUMERIC(int, bits=64, stored=True, unique=True, sortable=True),
        title=TEXT(analyzer=ANALYZER, phrase=True),
        abstract=TEXT(analyzer=ANALYZER, phrase=True),
        tags=TEXT(analyzer=ANALYZER, phrase=True),  # the words of the tag names
        tag=KEYWORD(lowercase=True, commas=True),  # whole tag names, for tag:
        note=TEXT(analyzer=ANALYZER, phrase=True),
        authors=TEXT(analyzer=ANALYZER, phrase=True),  # names, " ; " between them
        org=TEXT(analyzer=ANALYZER, phrase=False),  # display name and Hub name
        arxiv=ID,  # arxiv_key() of the id
        published=NUMERIC(int, bits=32, sortable=True, default=0),  # yyyymmdd; 0: unknown
        upvotes=NUMERIC(int, bits=32, sortable=True, default=0),  # UNKNOWN given
        comments=NUMERIC(int, bits=32, sortable=True, default=0),
        starred=BOOLEAN,
        read=BOOLEAN,
        has_note=BOOLEAN,
        has_tag=BOOLEAN,
    )


def day_number(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def document(row: dict[str, Any]) -> dict[str, Any]:
    """The index document of one paper (``row``: see app/search/rows.py).

    Whatever the database holds, the document fits the index: counts are clamped to the
    numeric fields' range and text is made encodable (a value Whoosh cannot take would
    otherwise break every later search)."""
    tags: list[str] = [clean(t) for t in row.get("tags") or []]
    note: str = clean(row.get("note") or "")
    doc: dict[str, Any] = {
        "id": row["id"],
        "title": clean(row["title"]),
        "abstract": clean(row["abstract"] or ""),
        "upvotes": clamp(row.get("upvotes")),
        "comments": clamp(row.get("comments")),
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
    authors = [clean(a) for a in row.get("authors") or []]
    if authors:
        doc["authors"] = " ; ".join(authors)
    org = " ; ".join(clean(o) for o in (row.get("organization"), row.get("organization_id")) if o)
    if org:
        doc["org"] = org
    if row.get("arxiv_id"):
        doc["arxiv"] = arxiv_key(clean(row["arxiv_id"]))
    if row.get("published"):
        doc["published"] = day_number(row["published"])
    return doc


def match_spans(text: str, terms: Collection[str]) -> list[tuple[int, int]]:
    """Character spans of the tokens of ``text`` whose analysed form is in ``terms``
    (for a reader marking exactly what a query matched; see ``SearchResult.terms``)."""
    if not text or not terms:
        return []
    return [(t.startchar, t.endchar) for t in ANALYZER(text, chars=True) if t.text in terms]
