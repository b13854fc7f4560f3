"""Keeping a library healthy: integrity checks, repair of derived data, backups."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from app.library import _OPEN_HOOKS, Library
from app.records import utcnow
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


# Checks of derived data registered by other modules (the search index adds its own):
# fn(library, report, repair) appends to report.problems / report.repaired.
CHECKS: list[Callable[[Library, CheckReport, bool], None]] = []


def check(lib: Library, repair: bool = False) -> CheckReport:
    """Database integrity and foreign keys, derived data, leftover files."""
    report = CheckReport()
    for problem in database_checks(lib.engine):
        report.problems.append(f"{lib.db_path}: {problem}")
    if report.problems:  # the store itself is damaged: derived data cannot be checked
        report.problems.append(
            f"restore a copy from {lib.path / 'backups'} (see README, 'Reliability')"
        )
        return report
    report.facts.append(f"{lib.count()} papers, {len(lib.tags())} tags")
    for fn in CHECKS:
        fn(lib, report, repair)
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


def backup(lib: Library, reason: str = "manual") -> Path:
    """A consistent copy of the database in ``backups/``; keeps the newest few."""
    folder = lib.path / "backups"
    target = folder / f"library-{utcnow():%Y%m%d-%H%M%S-%f}-{reason}.sqlite"
    backup_to(lib.engine, target)
    with write_session(lib.engine) as s:
        s.merge(Meta(key="last_backup", value=utcnow().isoformat()))
    _rotate(folder)
    return target


def _rotate(folder: Path) -> None:
    copies = sorted(folder.glob("library-*.sqlite"), key=os.path.getmtime)
    for old in copies[:-BACKUPS_KEPT]:
        old.unlink(missing_ok=True)


def daily_backup(lib: Library) -> None:
    """On open: a backup if the last one is a day old or more (none for an empty library)."""
    with read_session(lib.engine) as s:
        last = s.scalar(select(Meta.value).where(Meta.key == "last_backup"))
    if last is not None and utcnow() - _parse(last) < DAILY:
        return
    if lib.count() == 0:
        return
    try:
        backup(lib, reason="daily")
    except OSError:
        pass  # a full or read-only disk must not stop the library from opening


def _parse(text: str):
    from datetime import datetime

    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return utcnow() - 2 * DAILY


_OPEN_HOOKS.append(daily_backup)
