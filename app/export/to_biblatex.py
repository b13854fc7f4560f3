"""BibLaTeX ``@online`` entries (biber's data model; ``@misc`` for a paper with no address):
``date``, ``eprint`` with ``eprinttype = {arxiv}``, ``url``, ``doi``; organisation, upvotes
and comments in ``note``, the note as ``annotation``.
Values are escaped and brace-balanced as for BibTeX."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from app.export.citation import citation
from app.export.common import ExportOptions
from app.export.selection import Papers, write_entries
from app.export.to_bibtex import author_field, latex_escape
from app.records import PaperRecord

NAME, LABEL, EXTENSION = "biblatex", "BibLaTeX (biber)", ".bib"
KEYED = True


def entry_text(p: PaperRecord) -> str:
    c = citation(p)
    # @online needs an address (url, doi or eprint); a paper with none is a @misc.
    kind = "online" if c.url or c.arxiv_id else "misc"
    out = [f"@{kind}{{{c.key},", "  title = {{" + latex_escape(c.title) + "}}"]
    authors = author_field(c)
    if authors:
        out.append("  author = {" + authors + "}")
    if c.published:
        out.append("  date = {" + c.published.isoformat() + "}")
    if c.arxiv_id:
        out.append("  eprint = {" + c.arxiv_id + "}")
        out.append("  eprinttype = {arxiv}")
    if c.url:
        out.append("  url = {" + c.url + "}")
    else:
        out.append("  howpublished = {Hugging Face Daily Papers}")
    if c.doi:
        out.append("  doi = {" + c.doi + "}")
    if c.extras:
        out.append("  note = {" + latex_escape(c.extras) + "}")
    if c.tags:
        out.append("  keywords = {" + latex_escape(", ".join(c.tags)) + "}")
    if c.abstract:
        out.append("  abstract = {" + latex_escape(c.abstract) + "}")
    if c.note:
        out.append("  annotation = {" + latex_escape(c.note) + "}")
    return out[0] + "\n" + ",\n".join(out[1:]) + "\n}\n"


def write(lib: Papers, ids: Sequence[int], out: TextIO, opts: ExportOptions) -> None:
    write_entries(lib, ids, out, entry_text, NAME)
