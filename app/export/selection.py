"""Which papers an export holds, and reading them back in bounded chunks."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TextIO

from app.errors import PaperdeskError
from app.records import PaperRecord, TagInfo
from app.store.filters import PaperFilter

CHUNK = 2000  # papers held in memory at once while writing


class Papers(Protocol):
    """What an export reads of a library: the facade has it, and services never import the
    facade (the arrows point down)."""

    def require(self, ids: Sequence[int]) -> list[int]: ...

    def paper_ids(
        self, flt: PaperFilter | None = ..., sort: str = ..., descending: bool = ...
    ) -> list[int]: ...

    def count(self, flt: PaperFilter | None = ...) -> int: ...

    def tag_id(self, name: str) -> int: ...

    def tags(self) -> list[TagInfo]: ...

    def search(self, query: str, limit: int = ...) -> Any: ...

    def iter_papers(self, ids: Sequence[int], chunk: int = ...) -> Iterator[PaperRecord]: ...

    def make_citation_keys(self, ids: Sequence[int]) -> None: ...


@dataclass(frozen=True)
class Selection:
    """An export's scope. ``ids`` (explicit papers) wins; otherwise tags (any/all), the
    starred flag, a sidebar filter and a search query combine with AND."""

    ids: tuple[int, ...] | None = None
    tags: tuple[str, ...] = ()
    match: str = "all"
    starred: bool = False
    query: str | None = None
    view: PaperFilter | None = field(default=None)
    sort: str = "published"
    descending: bool = True


def resolve(lib: Papers, sel: Selection) -> list[int]:
    """The ids ``sel`` selects, in export order. Unknown tags raise ``UnknownTag``."""
    if sel.ids is not None:
        return lib.require(sel.ids)
    ids = lib.paper_ids(_filter(lib, sel), sort=sel.sort, descending=sel.descending)
    if sel.query and sel.query.strip():
        hits = search_ids(lib, sel.query)
        rank = {pid: i for i, pid in enumerate(hits)}
        # Keep the search's ranking: a query export is a list of the best matches first.
        ids = sorted((i for i in ids if i in rank), key=rank.__getitem__)
    return ids


def count(lib: Papers, sel: Selection) -> int:
    """How many papers ``sel`` exports: one SQL count unless a search query is involved."""
    if sel.ids is not None:
        return len(lib.require(sel.ids))
    if sel.query and sel.query.strip():
        return len(resolve(lib, sel))
    return lib.count(_filter(lib, sel))


def _filter(lib: Papers, sel: Selection) -> PaperFilter:
    if sel.match not in ("any", "all"):
        raise PaperdeskError(f"unknown match {sel.match!r}; use 'any' or 'all'")
    for name in sel.tags:
        lib.tag_id(name)  # an unknown tag is a mistake, not an empty export
    if sel.view is not None:
        flt = sel.view
    else:
        flt = PaperFilter(tags=tuple(sel.tags), match=sel.match)
    return replace(flt, starred=True) if sel.starred else flt


def search_ids(lib: Papers, query: str) -> list[int]:
    """Every paper id the search index finds for ``query``, best first (the limit is the
    library's size, so no hit is cut off)."""
    return [hit.paper_id for hit in lib.search(query, limit=max(1, lib.count())).hits]


def iter_papers(lib: Papers, ids: Sequence[int], chunk: int = CHUNK) -> Iterator[PaperRecord]:
    """Records for ``ids`` in order, ``chunk`` at a time, as one consistent snapshot."""
    return lib.iter_papers(ids, chunk)


def iter_cited(lib: Papers, ids: Sequence[int], chunk: int = CHUNK) -> Iterator[PaperRecord]:
    """Like :func:`iter_papers`, with only the fields a citation uses (the citation formats'
    reader: ``app.export.reader``); a library without a store reads full records."""
    counted = getattr(lib, "counted", None)
    store = getattr(lib, "store", None)
    if store is None:
        return lib.iter_papers(ids, chunk)
    from app.export.reader import cited_records

    it = cited_records(store, ids, chunk)
    return counted(it) if callable(counted) else it


def write_entries(
    lib: Papers,
    ids: Sequence[int],
    out: TextIO,
    entry: Callable[[PaperRecord], str],
    fmt: str | None = None,
    sep: str = "\n",
) -> None:
    """``sep``.join(one text entry per paper), written :data:`CHUNK` at a time. With
    ``fmt`` (whose module's ``entry_text`` is ``entry``), a large export is formatted by
    two processes (:mod:`app.export.halves`); the text is the same."""

    def part(lib: Papers, ids: Sequence[int], out: Any) -> bool:
        buffer: list[str] = []
        gap = ""  # exactly sep.join(every entry), however the chunks fall
        for p in iter_cited(lib, ids):
            buffer.append(entry(p))
            if len(buffer) >= CHUNK:
                out.write(gap + sep.join(buffer))
                buffer.clear()
                gap = sep
        if buffer:
            out.write(gap + sep.join(buffer))
            gap = sep
        return bool(gap)

    if fmt is None:
        part(lib, ids, out)
        return
    from app.export.halves import write_joined

    write_joined(lib, ids, out, fmt, sep, part)
