"""A large citation export written by two processes: this one formats the first part of
the papers while a worker process (``python -m app.export.worker``) formats the rest into
a temporary file; the worker's text is then copied in after this one's.

Formatting entries is pure Python, so a second thread would wait on the GIL; a second
process uses the machine's other core. Each part is read in its own snapshot. Anything
wrong with the worker (it cannot start, fails, or is killed) costs only time: this process
then formats the worker's papers itself, so the output is always the same text.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TextIO

_log = logging.getLogger(__name__)
MIN_PAPERS = 20_000  # below this, starting a process costs more than it saves
# The worker's share. It starts as the export begins (``ahead``), so its half a second of
# imports overlaps the citation keys; measured at 100,000 papers, both halves then finish
# within 0.1 s of each other at 0.5, and 0.55 makes the worker the later one.
WORKER_SHARE = 0.5
COPY_BLOCK = 1 << 20


def _db_file(lib: Any) -> str | None:
    """The library's SQLite file, when the export reads one (a team library's server, a
    stand-in without a store: None)."""
    store = getattr(lib, "store", None)
    if store is None or getattr(store, "is_team", False):
        return None
    return str(store.db_path)


def split(lib: Any, ids: Sequence[int]) -> tuple[Sequence[int], Sequence[int], str | None]:
    """``(mine, the worker's, the database)``; the worker's is empty when not worth it."""
    db = _db_file(lib)
    if db is None or len(ids) < MIN_PAPERS or (os.cpu_count() or 1) < 2:
        return ids, [], None
    cut = len(ids) - int(len(ids) * WORKER_SHARE)
    return ids[:cut], ids[cut:], db


class Worker:
    """The worker process, started at once (its imports take about half a second); it
    waits for :meth:`send` to say which papers to format, in which format, into a
    temporary file."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="paperdesk-export-")
        self.path = Path(self._dir.name) / "part.txt"
        self.sent = False
        try:
            self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "-m", "app.export.worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:
            _log.warning("export worker not started: %s", exc)
            self._proc = None

    def send(self, db: str, fmt: str, ids: Sequence[int], sep: str) -> None:
        self.sent = True
        if self._proc is None or self._proc.stdin is None:
            return
        job = {"db": db, "fmt": fmt, "ids": list(ids), "sep": sep, "out": str(self.path)}
        try:
            self._proc.stdin.write(json.dumps(job).encode())
            self._proc.stdin.close()
        except OSError:  # it died already: wait() says so
            pass
        self._proc.stdin = None  # sent: communicate() then only reads stderr

    def wait(self) -> bool:
        """True when the worker wrote its whole part."""
        if self._proc is None:
            return False
        _out, err = self._proc.communicate()
        if self._proc.returncode != 0:
            _log.warning(
                "export worker failed (%s): %s", self._proc.returncode, err.decode()[-300:]
            )
        return self._proc.returncode == 0

    def copy_to(self, out: TextIO) -> None:
        raw = getattr(out, "buffer", None)
        if raw is not None and (getattr(out, "encoding", "") or "").lower() in ("utf-8", "utf8"):
            # A UTF-8 file: the worker's bytes as they are, without decoding and encoding.
            out.flush()
            with open(self.path, "rb") as part:
                shutil.copyfileobj(part, raw, COPY_BLOCK)
            return
        with open(self.path, encoding="utf-8", newline="") as part:
            while block := part.read(COPY_BLOCK):
                out.write(block)

    def close(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.communicate()
        self._dir.cleanup()


_ahead: ContextVar[Worker | None] = ContextVar("paperdesk_export_worker", default=None)


@contextmanager
def ahead(lib: Any, ids: Sequence[int]) -> Iterator[None]:
    """Start the worker now, if this export will have one, so that its imports overlap
    what comes before the writing (making citation keys); :func:`write_joined` uses it."""
    worker = Worker() if split(lib, ids)[1] else None
    token = _ahead.set(worker)
    try:
        yield
    finally:
        _ahead.reset(token)
        if worker is not None:
            worker.close()


def write_joined(
    lib: Any,
    ids: Sequence[int],
    out: TextIO,
    fmt: str,
    sep: str,
    write_part: Callable[[Any, Sequence[int], Any], bool],
) -> None:
    """Write ``sep``.join(every entry of ``ids``): ``write_part(lib, ids, out)`` writes one
    part's entries joined (True when it wrote any); a worker does the second part."""
    mine, theirs, db = split(lib, ids)
    if not theirs or db is None:
        write_part(lib, ids, out)
        return
    started = _ahead.get()
    own = started is None or started.sent  # none started ahead, or it is taken: a new one
    worker = Worker() if started is None or own else started
    try:
        worker.send(db, fmt, theirs, sep)
        wrote = write_part(lib, mine, out)
        if worker.wait():
            if wrote and worker.path.stat().st_size:
                out.write(sep)
            worker.copy_to(out)
            counted = getattr(lib, "counted", None)
            if callable(counted):  # the progress bar: the worker's papers are done too
                for _ in counted(iter(()), len(theirs)):
                    pass
        else:
            # Whatever happened to the worker, the file is the same: format them here.
            rest = _Lead(out, sep if wrote else "")
            write_part(lib, theirs, rest)
    finally:
        if own:
            worker.close()


class _Lead:
    """``out``, writing ``lead`` before the first text (if any text comes)."""

    def __init__(self, out: TextIO, lead: str) -> None:
        self._out, self._lead = out, lead

    def write(self, text: str) -> int:
        if text and self._lead:
            self._out.write(self._lead)
            self._lead = ""
        return self._out.write(text)
