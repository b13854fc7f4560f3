"""Write a file all at once or not at all: a temporary file beside it, then a rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from app.errors import PaperdeskError


class ExportError(PaperdeskError):
    """The export could not be written; nothing was left behind."""


def atomic_write(
    dest: str | Path, fill: Callable[[TextIO], None], *, encoding: str = "utf-8"
) -> Path:
    """Call ``fill(stream)`` on a temporary file in ``dest``'s folder, then rename it over
    ``dest``. On any failure the temporary file is removed and ``dest`` is untouched."""
    dest = Path(dest).expanduser()
    if dest.is_dir():
        raise ExportError(f"{dest}: is a folder; give a file name to export to")
    folder = dest.parent
    if not folder.is_dir():
        raise ExportError(f"{dest}: cannot write the export: the folder {folder} does not exist")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise ExportError(f"{dest}: cannot write the export: {_reason(exc)}") from None
    tmp = Path(tmp_name)
    try:
        # newline="" so each writer decides its own line endings (CSV wants CRLF).
        with os.fdopen(fd, "w", encoding=encoding, newline="") as stream:
            fill(stream)
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp makes the file private (0600); give it the usual permissions.
        os.chmod(tmp, _default_mode())
        os.replace(tmp, dest)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"{dest}: cannot write the export: {_reason(exc)}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__
