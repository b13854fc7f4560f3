"""check, backup."""

from __future__ import annotations

from app import maintenance
from app.commands.common import command, emit_json


def _check_setup(p):
    p.add_argument("--repair", action="store_true", help="rebuild what is derived, tidy up")
    p.add_argument("--json", action="store_true")


@command("check", "check the library (exit 0: all well, 1: problems found)", _check_setup)
def check(lib, args) -> int:
    report = maintenance.check(lib, repair=args.repair)
    if args.json:
        emit_json(report.to_json())
    else:
        for fact in report.facts:
            print(fact)
        for problem in report.problems:
            print(f"problem: {problem}")
        for done in report.repaired:
            print(f"repaired: {done}")
        print(
            "all well" if not report.problems else ("repaired" if report.ok else "problems found")
        )
    return 0 if report.ok else 1


@command("backup", "write a consistent copy of the library to its backups/ folder")
def backup(lib, args) -> int:
    print(maintenance.backup(lib))
    return 0
