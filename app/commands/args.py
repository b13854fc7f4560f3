"""Argument types the commands share: ids and counts that fit the database, and the check
that text arguments are valid UTF-8 (a terminal can pass any bytes)."""

from __future__ import annotations

import argparse
from typing import Any

MAX_ID = 2**63 - 1  # SQLite's INTEGER


def _short(text: str) -> str:
    return text if len(text) <= 30 else text[:27] + "..."


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # also beyond Python's 4,300-digit limit
        raise argparse.ArgumentTypeError(f"invalid int value: {_short(text)!r}") from None


def paper_id(text: str) -> int:
    """A paper id: a whole number from 1 to 2⁶³−1 (larger ones cannot exist)."""
    n = _integer(text)
    if not 1 <= n <= MAX_ID:
        raise argparse.ArgumentTypeError(
            f"{_short(text)} is not a paper id (ids are 1 to {MAX_ID})"
        )
    return n


def count(text: str) -> int:
    """``--limit N``: 0 or more; anything beyond what a database can hold means "all"."""
    n = _integer(text)
    if n < 0:
        raise argparse.ArgumentTypeError(f"{_short(text)} is negative; give 0 or more")
    return min(n, MAX_ID)


def positive_count(text: str) -> int:
    """``--limit N`` for searches: at least 1 (a search showing nothing is a mistake)."""
    n = count(text)
    if n < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return n


# Arguments that name files: their bytes are the file's name, whatever the encoding.
PATH_ARGUMENTS = frozenset({"library", "files", "file", "output", "screenshot"})


_LABELS = {"tags": "tag", "text": "the note"}


def undecodable_argument(args: argparse.Namespace) -> str | None:
    """The first text argument holding bytes that are not UTF-8 (Python keeps them as lone
    surrogates), shown escaped; None when all are text."""
    for name, value in vars(args).items():
        if name in PATH_ARGUMENTS:
            continue
        for item in value if isinstance(value, list | tuple) else (value,):
            if isinstance(item, str) and _has_surrogate(item):
                shown = item.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                label = _LABELS.get(name, name.replace("_", "-"))
                return f"{label} '{shown}'"
    return None


def _has_surrogate(text: Any) -> bool:
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)
