"""The sniffer: check a file's first bytes, then pick the reader for its form — a
Paperdesk JSON backup (:mod:`app.importers.backup`) or a saved text page
(:mod:`app.importers.text_page`) — and run it in one store transaction per file."""

from __future__ import annotations

import codecs
import hashlib
import json
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.errors import LibraryError, RefusedFile
from app.importers import backup, text_page
from app.records import FileResult
from app.store.merge import record_import
from app.store.store import Store, db_reason

MAX_FILE_BYTES = 256 * 1024 * 1024
SNIFF_BYTES = 64 * 1024
READ_CHUNK = 1024 * 1024


class PageSource:
    """A page file checked at its start, then read line by line (hashing as it goes), so
    that a large page is never held in memory whole."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._hash = hashlib.sha256()
        try:
            if path.is_dir():
                raise RefusedFile(path, "is a folder, not a file")
            info = path.stat()
            if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or never end
                raise RefusedFile(path, "is not a regular file (a FIFO, socket or device)")
            size = info.st_size
            with path.open("rb") as fh:
                head = fh.read(SNIFF_BYTES)
        except OSError as exc:
            raise RefusedFile(path, f"cannot be read: {exc.strerror or exc}") from None
        if size > MAX_FILE_BYTES:
            raise RefusedFile(path, f"is too large ({size // 2**20} MB) to be a saved page")
        self.utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        # The whole text, only for the rare kinds that need it at once (UTF-16, JSON).
        self.whole: str | None = None
        if self.utf16:
            self.whole = decode_page(path, path.read_bytes()).text
            head_text = self.whole[:SNIFF_BYTES]
        else:
            sniff_checks(path, head, complete=size <= SNIFF_BYTES)
            head_text = head.decode("utf-8-sig", errors="ignore")
        if head_text.lstrip()[:1] in ("{", "["):
            self.whole = self.whole or decode_page(path, path.read_bytes()).text
        self.json = json_payload(self.whole) if self.whole is not None else None

    @property
    def digest(self) -> str:
        return self._hash.hexdigest()

    def lines(self) -> Iterator[str]:
        """Decoded lines; :class:`RefusedFile` at the first byte that is not UTF-8."""
        if self.whole is not None:
            self._hash.update(self.whole.encode("utf-8", "surrogatepass"))
            yield from self.whole.splitlines()
            return
        decoder = codecs.getincrementaldecoder("utf-8-sig")()
        tail = ""
        done = 0  # bytes decoded so far, to say where a bad byte is
        try:
            with self.path.open("rb") as fh:
                while chunk := fh.read(READ_CHUNK):
                    self._hash.update(chunk)
                    if b"\x00" in chunk:
                        raise RefusedFile(self.path, "holds binary data (a NUL byte)")
                    try:
                        text = tail + decoder.decode(chunk)
                    except UnicodeDecodeError as exc:
                        raise RefusedFile(
                            self.path,
                            f"is not UTF-8 text (undecodable byte at offset {done + exc.start})",
                        ) from None
                    done += len(chunk)
                    # str.splitlines also splits on a lone CR and Unicode line separators;
                    # the last piece may be cut mid-line, so it waits for the next chunk.
                    lines = text.splitlines()
                    tail = lines.pop() if lines and not text.endswith(("\n", "\r")) else ""
                    yield from lines
                text = tail + decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise RefusedFile(
                self.path, "is not UTF-8 text (the file ends mid-character)"
            ) from None
        except OSError as exc:
            raise RefusedFile(self.path, f"cannot be read: {exc.strerror or exc}") from None
        yield from text.splitlines()


def sniff_checks(path: object, head: bytes, complete: bool) -> None:
    """Refuse empty, binary and HTML files from their first bytes."""
    if not head.strip():
        raise RefusedFile(path, "is empty")
    if b"\x00" in head:
        raise RefusedFile(path, "is a binary file, not a saved text page")
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if complete or exc.start < len(head) - 4:  # not just a character cut at the end
            raise RefusedFile(
                path, f"is not UTF-8 text (undecodable byte at offset {exc.start})"
            ) from None
        text = head[: exc.start].decode("utf-8-sig")
    check_text_head(path, text)


def check_text_head(path: object, text: str) -> None:
    if _control_ratio(text) > 0.01:
        raise RefusedFile(path, "is a binary file, not a saved text page")
    head = text[:512].lstrip().lower()
    if head.startswith(("<!doctype html", "<html", "<?xml", "<head", "<body")):
        raise RefusedFile(path, "is an HTML page; save the Daily Papers page as text instead")


def decode_page(path: object, data: bytes) -> PageText:
    """Whole-file decoding (UTF-8 with or without BOM, or UTF-16 with BOM) and checks."""
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise RefusedFile(path, "is empty")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise RefusedFile(path, "is not valid UTF-16 text") from None
        if not text.strip():
            raise RefusedFile(path, "is empty")
    else:
        if b"\x00" in data:
            raise RefusedFile(path, "is a binary file, not a saved text page")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RefusedFile(
                path, f"is not UTF-8 text (undecodable byte at offset {exc.start})"
            ) from None
    if "\x00" in text:
        raise RefusedFile(path, "is a binary file, not a saved text page")
    check_text_head(path, text[:SNIFF_BYTES])
    return PageText(text, digest)


@dataclass
class PageText:
    text: str
    digest: str


def _control_ratio(text: str) -> float:
    sample = text[:SNIFF_BYTES]
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t\f\v")
    return bad / max(1, len(sample))


def json_payload(text: str) -> Any | None:
    """The parsed JSON if the text is a JSON document, else None."""
    head = text.lstrip()[:1]
    if head not in ("{", "["):
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


# -- picking the reader ------------------------------------------------------------------------


def import_file(store: Store, path: Path, as_of: date) -> FileResult:
    """Import one file in one transaction; a refused file comes back with the reason."""
    try:
        source = PageSource(path)
        if source.json is not None:
            return _restore(store, path, source.json, as_of)
        return _import_page(store, path, source.lines(), lambda: source.digest, as_of)
    except RefusedFile as exc:
        return FileResult(path=str(path), status="refused", reason=exc.reason)


def import_text(store: Store, text: str, name: object, as_of: date) -> FileResult:
    """Import one page's text. Raises :class:`RefusedFile`; nothing is written then."""
    if not text.strip():
        raise RefusedFile(name, "is empty")
    check_text_head(name, text[:SNIFF_BYTES])
    if (payload := json_payload(text)) is not None:
        return _restore(store, name, payload, as_of)
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return _import_page(store, name, text.splitlines(), lambda: digest, as_of)


def _restore(store: Store, name: object, payload: Any, as_of: date) -> FileResult:
    # A Paperdesk JSON export is a backup: restore it.
    if not backup.is_export(payload):
        raise backup.refuse_json(name)
    return _run(store, name, backup.restorer(name, payload, as_of))


def _import_page(
    store: Store, name: object, lines: Iterable[str], digest: Callable[[], str], as_of: date
) -> FileResult:
    """A page's papers and its import record in one transaction. ``digest`` is asked for
    last: a streamed file's hash is known only once it has been read."""

    def run(s: Session) -> FileResult:
        result = text_page.import_lines(s, name, lines, as_of)
        record_import(s, name, digest(), as_of, result)
        return result

    return _run(store, name, run)


def _run(store: Store, name: object, fn: Callable[[Session], FileResult]) -> FileResult:
    """One file's write transaction; any failure becomes a refusal, nothing written."""
    try:
        result, changes = store.write(fn)
    except LibraryError as exc:
        raise RefusedFile(name, str(exc).split(": ", 1)[-1]) from None
    except DBAPIError as exc:
        raise RefusedFile(name, f"the library refused it: {db_reason(exc)}") from None
    result.changes = changes
    return result
