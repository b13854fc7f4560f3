"""One standalone, readable HTML page; every piece of text escaped."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TextIO

from app.export.common import ExportOptions, paper_link, tag_groups
from app.export.selection import Papers, iter_papers
from app.records import PaperRecord, metadata_line

NAME, LABEL, EXTENSION = "html", "HTML page", ".html"

_STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; background: #fff; }
h1 { font-size: 1.6rem; } h2.group { margin-top: 2.5rem; border-bottom: 1px solid #ddd; }
article { margin: 1.5rem 0; } article h3 { font-size: 1.1rem; margin: 0 0 .2rem; }
a { color: #1a55b5; } .meta { color: #666; font-size: .9rem; }
.tag { display: inline-block; padding: 0 .45rem; margin-right: .25rem; border-radius: .6rem;
       background: #eef2f8; font-size: .85rem; }
.note { white-space: pre-wrap; border-left: 3px solid #c9d6ea; padding-left: .8rem;
        margin: .5rem 0; }
details { margin-top: .3rem; } summary { cursor: pointer; color: #555; font-size: .9rem; }
@media (prefers-color-scheme: dark) {
  body { color: #ddd; background: #1b1b1b; } a { color: #8fb4ff; }
  .tag { background: #2b3340; } .meta, summary { color: #aaa; } }
"""


def article(p: PaperRecord) -> str:
    parts = [
        f'<article id="paper-{p.id}">',
        f'<h3><a href="{escape(paper_link(p))}">{escape(p.title)}</a></h3>',
        f'<div class="meta">{metadata_line(p, escape=escape)}</div>',
    ]
    if p.tags:
        spans = "".join(f'<span class="tag">{escape(t)}</span>' for t in p.tags)
        parts.append(f'<div class="tags">{spans}</div>')
    if p.note:
        parts.append(f'<div class="note">{escape(p.note)}</div>')
    if p.abstract:
        parts.append(f"<details><summary>Abstract</summary><p>{escape(p.abstract)}</p></details>")
    parts.append("</article>")
    return "\n".join(parts) + "\n"


def write(lib: Papers, ids: Sequence[int], out: TextIO, opts: ExportOptions) -> None:
    title = escape(opts.title)
    out.write(
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{title}</h1>\n"
        f'<p class="meta">{len(ids)} papers, exported {opts.moment():%Y-%m-%d}.</p>\n'
    )
    if opts.group_by_tag:
        for tag, group in tag_groups(iter_papers(lib, ids)):
            name = escape(tag) if tag is not None else "Untagged"
            out.write(f'<section>\n<h2 class="group">{name}</h2>\n')
            for p in iter_papers(lib, group):
                out.write(article(p))
            out.write("</section>\n")
    else:
        for p in iter_papers(lib, ids):
            out.write(article(p))
    out.write("</body>\n</html>\n")
