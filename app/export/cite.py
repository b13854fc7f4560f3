"""Copy as: a formatted citation (citeproc-py with the CSL styles bundled in
``resources/csl``), the BibTeX entry, the citation key, a Markdown link."""

from __future__ import annotations

import html
import re
import warnings
from functools import lru_cache
from pathlib import Path

from app.errors import PaperdeskError
from app.export import to_bibtex, to_csl_json
from app.export.common import paper_link
from app.export.to_markdown import _ESCAPES
from app.export.to_markdown import escape as md_escape
from app.records import PaperRecord

# --style names and their bundled files.
STYLES = {
    "apa": "apa.csl",
    "ieee": "ieee.csl",
    "chicago": "chicago-author-date.csl",
    "harvard": "harvard-cite-them-right.csl",
    "mla": "modern-language-association.csl",
    "vancouver": "vancouver.csl",
    "nature": "nature.csl",
}
DEFAULT_STYLE = "apa"
FORMATS = ("text", "html", "md")


def _styles_folder() -> Path:
    import resources

    return Path(resources.__file__).with_name("csl")


@lru_cache(maxsize=len(STYLES))
def _style(name: str) -> object:
    from citeproc import CitationStylesStyle

    if name not in STYLES:
        raise PaperdeskError(f"unknown citation style {name!r}; use one of {', '.join(STYLES)}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # citeproc-py notes CSL 1.0.2 parts it skips
        return CitationStylesStyle(str(_styles_folder() / STYLES[name]), validate=False)


def formatted(
    papers: list[PaperRecord], style: str = DEFAULT_STYLE, fmt: str = "text"
) -> list[str]:
    """Each paper's bibliography entry in ``style``, as plain text, HTML or Markdown, in the
    order given. The papers must carry their citation keys."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    if fmt not in FORMATS:
        raise PaperdeskError(f"unknown citation format {fmt!r}; use one of {', '.join(FORMATS)}")
    out = []
    for p in papers:  # one bibliography each: the order (and numbering) is the caller's
        item = to_csl_json.item(p)
        item["id"] = "item"  # citeproc-py folds ids to lower case; one item, one id
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bib = CitationStylesBibliography(
                _style(style),
                CiteProcJSON([item]),
                formatter.plain if fmt == "text" else formatter.html,
            )
            bib.register(Citation([CitationItem("item")]))
            text = str(bib.bibliography()[0])
        text = _LABEL.sub("", text)  # "[1]" or "1." of a numbered style: one paper, no number
        out.append(_markdown(text) if fmt == "md" else text)
    return out


_LABEL = re.compile(r"^(\[1\]|1\.)\s*")
_TAG = re.compile(r"<(/?)(i|b|em|strong)>|<[^>]*>")


def _markdown(fragment: str) -> str:
    """citeproc's HTML as Markdown: italics and bold kept, the rest as escaped text."""
    parts: list[str] = []
    last = 0
    for m in _TAG.finditer(fragment):
        parts.append(html.unescape(fragment[last : m.start()]).translate(_ESCAPES))
        tag = m.group(2)
        if tag in ("i", "em"):
            parts.append("*")
        elif tag in ("b", "strong"):
            parts.append("**")
        last = m.end()
    parts.append(html.unescape(fragment[last:]).translate(_ESCAPES))
    return "".join(parts)


def bibtex_entry(p: PaperRecord) -> str:
    return to_bibtex.entry_text(p)


def markdown_link(p: PaperRecord) -> str:
    from app.export.to_markdown import _destination

    return f"[{md_escape(p.title)}]({_destination(paper_link(p))})"
