"""BibTeX ``@misc`` entries, written with bibtexparser: stable unique keys, braced titles,
LaTeX specials escaped, tags as ``keywords``, the note as ``annote``."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

import bibtexparser
from bibtexparser import model

from app.export.common import ExportOptions, one_line, safe_url
from app.export.selection import CHUNK, iter_papers
from app.records import PaperRecord

if TYPE_CHECKING:
    from app.library import Library

NAME, LABEL, EXTENSION = "bibtex", "BibTeX", ".bib"

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

# Characters with a meaning to TeX, and how to print them literally. Everything else,
# emoji and non-Latin scripts included, stays UTF-8 (biber and pybtex read it as is).
_LATEX = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_LATEX_TABLE = str.maketrans(_LATEX)  # str.translate: one C pass, ~10x a regex


# TeX joins some character pairs into one glyph (-- en dash, `` and '' curly quotes, << and
# >> guillemets, !` and ?` inverted marks); an empty group between them keeps both.
_LIGATURE_RE = re.compile(r"(-(?=-)|`(?=`)|'(?=')|<(?=<)|>(?=>)|[!?](?=`))")
_SIMPLE = "%&$#_~^"  # replacements free of each other's characters: safe one by one


def latex_escape(text: str) -> str:
    """``text`` as TeX prints it literally (UTF-8 kept)."""
    if "\\" in text or "{" in text or "}" in text:
        text = text.translate(_LATEX_TABLE)  # simultaneous: the new braces stay as they are
    else:  # the common case, and str.replace is several times faster than translate
        for ch in _SIMPLE:
            if ch in text:
                text = text.replace(ch, _LATEX[ch])
    if _has_ligature(text):  # rare: cheap scans first, the regex only when needed
        text = _LIGATURE_RE.sub(r"\1{}", text)
    return text


def _has_ligature(text: str) -> bool:
    # Single-character checks are memchr-fast and usually settle it.
    return (
        ("-" in text and "--" in text)
        or "`" in text
        or ("'" in text and "''" in text)
        or ("<" in text and "<<" in text)
        or (">" in text and ">>" in text)
    )


_WORD = re.compile(r"[A-Za-z]{3,}")


def cite_key(p: PaperRecord) -> str:
    """``firstword`` + year + ``_`` + id: readable, ASCII, and unique and stable in the
    library because the id is."""
    title = p.title
    if not title.isascii():  # accents off (Über -> Uber); other scripts drop out
        title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    word = next((m.group() for m in _WORD.finditer(title)), "paper").lower()
    year = str(p.published.year) if p.published else "nd"
    return f"{word[:24]}{year}_{p.id}"


def _url(url: str | None) -> str | None:
    # url is read verbatim by biblatex; only braces and backslashes could unbalance it.
    good = safe_url(url)
    if good is None:
        return None
    return good.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


def _braced(key: str, value: str) -> model.Field:
    # Enclosed here rather than by bibtexparser's enclosing middleware: at 100,000 entries
    # the middleware costs about a second, and escaping already balanced every brace.
    return model.Field(key, "{" + value + "}")


def entry(p: PaperRecord) -> model.Entry:
    fields = [
        # Doubly braced: the inner braces keep the title's capitals in every style.
        _braced("title", "{" + latex_escape(one_line(p.title)) + "}"),
        _braced("howpublished", "Hugging Face Daily Papers"),
    ]
    if p.published:
        fields.append(_braced("year", str(p.published.year)))
        # A month macro (unbraced), so each style prints the month in its own language.
        fields.append(model.Field("month", MONTHS[p.published.month - 1]))
    url = _url(p.url)
    if url:
        fields.append(_braced("url", url))
    if p.organization:
        fields.append(_braced("organization", latex_escape(one_line(p.organization))))
    if p.tags:
        fields.append(_braced("keywords", latex_escape(", ".join(p.tags))))
    if p.abstract:
        fields.append(_braced("abstract", latex_escape(p.abstract)))
    if p.note:
        fields.append(_braced("annote", latex_escape(p.note)))
    return model.Entry("misc", cite_key(p), fields)


def write(lib: Library, ids: Sequence[int], out: TextIO, opts: ExportOptions) -> None:
    # bibtexparser builds a whole string per call: feed it one chunk at a time.
    batch: list[model.Block] = []
    for p in iter_papers(lib, ids):
        batch.append(entry(p))
        if len(batch) >= CHUNK:
            _flush(batch, out)
    _flush(batch, out)


def _flush(batch: list[model.Block], out: TextIO) -> None:
    if batch:
        # No unparse middleware: the values above are written exactly as built.
        text = bibtexparser.write_string(bibtexparser.Library(batch), unparse_stack=[])
        out.write(text.strip("\n") + "\n\n")  # one blank line between entries, as within
        batch.clear()
