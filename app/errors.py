"""Errors a user can cause: each carries one clear line (what, which, why)."""

from __future__ import annotations


class PaperdeskError(Exception):
    """A user-facing failure; ``str(err)`` is the whole message, one line."""


class UnknownPaper(PaperdeskError):
    def __init__(self, paper_id: object) -> None:
        super().__init__(f"no paper with id {paper_id}")
        self.paper_id = paper_id


class UnknownTag(PaperdeskError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no tag named {name!r}")
        self.name = name


class BadTagName(PaperdeskError):
    pass


class RefusedFile(PaperdeskError):
    """A file that cannot be imported; nothing from it was written."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class LibraryError(PaperdeskError):
    """The library folder or file cannot be used (read-only, too new, locked, corrupt)."""
