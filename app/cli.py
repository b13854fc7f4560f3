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
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy.exc import DBAPIError

from app.commands import COMMANDS, output
from app.commands.args import undecodable_argument
from app.commands.common import UsageError
from app.errors import PaperdeskError
from app.library import Library
from app.paths import ENV_LIBRARY

DEMO_AS_OF = date(2025, 10, 30)  # the day the bundled sample pages were saved

# Commands that only read: given a folder that holds no library (a mistyped --library),
# they refuse in one line instead of creating an empty library there (DESIGN.md). The
# writing commands create it, as ``Library.open`` does.
READING_COMMANDS = frozenset(
    {"list", "show", "search", "related", "export", "exports", "cite", "check"}
)


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
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.set_defaults(demo=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for cmd in COMMANDS.values():
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        _library_options(p, argparse.SUPPRESS)
        if cmd.setup:
            cmd.setup(p)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("paperdesk")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


def reads_only(args: argparse.Namespace) -> bool:
    """Whether the command only reads (so must not create a library)."""
    command = args.command or "gui"
    if command == "gui":
        return bool(getattr(args, "screenshot", None))
    return command in READING_COMMANDS


def _holds_library(folder: Path) -> bool:
    from app.store.store import DB_NAME

    return (folder / DB_NAME).is_file()


def open_library(args: argparse.Namespace, create: bool = True) -> Library:
    from app.paths import demo_library, sample_pages

    if getattr(args, "demo", False):
        if getattr(args, "library", None):
            raise UsageError("--demo and --library cannot be used together")
        lib = Library.open(demo_library())
        if lib.count() == 0:
            lib.import_files(sample_pages(), as_of=DEMO_AS_OF)
            lib.index.sync()  # searchable before the window's first query, as after `import`
        return lib
    # Only a library named on purpose (--library, $PAPERDESK_LIBRARY) can be mistyped; the
    # default per-user library simply starts empty.
    named = args.library or os.environ.get(ENV_LIBRARY)
    if named and "://" not in str(named):
        folder = Path(named).expanduser()
        if reads_only(args):
            create = False  # Library.open refuses a folder without a library, in one line
        elif (args.command or "gui") == "gui" and not _holds_library(folder):
            # The window: ask before creating a library (refused when no one can be asked).
            from app.commands.common import gui_launcher

            ask = getattr(gui_launcher(), "ask_create", None)
            if ask is None or not ask(str(folder)):
                raise UsageError(
                    f"{folder}: no library there (check the path; 'paperdesk --library "
                    f"{folder} import FILE' creates one); the window was not opened"
                )
    return Library.open(args.library, create=create)


# Commands that open the library themselves (``team init`` creates a team library).
SELF_OPENING = frozenset({"team"})
# Commands that look after an existing library: they never make one of a folder.
MAINTENANCE = frozenset({"check", "backup", "reindex"})
EXIT_BAD_INPUT = 2
EXIT_UNEXPECTED = 70  # EX_SOFTWARE: a bug; never 1, which ``check`` uses


def _tell_window_user(argv: Sequence[str] | None, message: str) -> None:
    """The window was asked for (no command, or ``gui`` without ``--screenshot``): show the
    failure in a dialog too — started from a desktop menu, stderr is seen by no one."""
    try:
        args = build_parser().parse_args(argv)
    except (UsageError, SystemExit):
        return
    if (args.command or "gui") != "gui" or getattr(args, "screenshot", None):
        return
    if os.environ.get("PAPERDESK_NO_DIALOGS"):  # scripts and tests that want stderr only
        return
    try:
        from app.commands.common import gui_launcher

        show = getattr(gui_launcher(), "show_error", None)
        if show is not None:
            show(message)
    except Exception:  # noqa: BLE001 — the one line on stderr has been written already
        pass


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
        _tell_window_user(argv, str(exc))
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
    if name in SELF_OPENING:
        return run(None, args)
    with open_library(args, create=name not in MAINTENANCE) as lib:
        for warning in getattr(lib, "warnings", ()):
            _say(f"warning: {warning}")
        if lib.is_team and name not in ("gui", "reindex"):  # the window: on its own
            from app.commands.team import catch_up

            catch_up(lib, args)
        try:
            return run(lib, args)
        finally:
            # The facade does not index on commit: what this command wrote becomes
            # searchable here, before the command returns.
            if lib.wrote:
                _refresh_kept_exports(lib)  # first: the file follows the commit at once
                lib.index.try_sync()  # committed already: an index failure is logged
            elif lib.is_team and name != "gui" and lib.has_kept_exports():
                # Other members change the library too: this member's files follow them
                # whenever Paperdesk runs here (only what changed since is rendered).
                _refresh_kept_exports(lib)


def _refresh_kept_exports(lib: Library) -> None:
    """Kept exports follow what this command committed, before it exits (issue 12). The
    change is committed already: a file that cannot be written is a warning, not a failure."""
    try:
        result = lib.refresh_kept_exports()
    except Exception as exc:  # noqa: BLE001 — the command itself succeeded
        _say(f"warning: kept exports not updated: {exc}")
        return
    for _path, reason in result.failed:
        _say(f"warning: kept export not updated: {reason}")


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
