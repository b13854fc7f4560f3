"""RIS for reference managers, mapped as Zotero's RIS translator reads it: ``TY - UNPB``
(an unpublished work: a preprint), one ``AU`` per author (``Family, Given``), ``TI``,
``PY``/``DA``, ``AB``, one ``KW`` per tag, ``DB - arXiv`` (the library catalogue),
``AN - arXiv:<id>`` (the archive id), ``PB - arXiv``, ``DO``, ``UR``, ``N1`` notes (the
organisation, upvotes and comments first, then the note's lines), ``ID`` the citation key.

RIS is one value per line: every value is flattened to one line and URLs carry no
whitespace, so no text can end a record (``ER  -``) or start another. rispy reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from app.export.citation import citation
from app.export.common import ExportOptions
from app.export.selection import Papers, write_entries
from app.records import PaperRecord

NAME, LABEL, EXTENSION = "ris", "RIS (Zotero, EndNote, Mendeley)", ".ris"
KEYED = True


def _flat(text: str) -> str:
    if text.isprintable() and text == text.strip():
        return text
    return " ".join(text.split())


def reference_text(p: PaperRecord) -> str:
    c = citation(p)
    lines = ["TY  - UNPB", f"TI  - {c.title}"]
    for n in c.names:
        who = n.literal if n.family is None else f"{n.family}, {n.given}"
        if n.family is not None and n.suffix:
            who += f", {n.suffix}"
        lines.append(f"AU  - {_flat(who)}")
    if c.published:
        lines.append(f"PY  - {c.published.year}")
        lines.append(f"DA  - {c.published:%Y/%m/%d}")
    if c.abstract:
        lines.append(f"AB  - {_flat(c.abstract)}")
    lines += [f"KW  - {_flat(t)}" for t in c.tags]
    if c.extras:
        lines.append(f"N1  - {c.extras}")
    if c.note:
        lines += [f"N1  - {_flat(line)}" for line in c.note.splitlines() if line.strip()]
    if c.arxiv_id:
        lines += ["DB  - arXiv", f"AN  - arXiv:{c.arxiv_id}", "PB  - arXiv"]
    if c.doi:
        lines.append(f"DO  - {c.doi}")
    if c.url:
        lines.append(f"UR  - {c.url}")
    lines.append(f"ID  - {c.key}")
    lines.append("ER  - ")
    return "\n".join(lines) + "\n"


entry_text = reference_text  # the name every entry format's module gives it


def write(lib: Papers, ids: Sequence[int], out: TextIO, opts: ExportOptions) -> None:
    write_entries(lib, ids, out, reference_text, NAME)
