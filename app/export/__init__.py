"""Export a selection of papers as Markdown, CSV, JSON, BibTeX, BibLaTeX, CSL-JSON, RIS or
HTML.

One module per format (``to_*.py``), each with ``NAME``, ``LABEL``, ``EXTENSION`` and
``write(lib, ids, out, options)``; :func:`export` picks the papers and writes a file
atomically, or a stream.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

from app.errors import PaperdeskError
from app.export import (
    halves,
    to_biblatex,
    to_bibtex,
    to_csl_json,
    to_csv,
    to_html,
    to_json,
    to_markdown,
    to_ris,
)
from app.export.atomic import ExportError, atomic_write
from app.export.common import ExportOptions
from app.export.selection import Papers, Selection, resolve
from app.records import PaperRecord

__all__ = [
    "FORMATS",
    "ExportError",
    "ExportOptions",
    "ExportResult",
    "Selection",
    "export",
    "format_for_path",
    "resolve",
]

FORMATS: dict[str, ModuleType] = {
    m.NAME: m
    for m in (to_markdown, to_csv, to_json, to_bibtex, to_biblatex, to_csl_json, to_ris, to_html)
}
# Excel opens UTF-8 CSV correctly only with a byte-order mark; other formats go without.
_FILE_ENCODING = {"csv": "utf-8-sig"}


@dataclass(frozen=True)
class ExportResult:
    count: int
    path: Path | None  # None when written to a stream


def export(
    lib: Papers,
    selection: Selection,
    fmt: str,
    dest: str | Path | None = None,
    *,
    stream: TextIO | None = None,
    options: ExportOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ExportResult:
    """Write the papers ``selection`` picks as ``fmt`` to the file ``dest`` (atomically:
    complete or not at all), else to ``stream`` (standard output by default)."""
    module = FORMATS.get(fmt)
    if module is None:
        raise PaperdeskError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    opts = options or ExportOptions()
    ids = resolve(lib, selection)
    # A large entry format's second half is formatted by a worker process: started now,
    # its start-up overlaps the citation keys being made.
    with halves.ahead(lib, ids) if hasattr(module, "entry_text") else nullcontext():
        if getattr(module, "KEYED", False):
            lib.make_citation_keys(ids)  # made once, on first export; records carry them
        if progress is not None and len(ids) >= PROGRESS_MIN:
            lib = _Counting(lib, len(ids), progress)
        if dest is None:
            module.write(lib, ids, stream or sys.stdout, opts)
            return ExportResult(len(ids), None)
        path = atomic_write(
            dest,
            lambda out: module.write(lib, ids, out, opts),
            encoding=_FILE_ENCODING.get(fmt, "utf-8"),
        )
    return ExportResult(len(ids), path)


PROGRESS_MIN = 5_000  # papers: smaller exports are done before a bar could be read


class _Counting:
    """The library, telling ``progress(done, total)`` as the writer reads papers."""

    def __init__(self, lib: Papers, total: int, progress: Callable[[int, int], None]) -> None:
        self._lib, self._total, self._progress, self._done = lib, total, progress, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._lib, name)

    def iter_papers(self, ids: Sequence[int], chunk: int = 2000) -> Iterator[PaperRecord]:
        return self.counted(self._lib.iter_papers(ids, chunk), len(ids))

    def counted(self, papers: Iterator[PaperRecord], n: int | None = None) -> Iterator[PaperRecord]:
        """``papers``, telling the progress as they are read (``n``: how many; default all)."""
        for k, p in enumerate(papers):
            if k % 1000 == 0:
                self._progress(min(self._done + k, self._total), self._total)
            yield p
        self._done += self._total if n is None else n
        self._progress(min(self._done, self._total), self._total)


def format_for_path(path: str | Path) -> str | None:
    """The format a file name's extension implies (``.bib`` → ``bibtex``), if any."""
    suffix = Path(path).suffix.lower()
    aliases = {".markdown": "md", ".htm": "html", ".bibtex": "bibtex", ".txt": None}
    if suffix in aliases:
        return aliases[suffix]
    return next((name for name, m in FORMATS.items() if m.EXTENSION == suffix), None)
