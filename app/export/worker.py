"""The export worker (``python -m app.export.worker``, started by :mod:`app.export.halves`):
a job in JSON on stdin (the library's file, the format, the paper ids, the separator, the
output file); the entries of those papers, joined, in that file. Exit 2 on any failure
(its parent then formats those papers itself)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

from app.export import FORMATS
from app.export.selection import write_entries
from app.store.store import Store


def main() -> int:
    """The worker: a job (JSON on stdin) in, its part's text in the job's file."""
    try:
        job = json.loads(sys.stdin.buffer.read())
        store = Store(Path(job["db"]))
        try:
            with open(job["out"], "w", encoding="utf-8", newline="") as out:
                # The citation reader needs only the store; no ``fmt``: no further split.
                papers = SimpleNamespace(store=store)
                entry = FORMATS[job["fmt"]].entry_text
                write_entries(papers, job["ids"], out, entry, sep=job["sep"])  # type: ignore[arg-type]
        finally:
            store.close()
    except Exception as exc:  # noqa: BLE001 — the parent formats these papers itself
        print(f"export worker: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
