"""What the subcommands share: how one is declared, and their output helpers."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from app.errors import PaperdeskError
from app.records import PaperRecord, metadata_line
from app.store.filters import PaperFilter

Run = Callable[[Any, argparse.Namespace], int]  # (library, arguments) -> exit code


class UsageError(PaperdeskError):
    pass


@dataclass(frozen=True)
class Command:
    """One subcommand: its name, help line, argument setup and the function it runs."""

    name: str
    help: str
    setup: Callable[[argparse.ArgumentParser], None] | None
    run: Run


def command(
    name: str,
    help: str,
    setup: Callable[[argparse.ArgumentParser], None] | None = None,
) -> Callable[[Run], Run]:
    """Declare ``fn(lib, args) -> exit code`` as the subcommand ``name`` (it is listed by
    ``app.commands.COMMANDS``; declaring registers nothing anywhere)."""

    def deco(fn: Run) -> Run:
        fn.command = Command(name, help, setup, fn)  # type: ignore[attr-defined]
        return fn

    return deco


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 paper``, ``2 papers`` (``many``: an irregular plural)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def emit_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def paper_line(p: PaperRecord) -> str:
    when = p.published.isoformat() if p.published else "----------"
    flags = ("*" if p.starred else " ") + (" " if p.read else "u")
    tags = f"  [{', '.join(p.tags)}]" if p.tags else ""
    return f"{p.id:>6}  {when}  {p.upvotes:>4}  {flags}  {p.title}{tags}"


def paper_text(p: PaperRecord) -> str:
    lines = [p.title, "", f"id {p.id} · {metadata_line(p)}"]
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
        trashed=bool(getattr(args, "trashed", False)),
    )


def gui_launcher() -> Run:
    """The window's entry point, found through the ``paperdesk.gui`` entry-point group so
    that app/ never imports ui/."""
    for ep in entry_points(group="paperdesk.gui"):
        return ep.load()
    raise PaperdeskError("the window is not installed (reinstall Paperdesk: pip install .)")
