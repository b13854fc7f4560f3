"""CSL-JSON (pandoc ``--citeproc``, citeproc-py, Zotero): ``type: article``, ``number:
arXiv:<id>``, ``publisher: arXiv``, ``DOI``, ``URL``, ``issued`` date-parts, authors as
``{family, given}`` or ``{literal}``; organisation, upvotes and comments in ``note``."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, TextIO

import orjson

from app.export.citation import Citation, citation
from app.export.common import ExportOptions
from app.export.names import Name
from app.export.selection import Papers, write_entries
from app.records import PaperRecord

NAME, LABEL, EXTENSION = "csl-json", "CSL-JSON (Pandoc, Zotero)", ".json"
KEYED = True


def _encode(item: dict[str, Any]) -> str:
    # orjson: UTF-8 kept, ~10x the standard encoder; it never shares or alters the item.
    return orjson.dumps(item).decode()


def csl_name(n: Name) -> dict[str, str]:
    if n.family is None:
        return {"literal": n.literal}
    out = {"family": n.family, "given": n.given}
    if n.suffix:
        out["suffix"] = n.suffix
    return out


@lru_cache(maxsize=100_000)  # names repeat across papers; Name is frozen
def _name_json(n: Name) -> orjson.Fragment:
    return orjson.Fragment(orjson.dumps(csl_name(n)))


def item_of(c: Citation, fast: bool = False) -> dict[str, Any]:
    """``c`` as a CSL item; ``fast``: the names as pre-encoded JSON (for orjson only)."""
    item: dict[str, Any] = {"id": c.key, "citation-key": c.key, "type": "article"}
    item["title"] = c.title
    if c.names:
        make = _name_json if fast else csl_name
        item["author"] = [make(n) for n in c.names]
    if c.published:
        d = c.published
        item["issued"] = {"date-parts": [[d.year, d.month, d.day]]}
    if c.arxiv_id:
        item["number"] = f"arXiv:{c.arxiv_id}"
        item["publisher"] = "arXiv"
    if c.doi:
        item["DOI"] = c.doi
    if c.url:
        item["URL"] = c.url
    if c.extras:
        item["note"] = c.extras
    if c.tags:
        item["keyword"] = ", ".join(c.tags)
    if c.abstract:
        item["abstract"] = c.abstract
    return item


def item(p: PaperRecord) -> dict[str, Any]:
    return item_of(citation(p))


def entry_text(p: PaperRecord) -> str:
    """One item, as JSON on one line."""
    return _encode(item_of(citation(p), True))


def write(lib: Papers, ids: Sequence[int], out: TextIO, opts: ExportOptions) -> None:
    # Streamed item by item: the document is never built whole in memory.
    out.write("[\n  " if ids else "[")
    write_entries(lib, ids, out, entry_text, NAME, sep=",\n  ")
    out.write("\n]\n" if ids else "]\n")
