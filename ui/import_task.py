"""Background import for the window: a child process, progress by file, Cancel, a summary."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, Signal

from app.records import FileResult, ImportReport


class ImportTask(QObject):
    """Imports ``files`` into the library at ``library_dir`` in ``python -m ui.import_worker``.

    Parsing and inserting 10,000 papers is pure Python that would hold the GIL for seconds;
    in a separate process the window's event loop never waits for it. The window learns of
    the new papers through the change feed, like any other process's changes.
    """

    progress = Signal(int, int, str)  # files done, files in all, the file being read
    papers = Signal(int)  # papers read so far (every file, a big one batch by batch)
    indexing = Signal()  # the files are in; the search index is catching up
    finished = Signal(object)  # ImportReport (partial when cancelled)
    failed = Signal(str)  # one line: why the import could not run at all

    def __init__(
        self,
        library_dir: Path,
        files: Sequence[str | Path],
        as_of: date | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.files = [str(f) for f in files]
        self.report = ImportReport()
        self.cancelled = False
        self.progress_seen = False  # the worker has started reading files
        self._error: str | None = None
        self._buffer = b""
        self._proc = QProcess(self)
        self._proc.setProgram(sys.executable)
        args = ["-m", "ui.import_worker", str(library_dir)]
        if as_of is not None:
            args += ["--as-of", as_of.isoformat()]
        self._proc.setArguments([*args, "--", *self.files])
        self._proc.readyReadStandardOutput.connect(self._read)
        self._proc.finished.connect(self._finished)
        self._proc.errorOccurred.connect(self._error_occurred)

    def start(self) -> None:
        self.progress.emit(0, len(self.files), self.files[0] if self.files else "")
        self._proc.start()

    def cancel(self) -> None:
        """Stop after rolling back the file in progress (SIGTERM; the worker handles it)."""
        if self._proc.state() != QProcess.ProcessState.NotRunning:
            self.cancelled = True
            self._proc.terminate()

    def is_running(self) -> bool:
        return self._proc.state() != QProcess.ProcessState.NotRunning

    def wait(self, msecs: int = 30_000) -> bool:
        return self._proc.waitForFinished(msecs)

    def _read(self) -> None:
        self._buffer += bytes(self._proc.readAllStandardOutput().data())
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if "papers" in msg:
                self.papers.emit(int(msg["papers"]))
            if "indexing" in msg:
                self.indexing.emit()
            elif "start" in msg:
                self.progress_seen = True
                self.progress.emit(msg["start"], msg["of"], msg["path"])
            elif "file" in msg:
                r = msg["result"]
                self.report.files.append(
                    FileResult(
                        path=r["path"],
                        status=r["status"],
                        new=r["new"],
                        merged=r["merged"],
                        unchanged=r["unchanged"],
                        skipped=r["skipped"],
                        reason=r["reason"],
                        enriched=r.get("enriched", 0),
                        form=r.get("form"),
                    )
                )
                self.progress.emit(msg["file"] + 1, msg["of"], r["path"])
            elif "error" in msg:
                self._error = msg["error"]

    def _error_occurred(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self.failed.emit(f"the import could not start: {self._proc.errorString()}")

    def _finished(self, code: int, _status: QProcess.ExitStatus) -> None:
        self._read()
        if self._error:
            self.failed.emit(self._error)
        elif code not in (0, 1) and not self.cancelled:
            err = bytes(self._proc.readAllStandardError().data()).decode("utf-8", "replace")
            last = next((ln for ln in reversed(err.splitlines()) if ln.strip()), "")
            self.failed.emit(f"the import stopped unexpectedly: {last or f'exit code {code}'}")
        else:
            self.finished.emit(self.report)
