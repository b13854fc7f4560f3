"""Keeping a library healthy: integrity checks, repair of derived data, backups."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select

from app.records import utcnow
from app.store.store import Store
from db import Meta, read_session, write_session
from db.engine import backup_to, database_checks

BACKUPS_KEPT = 7
DAILY = timedelta(days=1)
LEFTOVER_SUFFIXES = (".part", ".tmp")


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
    check_index(lib.index, report, repair)
    for leftover in _leftovers(lib.path):
        report.problems.append(f"{leftover}: leftover temporary file")
        if repair:
            leftover.unlink(missing_ok=True)
            report.repaired.append(f"removed {leftover}")
    return report


def _leftovers(folder: Path) -> list[Path]:
    out = []
    for sub in (folder, folder / "backups"):
        if sub.is_dir():
            out += [p for p in sub.iterdir() if p.is_file() and p.suffix in LEFTOVER_SUFFIXES]
    return sorted(out)


class Backups:
    """The rotating copies of one library's database in ``<folder>/backups/``."""

    def __init__(self, store: Store, folder: Path) -> None:
        self.store = store
        self.folder = folder / "backups"

    def take(self, reason: str = "manual") -> Path:
        """A consistent copy of the database; keeps the newest few."""
        target = self.folder / f"library-{utcnow():%Y%m%d-%H%M%S-%f}-{reason}.sqlite"
        backup_to(self.store.engine, target)
        with write_session(self.store.engine) as s:
            s.merge(Meta(key="last_backup", value=utcnow().isoformat()))
        _rotate(self.folder)
        return target

    def before_migration(self) -> None:
        """A copy of an existing library about to be migrated (kept apart from rotation)."""
        name = f"pre-migration-{utcnow():%Y%m%d-%H%M%S}.sqlite"
        backup_to(self.store.engine, self.folder / name)

    def daily(self) -> None:
        """On open: a backup if the last one is a day old or more (none for an empty
        library); a full or read-only disk must not stop the library from opening."""
        with read_session(self.store.engine) as s:
            last = s.scalar(select(Meta.value).where(Meta.key == "last_backup"))
        if last is not None and utcnow() - _parse(last) < DAILY:
            return
        if self.store.count() == 0:
            return
        try:
            self.take(reason="daily")
        except OSError:
            pass


def backup(lib: LibraryParts, reason: str = "manual") -> Path:
    """A consistent copy of the database in ``backups/``; keeps the newest few."""
    return lib.backups.take(reason)


def _rotate(folder: Path) -> None:
    copies = sorted(folder.glob("library-*.sqlite"), key=os.path.getmtime)
    for old in copies[:-BACKUPS_KEPT]:
        old.unlink(missing_ok=True)


def _parse(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return utcnow() - 2 * DAILY
