"""Markdown reading list: each title linked, date, upvotes, tags, the note beneath."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TextIO

from markdown_it import MarkdownIt

from app.export.common import ExportOptions, one_line, paper_link, tag_groups
from app.export.selection import Papers, iter_papers
from app.records import PaperRecord

NAME, LABEL, EXTENSION = "md", "Markdown reading list", ".md"

# Characters that could start emphasis, code, links, HTML, entities, math or headings.
# CommonMark lets any ASCII punctuation be backslash-escaped, so escaping is always safe.
_ESCAPES = str.maketrans({ch: "\\" + ch for ch in "\\`*_[]<>|~^$&#!"})
# What would end or confuse a link destination, percent-encoded; the rest stays readable.
_URL_ESCAPES = str.maketrans({ch: f"%{ord(ch):02X}" for ch in " ()<>\\\"'`"})


_NEEDS_ESCAPE = re.compile(r"[\\`*_\[\]<>|~^$&#!]")


def escape(text: str) -> str:
    """``text`` as literal inline Markdown, on one line."""
    text = one_line(text)
    # Most titles have nothing to escape; a regex scan is cheaper than a translate.
    return text.translate(_ESCAPES) if _NEEDS_ESCAPE.search(text) else text


def _destination(url: str) -> str:
    return url.translate(_URL_ESCAPES)


_MD = MarkdownIt("commonmark")  # CommonMark, raw HTML on: what a renderer would let through


def _raw_html_lines(lines: list[str]) -> set[int]:
    """Lines (of the note as quoted in the export) that a CommonMark parser reads as raw
    HTML: an HTML block, or a paragraph with inline HTML. Decided by markdown-it-py's
    tokens, not by hand, so code spans, fences and escapes count exactly as a renderer's."""
    tokens = _MD.parse("\n".join(f"> {line}" for line in lines))
    bad: set[int] = set()
    for t in tokens:
        raw = t.type == "html_block" or (
            t.type == "inline" and any(c.type == "html_inline" for c in t.children or ())
        )
        if raw and t.map:
            bad.update(range(t.map[0], t.map[1]))
    return bad


def neutralise_html(note: str) -> str:
    """The note's Markdown as written, except that every ``<`` on a line a CommonMark
    renderer would read as raw HTML (a ``<script>``, an ``<img onerror>``) becomes
    ``&lt;``, shown as text. Lines without raw HTML, code included, stay exactly as typed."""
    if "<" not in note:
        return note
    lines = note.splitlines()
    for _ in range(4):  # escaping can change what the rest parses as: check again
        bad = _raw_html_lines(lines)
        if not bad:
            return "\n".join(lines)
        for i in bad:
            if i < len(lines):
                lines[i] = lines[i].replace("<", "&lt;")
    return "\n".join(lines).replace("<", "&lt;")  # never reached in practice; safe anyway


def paper_item(p: PaperRecord) -> str:
    meta = [p.published.isoformat() if p.published else "undated"]
    if p.upvotes is not None:
        meta.append(f"{p.upvotes} upvotes")
    if p.tags:
        meta.append("tags: " + ", ".join(escape(t) for t in p.tags))
    lines = [f"- [{escape(p.title)}]({_destination(paper_link(p))}) — " + " · ".join(meta)]
    if p.note:
        # The note is the user's own Markdown: kept as written (raw HTML aside), quoted
        # under its paper so its headings or lists cannot break the list.
        lines += [f"  > {line}".rstrip() for line in neutralise_html(p.note).splitlines()]
    return "\n".join(lines) + "\n"


def write(lib: Papers, ids: Sequence[int], out: TextIO, opts: ExportOptions) -> None:
    out.write(f"# {escape(opts.title)}\n\n")
    out.write(f"{len(ids)} papers, exported {opts.moment():%Y-%m-%d}.\n\n")
    if not opts.group_by_tag:
        for p in iter_papers(lib, ids):
            out.write(paper_item(p))
        return
    for tag, group in tag_groups(iter_papers(lib, ids)):
        out.write(f"## {escape(tag) if tag is not None else 'Untagged'}\n\n")
        for p in iter_papers(lib, group):
            out.write(paper_item(p))
        out.write("\n")
