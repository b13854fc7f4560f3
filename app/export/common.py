"""What every format writer shares: its options, and small text helpers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from app.links import paper_link, safe_url  # their one home; the formats import them here
from app.records import PaperRecord

__all__ = ["ExportOptions", "one_line", "paper_link", "safe_url", "tag_groups"]


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
