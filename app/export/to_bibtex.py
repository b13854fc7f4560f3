"""BibTeX ``@misc`` entries as arXiv's own citations give them: ``author`` (``and others``
when the list is incomplete), ``eprint``, ``archivePrefix = {arXiv}``, ``url``, ``doi``;
organisation, upvotes and comments in ``note``, tags as ``keywords``, the note as ``annote``.

Every value is brace-balanced by construction: TeX's specials are written as commands
(``\\textbraceleft{}``, never ``\\{``, whose brace BibTeX still counts), and each value is
one line, so no text can close an entry or start another. bibtexparser and pybtex read it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TextIO

from app.export.citation import Citation, citation
from app.export.common import ExportOptions
from app.export.names import Name
from app.export.selection import Papers, write_entries
from app.records import PaperRecord

NAME, LABEL, EXTENSION = "bibtex", "BibTeX", ".bib"
KEYED = True  # uses citation keys: the export makes the missing ones first

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

# Characters with a meaning to TeX (or to a .bib reader: @ starts an entry for some), and
# how to print them literally. Everything else, emoji and non-Latin scripts included,
# stays UTF-8 (biber and pybtex read it as is).
_LATEX = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "@": "@{}",  # "@word" would start a block for bibtexparser; TeX prints "@" alike
}
_BRACE_RE = re.compile(r"[\\{}]")
# The others, replaced one by one after the backslashes and braces: their replacements hold
# only backslashes and braces, which that pass has done with.
_SIMPLE = tuple((k, v) for k, v in _LATEX.items() if k not in "\\{}")
# Any character that may need work (escaping, or a ligature below): one C scan of a
# character class (~0.5 µs for an abstract), where most values end.
_ANY_RE = re.compile(r"[\\{}%&$#_~^@`'<>\-]")

# TeX joins some character pairs into one glyph (-- en dash, `` and '' curly quotes, << and
# >> guillemets, !` and ?` inverted marks); an empty group between them keeps both. Each
# pair replaced twice: the first pass leaves every other pair of a run (``---``), the
# second gets those, and an inserted ``{}`` never makes a new pair.
_PAIRS = tuple((a + b, a + "{}" + b) for a, b in ("--", "``", "''", "<<", ">>", "!`", "?`"))


def _brace(m: re.Match[str]) -> str:
    return _LATEX[m.group()]


def latex_escape(text: str) -> str:
    """``text`` as TeX prints it literally, on one line (UTF-8 kept)."""
    if text.isprintable():
        if _ANY_RE.search(text) is None:
            return text
    else:  # one line: a line break never reaches the file, so nothing starts a new entry
        text = " ".join(text.split())
    # ``str.translate`` with multi-character replacements is slow (~15 µs an abstract):
    # the few backslashes and braces by a regex, the rest by ``replace``.
    if "\\" in text or "{" in text or "}" in text:
        text = _BRACE_RE.sub(_brace, text)
    for ch, replacement in _SIMPLE:
        if ch in text:
            text = text.replace(ch, replacement)
    # A two-character search costs ten times a one-character one: test the character first.
    if (
        "`" in text
        or ("-" in text and "--" in text)
        or ("'" in text and "''" in text)
        or ("<" in text and "<<" in text)
        or (">" in text and ">>" in text)
    ):
        for pair, spaced in _PAIRS:
            if pair in text:
                text = text.replace(pair, spaced).replace(pair, spaced)
    return text


_AND = re.compile(r"\band\b", re.IGNORECASE)


def _part(text: str) -> str:
    # A comma or a word "and" inside a name part would split the name list: brace it.
    value = latex_escape(text)
    if "," in value or ("and" in value.lower() and _AND.search(value)):
        return "{" + value + "}"
    return value


@lru_cache(maxsize=100_000)  # names repeat across a library's papers; Name is frozen
def bib_name(n: Name) -> str:
    """``Family, Given`` (``Family, Suffix, Given``); an unsplittable name braced whole."""
    if n.family is None:
        return "{" + latex_escape(n.literal) + "}"
    family = _part(n.family)
    if n.suffix:
        return f"{family}, {_part(n.suffix)}, {_part(n.given)}"
    return f"{family}, {_part(n.given)}"


def author_field(c: Citation) -> str | None:
    if not c.names:
        return None
    names = [bib_name(n) for n in c.names]
    if c.incomplete:
        names.append("others")
    return " and ".join(names)


def fields(c: Citation, dated: bool = True) -> list[tuple[str, str]]:
    """The entry's fields as ``(name, braced value)`` (``month``: a bare macro)."""
    # Doubly braced: the inner braces keep the title's capitals in every style.
    out = [("title", "{{" + latex_escape(c.title) + "}}")]
    authors = author_field(c)
    if authors:
        out.append(("author", "{" + authors + "}"))
    if c.published and dated:
        out.append(("year", "{" + str(c.published.year) + "}"))
        # A month macro (unbraced), so each style prints the month in its own language.
        out.append(("month", MONTHS[c.published.month - 1]))
    if c.arxiv_id:
        out += [("eprint", "{" + c.arxiv_id + "}"), ("archivePrefix", "{arXiv}")]
    else:
        out.append(("howpublished", "{Hugging Face Daily Papers}"))
    if c.url:
        out.append(("url", "{" + c.url + "}"))
    if c.doi:
        out.append(("doi", "{" + c.doi + "}"))
    if c.extras:
        out.append(("note", "{" + latex_escape(c.extras) + "}"))
    if c.tags:
        out.append(("keywords", "{" + latex_escape(", ".join(c.tags)) + "}"))
    if c.abstract:
        out.append(("abstract", "{" + latex_escape(c.abstract) + "}"))
    if c.note:
        out.append(("annote", "{" + latex_escape(c.note) + "}"))
    return out


def entry_text(p: PaperRecord) -> str:
    """One ``@misc`` entry."""
    c = citation(p)
    body = ",\n".join(f"  {k} = {v}" for k, v in fields(c))
    return f"@misc{{{c.key},\n{body}\n}}\n"


def cite_key(p: PaperRecord) -> str:
    return citation(p).key


def write(lib: Papers, ids: Sequence[int], out: TextIO, opts: ExportOptions) -> None:
    write_entries(lib, ids, out, entry_text, NAME)
