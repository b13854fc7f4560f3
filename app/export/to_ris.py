"""RIS for reference managers, written with rispy: TY, TI, AB, one KW per tag, N1 for the
note, PY/DA, UR."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

import rispy
from rispy.writer import RisWriter

from app.export.common import ExportOptions, one_line, safe_url
from app.export.selection import CHUNK, iter_papers
from app.records import PaperRecord

if TYPE_CHECKING:
    from app.library import Library

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


def write(lib: Library, ids: Sequence[int], out: TextIO, opts: ExportOptions) -> None:
    batch: list[dict[str, Any]] = []
    for p in iter_papers(lib, ids):
        batch.append(reference(p))
        if len(batch) >= CHUNK:
            _flush(batch, out)
    _flush(batch, out)


def _flush(batch: list[dict[str, Any]], out: TextIO) -> None:
    if batch:
        # rispy writes line by line; into memory first, then one write per chunk.
        buffer = io.StringIO()
        rispy.dump(batch, buffer, implementation=_Writer)
        out.write(buffer.getvalue())
        batch.clear()
