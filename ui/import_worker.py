"""Child process for the window's background import (Qt-free; run by ``ui.import_task``).

``python -m ui.import_worker LIBRARY_DIR [--as-of YYYY-MM-DD] FILE...`` imports the files
one transaction each and prints one JSON line per file, brings the search index up to date,
then prints ``{"done": true}``. SIGTERM
cancels: the file being imported is rolled back (its transaction never commits) and the
rest are skipped. A separate process keeps the parsing's GIL hold out of the window.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from datetime import date
from pathlib import Path


class Cancelled(BaseException):
    """Raised from the SIGTERM handler; BaseException so no ``except Exception`` eats it."""


def _cancel(_signum, _frame) -> None:
    raise Cancelled


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.import_worker")
    parser.add_argument("library")
    parser.add_argument("--as-of", type=date.fromisoformat, default=None)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _cancel)

    from app import Library
    from app.errors import PaperdeskError

    def say(obj: dict) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    try:
        lib = Library.open(Path(args.library))
    except PaperdeskError as exc:
        say({"error": str(exc)})
        return 2
    try:
        papers = 0
        for i, name in enumerate(args.files):
            say({"start": i, "of": len(args.files), "path": name, "papers": papers})

            def read(k: int, i=i, name=name, before=papers) -> None:
                say({"papers": before + k, "start": i, "of": len(args.files), "path": name})

            result = lib.import_file(Path(name), as_of=args.as_of, progress=read)
            papers += result.new + result.merged + result.unchanged
            say({"file": i, "of": len(args.files), "result": result.to_json()})
        cancelled = False
    except Cancelled:
        cancelled = True
    try:
        # What was committed stays and is searchable, cancelled or not: the index catches
        # up with the feed here (in this process, not the window), and a second Cancel
        # does not interrupt it (an index left half-built costs the next search dearly).
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        say({"indexing": True})
        lib.index.sync()
        say({"cancelled": True} if cancelled else {"done": True})
        return 1 if cancelled else 0
    finally:
        try:
            lib.close()
        except Cancelled:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
