"""JSON backup: every field, tags (with colours), note, star and read state.

``paperdesk import`` recognises this file (see :mod:`app.importers.backup`) and restores it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from app.export.common import ExportOptions
from app.export.selection import CHUNK, Papers
from app.records import BACKUP_FORMAT_ID, BACKUP_VERSION, PaperRecord

NAME, LABEL, EXTENSION = "json", "JSON (complete backup)", ".json"

FORMAT_ID = BACKUP_FORMAT_ID
VERSION = BACKUP_VERSION


_encode = json.JSONEncoder(ensure_ascii=False).encode  # one encoder, not one per paper


def paper_json(p: PaperRecord) -> dict[str, Any]:
    """DESIGN's paper fields (``PaperRecord.to_json``, their one home); ``added_at`` keeps
    its microseconds so a restore is exact."""
    return p.to_json(exact=True)


def write(lib: Papers, ids: Sequence[int], out: TextIO, opts: ExportOptions) -> None:
    # Streamed paper by paper: the document is never built whole in memory.
    head = {
        "format": FORMAT_ID,
        "version": VERSION,
        "exported_at": opts.moment().isoformat(),
        "title": opts.title,
        "count": len(ids),
    }
    out.write("{\n")
    for key, value in head.items():
        out.write(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n")
    out.write('  "papers": [')
    used: set[str] = set()
    for n, p in enumerate(lib.iter_papers(ids, CHUNK)):
        out.write(",\n    " if n else "\n    ")
        out.write(_encode(paper_json(p)))
        used.update(p.tags)
    out.write("\n  ]," if ids else "],")
    # Tags last: only now is it known which ones the papers carry.
    tags = [
        {"name": t.name, "color": t.color}
        for t in sorted(lib.tags(), key=lambda t: t.name.casefold())
        if t.name in used
    ]
    out.write(f'\n  "tags": {json.dumps(tags, ensure_ascii=False)}\n}}\n')
