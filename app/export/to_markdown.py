"""Markdown reading list: each title linked, date, upvotes, tags, the note beneath."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TextIO

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


_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_CODE_SPAN = re.compile(r"(`+)(?:.*?[^`])?\1(?!`)")
_FENCE = re.compile(r"^\s*(```|~~~)")


def neutralise_html(note: str) -> str:
    """The note's Markdown as written, except that a ``<`` which could open raw HTML (a
    ``<script>``, say) is backslash-escaped, so a renderer shows it as text. Code spans and
    fenced code keep their ``<`` (they show it literally already)."""
    out, fenced = [], False
    for line in note.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and "<" in line:
            parts, last = [], 0
            for m in _CODE_SPAN.finditer(line):
                parts.append(_TAG_START.sub(r"\\<", line[last : m.start()]) + m.group())
                last = m.end()
            line = "".join(parts) + _TAG_START.sub(r"\\<", line[last:])
        out.append(line)
    return "\n".join(out)


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
