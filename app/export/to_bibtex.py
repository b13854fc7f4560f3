"""BibTeX ``@misc`` entries, written with bibtexparser: stable unique keys, braced titles,
LaTeX specials escaped, tags as ``keywords``, the note as ``annote``."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import TextIO

import bibtexparser
from bibtexparser import model

from app.export.common import ExportOptions, one_line, safe_url
from app.export.selection import CHUNK, Papers, iter_papers
from app.records import PaperRecord

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


def fields(p: PaperRecord) -> list[tuple[str, str]]:
    """The entry's fields as written: ``(name, value)``, values enclosed and escaped."""
    # Doubly braced: the inner braces keep the title's capitals in every style.
    out = [
        ("title", "{{" + latex_escape(one_line(p.title)) + "}}"),
        ("howpublished", "{Hugging Face Daily Papers}"),
    ]
    if p.published:
        out.append(("year", "{" + str(p.published.year) + "}"))
        # A month macro (unbraced), so each style prints the month in its own language.
        out.append(("month", MONTHS[p.published.month - 1]))
    url = _url(p.url)
    if url:
        out.append(("url", "{" + url + "}"))
    if p.organization:
        out.append(("organization", "{" + latex_escape(one_line(p.organization)) + "}"))
    if p.tags:
        out.append(("keywords", "{" + latex_escape(", ".join(p.tags)) + "}"))
    if p.abstract:
        out.append(("abstract", "{" + latex_escape(p.abstract) + "}"))
    if p.note:
        out.append(("annote", "{" + latex_escape(p.note) + "}"))
    return out


def entry(p: PaperRecord) -> model.Entry:
    """The paper as a bibtexparser entry. Values are enclosed here rather than by its
    enclosing middleware: escaping already balanced every brace."""
    return model.Entry("misc", cite_key(p), [model.Field(k, v) for k, v in fields(p)])


def entry_text(p: PaperRecord) -> str:
    """Exactly what bibtexparser writes for :func:`entry` (a test holds them equal), built
    directly: its model objects cost ~2 s per 100,000 papers, which the 5 s target cannot
    afford. Used for large exports only."""
    body = ",\n".join(f"\t{k} = {v}" for k, v in fields(p))
    return f"@misc{{{cite_key(p)},\n{body}\n}}\n"


LIBRARY_WRITER_MAX = 5_000  # papers; up to here bibtexparser itself writes the file
_FORMAT = bibtexparser.BibtexFormat()
_FORMAT.block_separator = "\n"  # one blank line between entries (its default leaves two)


def write(lib: Papers, ids: Sequence[int], out: TextIO, opts: ExportOptions) -> None:
    if len(ids) > LIBRARY_WRITER_MAX:
        buffer: list[str] = []
        for p in iter_papers(lib, ids):
            buffer.append(entry_text(p))
            if len(buffer) >= CHUNK:
                out.write("\n".join(buffer) + "\n")
                buffer.clear()
        if buffer:
            out.write("\n".join(buffer) + "\n")
        return
    # bibtexparser builds one string for the whole library; a reading list is small.
    entries: list[model.Block] = [entry(p) for p in iter_papers(lib, ids)]
    if entries:
        # No unparse middleware: the values are written exactly as built.
        text = bibtexparser.write_string(
            bibtexparser.Library(entries), unparse_stack=[], bibtex_format=_FORMAT
        )
        out.write(text + "\n")
