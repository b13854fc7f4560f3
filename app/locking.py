"""One window per library: an OS file lock held for the window's life.

The command line does not take it: its writes are short transactions that wait on
SQLite's busy timeout, so it works while the window is open. A lock held by a process
that crashed is released by the OS, so a stale lock can never shut the user out.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO

from app.errors import LibraryError

LOCK_NAME = "window.lock"

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


class WindowLock:
    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK_NAME
        self._fh: IO[str] | None = None

    def acquire(self) -> WindowLock:
        """Take the lock or raise :class:`LibraryError` naming the holder."""
        fh = self._open()
        try:
            if fcntl is not None:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            else:  # pragma: no cover - Windows
                import msvcrt

                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise LibraryError(
                f"{self.path.parent}: this library is already open in another Paperdesk "
                f"window ({holder}); switch to that window or close it first"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        self._fh = fh
        return self

    def _open(self) -> IO[str]:
        """The lock file, never through a symbolic link (that would truncate whatever the
        link points at) and only if it is a regular file."""
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(self.path, flags, 0o644)
        except OSError as exc:
            if self.path.is_symlink():
                raise LibraryError(
                    f"{self.path}: is a symbolic link, not Paperdesk's lock file; remove it "
                    "and open the library again"
                ) from None
            raise LibraryError(
                f"{self.path}: cannot open the window's lock file: {exc.strerror or exc}"
            ) from None
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
            os.close(fd)
            raise LibraryError(
                f"{self.path}: is not a regular file of its own (a special file or a hard "
                "link), not Paperdesk's lock file; remove it and open the library again"
            )
        return open(fd, "r+", encoding="utf-8")  # noqa: SIM115  held for the window's life

    def release(self) -> None:
        if self._fh is not None:
            self._fh.close()  # closing the file drops the lock
            self._fh = None

    def __enter__(self) -> WindowLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
