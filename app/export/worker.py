"""The export worker (``python -m app.export.worker``, started by :mod:`app.export.halves`):
a job in JSON on stdin (the library's file, the format, the paper ids, the separator, the
output file); the entries of those papers, joined, in that file. Exit 2 on any failure
(its parent then formats those papers itself)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from app.export import FORMATS
from app.export.reader import cited_records
from app.export.selection import CHUNK
from app.store.store import Store


def _entries(db: str, fmt: str, ids: Sequence[int]) -> Iterator[str]:
    store = Store(Path(db))
    try:
        entry = FORMATS[fmt].entry_text
        for p in cited_records(store, ids, CHUNK):
            yield entry(p)
    finally:
        store.close()


def main() -> int:
    """The worker: a job (JSON on stdin) in, its part's text in the job's file."""
    try:
        job = json.loads(sys.stdin.buffer.read())
        sep = job["sep"]
        with open(job["out"], "w", encoding="utf-8", newline="") as out:
            buffer: list[str] = []
            first = True
            for text in _entries(job["db"], job["fmt"], job["ids"]):
                buffer.append(text)
                if len(buffer) >= CHUNK:
                    out.write(("" if first else sep) + sep.join(buffer))
                    buffer.clear()
                    first = False
            if buffer:
                out.write(("" if first else sep) + sep.join(buffer))
    except Exception as exc:  # noqa: BLE001 — the parent formats these papers itself
        print(f"export worker: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
