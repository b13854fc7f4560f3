"""The ``paperdesk`` command line (also ``python -m app``).

Exit codes: 0 success; 1 ``check`` found problems; 2 bad input, with one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy.exc import DBAPIError

from app.errors import PaperdeskError
from app.library import Library, PaperFilter
from app.records import PaperRecord

DEMO_AS_OF = date(2025, 10, 30)  # the day the bundled sample pages were saved


class UsageError(PaperdeskError):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


# Commands added by other modules of app/ (search, export, check): name -> (setup, run).
COMMANDS: dict[str, tuple[Callable[[Any], None], Callable[[Library, argparse.Namespace], int]]] = {}


def command(name: str, help: str, setup: Callable[[argparse.ArgumentParser], None] | None = None):
    """Register ``fn(lib, args) -> exit code`` as the subcommand ``name``."""

    def deco(fn: Callable[[Library, argparse.Namespace], int]):
        COMMANDS[name] = (lambda sub: _add(sub, name, help, setup), fn)
        return fn

    return deco


def _add(sub: Any, name: str, help: str, setup: Callable | None) -> None:
    p = sub.add_parser(name, help=help, description=help)
    _library_options(p, argparse.SUPPRESS)
    if setup:
        setup(p)


def _library_options(p: argparse.ArgumentParser, default: Any) -> None:
    p.add_argument("--library", metavar="DIR", default=default, help="the library folder")
    p.add_argument(
        "--demo", action="store_true", default=default, help="use the bundled demo library"
    )


def build_parser() -> argparse.ArgumentParser:
    _load_plugins()
    parser = _Parser(
        prog="paperdesk",
        description="Paperdesk: an offline reader and annotator for Daily Papers pages.",
        epilog="Without a command, opens the main window.",
    )
    _library_options(parser, None)
    parser.set_defaults(demo=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for setup, _run in COMMANDS.values():
        setup(sub)
    return parser


def _load_plugins() -> None:
    # Modules that register commands; imported here, not at top, to keep start-up light.
    import app.commands  # noqa: F401


def open_library(args: argparse.Namespace) -> Library:
    from app.paths import demo_library, sample_pages

    if getattr(args, "demo", False):
        if getattr(args, "library", None):
            raise UsageError("--demo and --library cannot be used together")
        lib = Library.open(demo_library())
        if lib.count() == 0:
            lib.import_files(sample_pages(), as_of=DEMO_AS_OF)
        return lib
    return Library.open(args.library)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        name = args.command or "gui"
        run = COMMANDS[name][1]
        with open_library(args) as lib:
            return run(lib, args)
    except PaperdeskError as exc:
        print(f"paperdesk: {exc}", file=sys.stderr)
        return 2
    except DBAPIError as exc:  # a damaged or vanished database file: one line, not a trace
        reason = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
        print(
            f"paperdesk: the library's database failed: {reason}; run 'paperdesk check'",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print("paperdesk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into e.g. `head`: quietly stop writing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


# -- helpers shared by commands --------------------------------------------------------------


def emit_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def paper_line(p: PaperRecord) -> str:
    when = p.published.isoformat() if p.published else "----------"
    flags = ("*" if p.starred else " ") + (" " if p.read else "u")
    tags = f"  [{', '.join(p.tags)}]" if p.tags else ""
    return f"{p.id:>6}  {when}  {p.upvotes:>4}  {flags}  {p.title}{tags}"


def paper_text(p: PaperRecord) -> str:
    lines = [p.title, ""]
    meta = [f"id {p.id}"]
    if p.published:
        meta.append(f"published {p.published.isoformat()}")
    if p.authors_count:
        meta.append(f"{p.authors_count} authors")
    if p.organization:
        meta.append(p.organization)
    meta.append(f"{p.upvotes} upvotes")
    meta.append("starred" if p.starred else "not starred")
    meta.append("read" if p.read else "unread")
    lines.append(" · ".join(meta))
    if p.tags:
        lines.append("tags: " + ", ".join(p.tags))
    if p.url:
        lines.append("url: " + p.url)
    for link in p.links:
        lines.append("link: " + link)
    lines += ["", p.abstract]
    if p.note:
        lines += ["", "note:", p.note]
    return "\n".join(lines)


def read_text_arg(value: str | None, file: str | None) -> str:
    if file is not None:
        try:
            return Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(
                f"{file}: cannot read the note: {getattr(exc, 'strerror', exc)}"
            ) from None
    if value == "-":
        return sys.stdin.read()
    if value is None:
        raise UsageError("give the note text, --file F, or - to read standard input")
    return value


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date of the form YYYY-MM-DD") from None


def filter_from(args: argparse.Namespace) -> PaperFilter:
    return PaperFilter(
        tags=tuple(getattr(args, "tag", None) or ()),
        match=getattr(args, "match", "all") or "all",
        starred=True if getattr(args, "starred", False) else None,
        read=False if getattr(args, "unread", False) else None,
    )


def gui_launcher() -> Callable[[Library, argparse.Namespace], int]:
    """The window's entry point, found through the ``paperdesk.gui`` entry-point group so
    that app/ never imports ui/."""
    for ep in entry_points(group="paperdesk.gui"):
        return ep.load()
    raise PaperdeskError("the window is not installed (reinstall Paperdesk: pip install .)")
