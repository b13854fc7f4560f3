"""Run ``python -m app ...`` with a pause at a known point, so a test can SIGKILL it there.

``python -m tests.app.crashpoint REPORT_FD RESUME_FD EVENT:N -- ARG...`` runs the real
command line (``python -m app ARG...``) in this process. It watches the database through
SQLAlchemy's public events and writes one JSON line per event to ``REPORT_FD``:

- ``insert``: a statement inserting into ``papers`` ran (one per insert batch of an import),
  inside the still-open write transaction;
- ``want``: a write transaction asks for SQLite's write lock (``BEGIN IMMEDIATE``);
- ``begin``: ... and has it (``BEGIN IMMEDIATE`` returned);
- ``committing``: a write transaction that inserted papers is about to commit;
- ``commit``: ... and has committed (the data is on disk).

When the N-th event of kind EVENT happens, it reports ``{"paused": ...}`` and blocks until
a line (or end of file) arrives on ``RESUME_FD``: the test kills it there, or lets it go on.
EVENT ``none`` never pauses. Nothing of Paperdesk is replaced; the process only waits.
"""

from __future__ import annotations

import json
import os
import re
import runpy
import sys
import time
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

_PAPERS_INSERT = re.compile(r'\s*INSERT\s+INTO\s+"?papers"?[\s(]', re.IGNORECASE)


class _Watch:
    def __init__(self, report_fd: int, resume_fd: int, spec: str) -> None:
        self.report = os.fdopen(report_fd, "w", buffering=1)
        self.resume_fd = resume_fd
        kind, _, n = spec.partition(":")
        self.pause_kind, self.pause_n = kind, int(n or 1)
        self.counts: dict[str, int] = {}
        self.inserted = False

    def happened(self, kind: str) -> None:
        n = self.counts[kind] = self.counts.get(kind, 0) + 1
        self.say({"event": kind, "n": n, "t": time.time()})
        if (kind, n) == (self.pause_kind, self.pause_n):
            self.say({"paused": kind, "n": n})
            os.read(self.resume_fd, 1)  # blocks: the test kills us here, or writes a line

    def say(self, obj: dict[str, Any]) -> None:
        self.report.write(json.dumps(obj) + "\n")

    def before_execute(self, _conn, _cursor, statement: str, *_args: Any) -> None:
        if statement.strip().upper() == "BEGIN IMMEDIATE":
            self.happened("want")

    def after_execute(self, _conn, _cursor, statement: str, *_args: Any) -> None:
        if _PAPERS_INSERT.match(statement):
            self.inserted = True
            self.happened("insert")
        elif statement.strip().upper() == "BEGIN IMMEDIATE":
            self.happened("begin")

    def committing(self, _conn: Any) -> None:
        if self.inserted:
            self.happened("committing")

    def after_commit(self, _session: Session) -> None:
        if self.inserted:
            self.inserted = False
            self.happened("commit")


def main(argv: list[str]) -> None:
    report_fd, resume_fd, spec, sep, *args = argv
    assert sep == "--", "usage: REPORT_FD RESUME_FD EVENT:N -- ARG..."
    watch = _Watch(int(report_fd), int(resume_fd), spec)
    event.listen(Engine, "before_cursor_execute", watch.before_execute)
    event.listen(Engine, "after_cursor_execute", watch.after_execute)
    event.listen(Engine, "commit", watch.committing)
    event.listen(Session, "after_commit", watch.after_commit)
    sys.argv = ["paperdesk", *args]
    runpy.run_module("app", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
