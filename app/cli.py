"""The ``paperdesk`` command line (also ``python -m app``).

Exit codes: 0 success; 1 ``check`` found problems; 2 bad input, with one line on stderr;
70 an unexpected error (one line and the path of a log with the details).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date
from typing import Any, NoReturn

from sqlalchemy.exc import DBAPIError

from app.commands import COMMANDS, output
from app.commands.args import undecodable_argument
from app.commands.common import UsageError
from app.errors import PaperdeskError
from app.library import Library

DEMO_AS_OF = date(2025, 10, 30)  # the day the bundled sample pages were saved


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _library_options(p: argparse.ArgumentParser, default: Any) -> None:
    p.add_argument("--library", metavar="DIR", default=default, help="the library folder")
    p.add_argument(
        "--demo", action="store_true", default=default, help="use the bundled demo library"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="paperdesk",
        description="Paperdesk: an offline reader and annotator for Daily Papers pages.",
        epilog="Without a command, opens the main window.",
    )
    _library_options(parser, None)
    parser.set_defaults(demo=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for cmd in COMMANDS.values():
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        _library_options(p, argparse.SUPPRESS)
        if cmd.setup:
            cmd.setup(p)
    return parser


def open_library(args: argparse.Namespace, create: bool = True) -> Library:
    from app.paths import demo_library, sample_pages

    if getattr(args, "demo", False):
        if getattr(args, "library", None):
            raise UsageError("--demo and --library cannot be used together")
        lib = Library.open(demo_library())
        if lib.count() == 0:
            lib.import_files(sample_pages(), as_of=DEMO_AS_OF)
        return lib
    return Library.open(args.library, create=create)


# Commands that look after an existing library: they never make one of a folder.
MAINTENANCE = frozenset({"check", "backup", "reindex"})
EXIT_BAD_INPUT = 2
EXIT_UNEXPECTED = 70  # EX_SOFTWARE: a bug; never 1, which ``check`` uses


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Exit codes: 0 done; 1 ``check`` found problems; 2 a refusal, with
    one line on stderr; 70 an unexpected error: one line and the path of a log with its
    details; 130 interrupted."""
    restore = output.install()
    try:
        code = _main(argv)
        sys.stdout.flush()
        return code
    except PaperdeskError as exc:
        _say(str(exc))
        return EXIT_BAD_INPUT
    except DBAPIError as exc:  # a damaged or vanished database file: one line, not a trace
        reason = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
        _say(f"the library's database failed: {reason}; run 'paperdesk check'")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except BrokenPipeError:
        # Output piped into e.g. `head`: quietly stop writing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug: one line and where the details are
        return _unexpected(exc)
    finally:
        restore()


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    bad = undecodable_argument(args)
    if bad is not None:
        raise UsageError(f"{bad} is not valid UTF-8 text")
    name = args.command or "gui"
    run = COMMANDS[name].run
    with open_library(args, create=name not in MAINTENANCE) as lib:
        for warning in getattr(lib, "warnings", ()):
            _say(f"warning: {warning}")
        try:
            return run(lib, args)
        finally:
            # The facade does not index on commit: what this command wrote becomes
            # searchable here, before the command returns.
            if lib.wrote:
                lib.index.try_sync()  # committed already: an index failure is logged


def _say(line: str) -> None:
    try:
        print(f"paperdesk: {line}", file=sys.stderr)
    except (OSError, PaperdeskError):  # stderr itself cannot be written: nothing to say
        pass


def _unexpected(exc: BaseException) -> int:
    """Log the traceback; print one line naming the error and the log."""
    import traceback
    from datetime import datetime, timezone

    from app.paths import log_file

    what = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")
    if len(what) > 200:
        what = what[:197] + "..."
    where = "(no log could be written)"
    try:
        log = log_file()
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a", encoding="utf-8", errors="backslashreplace") as fh:
            fh.write(f"--- {datetime.now(timezone.utc).isoformat()} paperdesk {sys.argv!r}\n")
            fh.write("".join(traceback.format_exception(exc)))
        where = f"details in {log}"
    except OSError:
        pass
    _say(f"unexpected error ({what}); {where}; please report it")
    return EXIT_UNEXPECTED
