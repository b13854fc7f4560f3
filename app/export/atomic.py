"""Write a file all at once or not at all: a temporary file beside it, then a rename.

What may be at the destination: nothing, or a regular file — replaced, keeping its
permissions. A symbolic link is written *through*: the file it points at is replaced (in
its own folder), so the user's link keeps working; a link to nothing, a folder, a device
or a FIFO is refused. The temporary file ``.NAME.*.part`` is locked while written, so a
later export removes the ones a killed export left behind (and only those).
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from app.errors import PaperdeskError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


class ExportError(PaperdeskError):
    """The export could not be written; nothing was left behind."""


def atomic_write(
    dest: str | Path, fill: Callable[[TextIO], None], *, encoding: str = "utf-8"
) -> Path:
    """Call ``fill(stream)`` on a temporary file in ``dest``'s folder, then rename it over
    ``dest``. On any failure the temporary file is removed and ``dest`` is untouched.
    Returns the path written (a symbolic link's target)."""
    given = Path(dest).expanduser()
    dest, mode = _destination(given)
    folder = dest.parent
    if not folder.is_dir():
        raise ExportError(f"{given}: cannot write the export: the folder {folder} does not exist")
    _remove_stale_parts(folder, dest.name)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise ExportError(f"{given}: cannot write the export: {_reason(exc)}") from None
    tmp = Path(tmp_name)
    try:
        if fcntl is not None:  # held while writing: marks the file as in use, not stale
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # newline="" so each writer decides its own line endings (CSV wants CRLF).
        with os.fdopen(fd, "w", encoding=encoding, newline="") as stream:
            fill(stream)
            stream.flush()
            os.fsync(stream.fileno())
            # mkstemp makes the file private (0600): an existing file keeps its mode, a
            # new one gets the usual permissions.
            os.fchmod(stream.fileno(), mode)
            os.replace(tmp, dest)  # while still locked: never seen as stale
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"{given}: cannot write the export: {_reason(exc)}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest


def _destination(path: Path) -> tuple[Path, int]:
    """The file to replace and the mode to give it; refuses what is not a file."""
    target = path
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            raise ExportError(
                f"{path}: is a symbolic link to nothing; give the path of a file to export to"
            ) from None
    try:
        info = target.stat()
    except FileNotFoundError:
        return target, _default_mode()
    except OSError as exc:
        raise ExportError(f"{path}: cannot write the export: {_reason(exc)}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ExportError(f"{path}: is a folder; give a file name to export to")
    if not stat.S_ISREG(info.st_mode):
        kind = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "a device or special file"
        raise ExportError(
            f"{path}: is {kind}, not a regular file; export to a file (or to standard output)"
        )
    return target, stat.S_IMODE(info.st_mode)


def _remove_stale_parts(folder: Path, name: str) -> None:
    """Remove ``.NAME.*.part`` files no export holds locked any more (killed exports)."""
    if fcntl is None:  # pragma: no cover - Windows
        return
    for part in folder.glob(f".{_glob_escape(name)}.*.part"):
        try:
            fd = os.open(part, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                continue
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # locked: an export is writing it right now
        else:
            part.unlink(missing_ok=True)
        finally:
            os.close(fd)


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__
