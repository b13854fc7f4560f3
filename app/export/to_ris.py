"""RIS for reference managers, written with rispy: TY, TI, AB, one KW per tag, N1 for the
note, PY/DA, UR."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

import rispy
from rispy.writer import RisWriter

from app.export.common import ExportOptions, one_line, safe_url
from app.export.selection import CHUNK, Papers, iter_papers
from app.records import PaperRecord

NAME, LABEL, EXTENSION = "ris", "RIS (Zotero, EndNote, Mendeley)", ".ris"


class _Writer(RisWriter):
    """rispy's writer without its ``1.``, ``2.`` counter lines, which are not RIS."""

    def set_header(self, count: int) -> str:  # type: ignore[override]
        return ""


def reference(p: PaperRecord) -> dict[str, Any]:
    # RIS is one value per line: titles and abstracts are flattened to one line; the note
    # keeps its lines as successive N1 values (a lone line could otherwise end the record).
    ref: dict[str, Any] = {"type_of_reference": "GEN", "title": one_line(p.title)}
    if p.abstract:
        ref["abstract"] = one_line(p.abstract)
    if p.tags:
        ref["keywords"] = list(p.tags)
    if p.note:
        ref["notes"] = p.note.splitlines()
    if p.published:
        ref["year"] = str(p.published.year)
        ref["date"] = p.published.strftime("%Y/%m/%d")
    url = safe_url(p.url)
    if url:
        ref["urls"] = [url]
    ref["id"] = f"paperdesk-{p.id}"
    return ref


# rispy's tag for each key :func:`reference` uses (its default mapping).
_TAGS = {
    "title": "TI",
    "abstract": "AB",
    "keywords": "KW",
    "notes": "N1",
    "year": "PY",
    "date": "DA",
    "urls": "UR",
    "id": "ID",
}
RISPY_WRITER_MAX = 5_000  # papers; up to here rispy itself writes the file


def reference_text(p: PaperRecord) -> str:
    """Exactly what rispy writes for :func:`reference` (a test holds them equal), built
    directly: rispy's line-by-line writer costs ~1.5 s per 100,000 papers, more than the
    5 s target can afford. Used for large exports only."""
    lines = ["TY  - GEN"]
    for key, value in reference(p).items():
        if key == "type_of_reference":
            continue
        tag = _TAGS[key]
        if isinstance(value, list):
            lines += [f"{tag}  - {v}" for v in value]
        else:
            lines.append(f"{tag}  - {value}")
    lines.append("ER  - ")
    return "\n".join(lines) + "\n"


def write(lib: Papers, ids: Sequence[int], out: TextIO, opts: ExportOptions) -> None:
    if len(ids) <= RISPY_WRITER_MAX:  # a reading list: rispy writes it
        rispy.dump([reference(p) for p in iter_papers(lib, ids)], out, implementation=_Writer)
        return
    buffer: list[str] = []
    first = True
    for p in iter_papers(lib, ids):
        buffer.append(reference_text(p))
        if len(buffer) >= CHUNK:
            out.write(("" if first else "\n") + "\n".join(buffer))
            buffer.clear()
            first = False
    if buffer:
        out.write(("" if first else "\n") + "\n".join(buffer))
