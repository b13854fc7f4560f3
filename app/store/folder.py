"""The library folder on disk: the files Paperdesk keeps there, and the checks made before a
library is opened (so a mistyped, emptied or tampered folder is one clear line, never a new
empty library over the user's papers)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError

from app.errors import LibraryError
from app.store.store import DB_NAME
from db.engine import current_revision

MAX_NOTE_BYTES = 10 * 2**20
INDEX_FOLDER = "index"
# Files Paperdesk (or SQLite for it) creates and writes in the library folder.
OWN_FILES = (
    f"{DB_NAME}-wal",
    f"{DB_NAME}-shm",
    f"{DB_NAME}-journal",
    "index.lock",
    "window.lock",
)


def check_note(text: str) -> None:
    """A note is text of at most 10 MB; else one clear line and nothing is written."""
    if len(text) > MAX_NOTE_BYTES // 4 and len(text.encode("utf-8", "surrogatepass")) > (
        MAX_NOTE_BYTES
    ):
        raise LibraryError(
            f"the note is too large ({len(text.encode('utf-8', 'surrogatepass')) // 2**20} MB);"
            f" a note is at most {MAX_NOTE_BYTES // 2**20} MB"
        )
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise LibraryError("the note is not valid text (it holds bytes that are not UTF-8)")


def check_folder(folder: Path, create: bool) -> None:
    """The folder exists (created if ``create``) and is writable; else one clear line.
    Without ``create`` (reading and maintenance commands) it must already hold a library
    (or what is left of one, so that an emptied database can point at its backups)."""
    if folder.exists() and not folder.is_dir():
        raise LibraryError(f"{folder}: is a file, not a library folder")
    lived = (folder / INDEX_FOLDER).is_dir() or (folder / "backups").is_dir()
    if not create and not (folder / DB_NAME).exists() and not lived:
        raise LibraryError(
            f"{folder}: no library there (not a Paperdesk library: no {DB_NAME}); check the "
            f"path — 'paperdesk --library {folder} import FILE' creates one"
        )
    if (folder / INDEX_FOLDER).is_symlink():
        raise LibraryError(
            f"{folder / INDEX_FOLDER}: is a symbolic link; the search index must be a "
            "folder of the library itself (remove the link: the index is rebuilt)"
        )
    for name in OWN_FILES:  # opened for writing by SQLite or a lock: never through a link
        if (folder / name).is_symlink():
            raise LibraryError(
                f"{folder / name}: is a symbolic link where Paperdesk keeps a file of its own; "
                "remove the link and open the library again"
            )
    if not folder.exists():
        if not create:
            raise LibraryError(f"{folder}: no library there")
        try:
            folder.mkdir(parents=True)
        except OSError as exc:
            raise LibraryError(
                f"{folder}: cannot create the library folder: {exc.strerror}"
            ) from None
    # SQLite in WAL mode writes beside the database even to read it: say so plainly
    # rather than fail later with "attempt to write a readonly database".
    if not os.access(folder, os.W_OK | os.X_OK) or (
        (folder / DB_NAME).exists() and not os.access(folder / DB_NAME, os.W_OK)
    ):
        raise LibraryError(
            f"{folder}: the library folder is read-only; Paperdesk needs to write there "
            "(fix its permissions, or copy the library to a writable folder)"
        )


def check_database(path: Path, engine: Any, backups_folder: Path) -> None:
    """Refuse a database that was emptied, deleted or replaced by a file that is not a
    library (no schema) when the folder shows a library lived there (an index, backups):
    opening it would start a new, empty library over the user's papers."""
    db_file = path / DB_NAME
    folder = backups_folder
    backups = sorted(folder.glob("library-*.sqlite")) if folder.is_dir() else []
    lived = (path / INDEX_FOLDER).is_dir() or bool(backups)
    if not lived:
        return
    if not db_file.exists():
        what = "is missing"
    elif db_file.stat().st_size == 0:
        what = "is empty"
    else:
        try:
            if current_revision(engine) is not None:
                return
        except (DBAPIError, sqlite3.Error) as exc:
            if "not a database" not in str(exc) and "malformed" not in str(exc):
                return  # e.g. locked: upgrade() says so
        what = "is not a Paperdesk database"
    newest = f" (newest: {backups[-1].name})" if backups else ""
    raise LibraryError(
        f"{db_file}: {what}, but this folder held a library (its search index or backups "
        f"are here); restore a copy from {backups_folder}{newest} (see README, "
        "'Reliability'), or remove the index and backups folders to start a new library"
    )
