"""What every format writer shares: its options, and small text helpers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

from app.records import PaperRecord

_QUERY_ESCAPES = str.maketrans(
    {ch: f"%{ord(ch):02X}" for ch in "%&#+=?/;:@$,<>\"'`{}|\\^[]()!*~"} | {" ": "+"}
)


@dataclass(frozen=True)
class ExportOptions:
    """Choices that change how a list is written (not which papers are in it)."""

    title: str = "Reading list"
    group_by_tag: bool = False  # Markdown and HTML: one section per tag
    exported_at: datetime | None = None  # fixed in tests; now by default

    def moment(self) -> datetime:
        return self.exported_at or datetime.now(timezone.utc).replace(microsecond=0)


def one_line(text: str) -> str:
    """Whitespace (newlines included) collapsed: for formats where a title is one line."""
    # Fast path, exact: Python counts every whitespace character except the plain space as
    # unprintable, so printable text without double, leading or trailing spaces is done.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def safe_url(url: str | None) -> str | None:
    """``url`` if it is a web address a reader may open (never ``javascript:`` and the like)."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def paper_link(p: PaperRecord) -> str:
    """Where a title links to: the paper's own address, else its Daily Papers search."""
    own = safe_url(p.url)
    if own:
        return own
    # An IRI: non-ASCII stays readable (browsers encode it); only the query's own
    # delimiters are percent-encoded. str.translate is ~10x faster than urllib's quote.
    return "https://huggingface.co/papers?q=" + one_line(p.title).translate(_QUERY_ESCAPES)


def tag_groups(papers: Iterable[PaperRecord]) -> list[tuple[str | None, list[int]]]:
    """Paper ids by tag, tags in name order, untagged papers last (``None``); a paper with
    several tags appears under each. Keeps ids only, so 100,000 papers stay small."""
    groups: dict[str, list[int]] = {}
    untagged: list[int] = []
    for p in papers:
        for t in p.tags:
            groups.setdefault(t, []).append(p.id)
        if not p.tags:
            untagged.append(p.id)
    out: list[tuple[str | None, list[int]]] = [
        (t, groups[t]) for t in sorted(groups, key=str.casefold)
    ]
    if untagged:
        out.append((None, untagged))
    return out
