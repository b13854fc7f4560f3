"""Keeping a library healthy: integrity checks, repair of derived data, backups."""

from __future__ import annotations

import os
import re
import sqlite3
import stat
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from app.errors import LibraryError
from app.records import utcnow
from app.store.store import Store
from db import Meta, read_session, write_session
from db.engine import backup_to, database_checks

BACKUPS_KEPT = 7
DAILY = timedelta(days=1)
# Our own temporary files, by their exact names: nothing else in the folder is ever removed.
LEFTOVERS = {
    "backups": re.compile(
        r"(library-\d{8}-\d{6}-\d{6}-[a-z-]+|pre-migration-\d{8}-\d{6})\.sqlite\.part"
    ),
    "index": re.compile(r"paperdesk-stamp\.json\.tmp"),
}
# Leftovers of an index rebuild that are symbolic links: app.search.health removes the
# folders; a link is removed here (the link only, never what it points at).
INDEX_SWAPS = ("index.building-*", "index.old-*")


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems or len(self.repaired) >= len(self.problems)

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "problems": self.problems,
            "repaired": self.repaired,
            "facts": self.facts,
        }


class LibraryParts(Protocol):
    """What the checks need of an open library (the facade has it; no import of it here)."""

    path: Path
    store: Store
    backups: Backups
    index: Any


def check(lib: LibraryParts, repair: bool = False) -> CheckReport:
    """Database integrity and foreign keys, derived data (the search index), leftovers."""
    from app.search.health import check_index

    report = CheckReport()
    for problem in database_checks(lib.store.engine):
        report.problems.append(f"{lib.store.db_path}: {problem}")
    if report.problems:  # the store itself is damaged: derived data cannot be checked
        report.problems.append(
            f"restore a copy from {lib.path / 'backups'} (see README, 'Reliability')"
        )
        return report
    report.facts.append(f"{lib.store.count()} papers, {len(lib.store.tags())} tags")
    for link in _swap_links(lib.path):
        report.problems.append(f"{link}: a symbolic link where an index rebuild leaves a folder")
        if repair:
            link.unlink(missing_ok=True)
            report.repaired.append(f"removed the link {link}")
    check_index(lib.index, report, repair)
    for leftover in _leftovers(lib.path):
        report.problems.append(f"{leftover}: leftover temporary file")
        if repair:
            leftover.unlink(missing_ok=True)
            report.repaired.append(f"removed {leftover}")
    return report


def _leftovers(folder: Path) -> list[Path]:
    """Our own temporary files left by an interrupted backup or index write (exact names;
    regular files, or links, which are removed as links)."""
    out = []
    for sub, pattern in LEFTOVERS.items():
        where = folder / sub
        if where.is_symlink() or not where.is_dir():
            continue
        for p in where.iterdir():
            if pattern.fullmatch(p.name):
                mode = p.lstat().st_mode
                if stat.S_ISREG(mode) or stat.S_ISLNK(mode):
                    out.append(p)
    return sorted(out)


def _swap_links(folder: Path) -> list[Path]:
    return sorted(p for pattern in INDEX_SWAPS for p in folder.glob(pattern) if p.is_symlink())


class Backups:
    """The rotating copies of one library's database in ``<folder>/backups/``."""

    def __init__(self, store: Store, folder: Path) -> None:
        self.store = store
        self.folder = folder / "backups"

    def take(self, reason: str = "manual") -> Path:
        """A consistent copy of the database; keeps the newest few. A failure (a full
        disk, ``backups`` not a folder) is :class:`LibraryError` and leaves nothing."""
        self._check_folder()
        target = self.folder / f"library-{utcnow():%Y%m%d-%H%M%S-%f}-{reason}.sqlite"
        try:
            backup_to(self.store.engine, target)
        except (OSError, sqlite3.Error, DBAPIError) as exc:
            raise LibraryError(f"{target}: the backup failed: {_reason(exc)}") from None
        with write_session(self.store.engine) as s:
            s.merge(Meta(key="last_backup", value=utcnow().isoformat()))
        _rotate(self.folder)
        return target

    def before_migration(self) -> None:
        """A copy of an existing library about to be migrated (kept apart from rotation)."""
        self._check_folder()
        name = f"pre-migration-{utcnow():%Y%m%d-%H%M%S}.sqlite"
        backup_to(self.store.engine, self.folder / name)

    def _check_folder(self) -> None:
        if self.folder.exists() and not self.folder.is_dir():  # a link to a folder is fine
            raise LibraryError(
                f"{self.folder}: is not a folder; backups are kept in a folder of that name "
                "(move that file away)"
            )

    def daily(self) -> str | None:
        """On open: a backup if the last one is a day old or more (none for an empty
        library). A full or read-only disk must not stop the library from opening: a
        failed backup leaves nothing and comes back as a warning to show."""
        with read_session(self.store.engine) as s:
            last = s.scalar(select(Meta.value).where(Meta.key == "last_backup"))
        if last is not None and utcnow() - _parse(last) < DAILY:
            return None
        if self.store.count() == 0:
            return None
        try:
            self.take(reason="daily")
        except LibraryError as exc:
            return f"{exc} (the library works; make room, then run 'paperdesk backup')"
        return None


def backup(lib: LibraryParts, reason: str = "manual") -> Path:
    """A consistent copy of the database in ``backups/``; keeps the newest few."""
    return lib.backups.take(reason)


def _rotate(folder: Path) -> None:
    copies = sorted(folder.glob("library-*.sqlite"), key=os.path.getmtime)
    for old in copies[:-BACKUPS_KEPT]:
        old.unlink(missing_ok=True)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def _parse(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return utcnow() - 2 * DAILY
