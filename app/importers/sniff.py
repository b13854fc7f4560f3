"""The sniffer: check a file's first bytes, then pick the reader for its form from its
content (never its name) and run it in one store transaction per file:

- a Paperdesk JSON backup (:mod:`app.importers.backup`);
- the Hub's JSON (:mod:`app.importers.hub_json`; streamed, stored in batches);
- a saved HTML list or paper page (:mod:`app.importers.html_page`);
- a Markdown capture (:mod:`app.importers.markdown_page`);
- a paper page saved as text (:mod:`app.importers.paper_page`);
- otherwise a text list page (:mod:`app.importers.text_page`).

A near miss is refused in one line naming what the file is ("is an HTML page, but not a
Hugging Face papers page"); see :func:`app.importers.forms.sniff`."""

from __future__ import annotations

import codecs
import hashlib
import io
import json
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.errors import LibraryError, RefusedFile
from app.importers import backup, forms, hub_json, text_page
from app.importers.parsed import PaperFields, Problem
from app.records import FileResult
from app.store.merge import NewIds, add_row, merge, record_import
from app.store.store import Store, db_reason
from db.engine import bulk_import_pragmas

MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_STREAM_BYTES = 4 * 1024 * 1024 * 1024  # a streamed Hub JSON dump
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
        if size > MAX_STREAM_BYTES:
            raise RefusedFile(path, f"is too large ({size // 2**20} MB) to be a saved page")
        self.utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or bool(
            utf16_without_bom(head)
        )
        # The whole text, only for the rare kinds that need it at once (UTF-16, JSON).
        self.whole: str | None = None
        if self.utf16:
            if size > MAX_FILE_BYTES:  # read whole to be decoded: the whole-file limit
                raise RefusedFile(path, f"is too large ({size // 2**20} MB) to be a saved page")
            self.whole = decode_page(path, path.read_bytes()).text
            head_text = self.whole[:SNIFF_BYTES]
        else:
            sniff_checks(path, head, complete=size <= SNIFF_BYTES)
            head_text = head.decode("utf-8-sig", errors="ignore")
        self.form, refusal = forms.sniff(head_text)
        if refusal:
            raise RefusedFile(path, f"is {refusal}")
        # A Paperdesk backup (the sniffer leaves JSON that is not the Hub's to it) and the
        # Hub's JSON are streamed, a chunk at a time: only they may be larger.
        json_like = head_text.lstrip("\ufeff \t\r\n")[:1] in ("{", "[")
        self.backup = self.form is None and json_like and not self.utf16
        if size > MAX_FILE_BYTES and self.form != hub_json.FORM and not self.backup:
            raise RefusedFile(path, f"is too large ({size // 2**20} MB) to be a saved page")
        # The other forms are read whole by their readers.
        self.json = None
        if self.form is None and json_like and self.utf16:
            self.json = json_payload(self.whole or "")
        elif self.form is not None and self.form != hub_json.FORM and self.whole is None:
            self.whole = decode_page(path, path.read_bytes(), check_html=False).text

    def text_stream(self) -> TextIO:
        """The file as text, read (and hashed) a chunk at a time."""
        if self.whole is not None:
            self._hash.update(self.whole.encode("utf-8", "surrogatepass"))
            return io.StringIO(self.whole)
        return io.TextIOWrapper(
            io.BufferedReader(_Hashing(self.path, self._hash), READ_CHUNK), encoding="utf-8-sig"
        )

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
        seen = 0  # whole lines so far, to say which line is too long
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
                    seen += len(lines)
                    if len(tail) > text_page.MAX_LINE_CHARS:  # never held whole: refused now
                        raise text_page.line_too_long(self.path, seen + 1)
                    yield from lines
                text = tail + decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise RefusedFile(
                self.path, "is not UTF-8 text (the file ends mid-character)"
            ) from None
        except OSError as exc:
            raise RefusedFile(self.path, f"cannot be read: {exc.strerror or exc}") from None
        yield from text.splitlines()


class _Hashing(io.RawIOBase):
    """A file's bytes, hashed as they are read."""

    def __init__(self, path: Path, digest: Any) -> None:
        self._fh = path.open("rb")
        self._digest = digest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._fh.read(len(buffer))
        n = len(data)
        if n:
            if b"\x00" in data:  # on bytes: a C scan (a memoryview would go item by item)
                raise RefusedFile(self._fh.name, "holds binary data (a NUL byte)")
            self._digest.update(data)
            buffer[:n] = data
        return n

    def close(self) -> None:
        self._fh.close()
        super().close()


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


def decode_page(path: object, data: bytes, check_html: bool = True) -> PageText:
    """Whole-file decoding (UTF-8 with or without BOM, or UTF-16 with BOM) and checks."""
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise RefusedFile(path, "is empty")
    bomless = utf16_without_bom(data)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or bomless:
        try:
            text = data.decode(bomless or "utf-16")
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
    if check_html and (refusal := forms.refusal(text[:SNIFF_BYTES])):
        raise RefusedFile(path, f"is {refusal}")
    return PageText(text, digest)


def utf16_without_bom(data: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when ``data`` (without a BOM) reads as UTF-16 text:
    many zero bytes on one side of the byte pairs (the high bytes of ASCII), next to none
    on the other side, and the start decodes. Else None (then a NUL byte means binary)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    sample = data[: SNIFF_BYTES & ~1]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= 0.3 * pairs and even <= 0.02 * pairs:
        codec = "utf-16-le"
    elif even >= 0.3 * pairs and odd <= 0.02 * pairs:
        codec = "utf-16-be"
    else:
        return None
    try:
        sample.decode(codec)
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not just a surrogate pair cut at the end
            return None
    return codec


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
        if source.form == hub_json.FORM:
            return _import_stream(store, path, source, as_of)
        if source.form is not None:
            assert source.whole is not None
            text = source.whole
            return _import_form(store, path, source.form, text, lambda: source.digest, as_of)
        if source.backup:
            return _run(store, path, backup.restorer(path, lambda: path.open("rb"), as_of))
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
    form, refusal = forms.sniff(text[:SNIFF_BYTES])
    if refusal:
        raise RefusedFile(name, f"is {refusal}")
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    if form is not None:
        return _import_form(store, name, form, text, lambda: digest, as_of)
    if text.lstrip("\ufeff \t\r\n")[:1] in ("{", "["):
        data = text.encode("utf-8", "surrogatepass")
        return _run(store, name, backup.restorer(name, lambda: io.BytesIO(data), as_of))
    return _import_page(store, name, text.splitlines(), lambda: digest, as_of)


def _restore(store: Store, name: object, payload: Any, as_of: date) -> FileResult:
    # A Paperdesk JSON export (here UTF-16, read whole) is a backup: restore it.
    if not isinstance(payload, dict) or payload.get("format") != backup.BACKUP_FORMAT_ID:
        raise RefusedFile(name, f"is {forms.NOT_HF_JSON}")
    data = json.dumps(payload).encode("utf-8")
    return _run(store, name, backup.restorer(name, lambda: io.BytesIO(data), as_of))


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


# -- the forms read into PaperFields -------------------------------------------------------

BATCH = text_page.BATCH

FORM_NAMES = {
    "html": "an HTML page",
    "markdown": "a Markdown capture",
    "paper-page": "a paper page",
    "hub-json": "Hugging Face JSON",
}


def fields_row(p: PaperFields) -> dict[str, Any]:
    """A reader's paper as a row for the merge writer."""
    return {
        "title": p.title,
        "abstract": p.abstract or "",
        "arxiv_id": p.arxiv_id,
        "authors": p.authors,  # a reader's fresh lists: not copied
        "authors_count": p.authors_count,
        "organization": p.organization,
        "organization_id": p.organization_id,
        "published": p.published,
        "listed_on": p.listed_on,
        "upvotes": p.upvotes,
        "comments": p.comments,
        "submitted_by": p.submitted_by,
        "ai_summary": p.ai_summary,
        "ai_keywords": p.ai_keywords,
        "github": p.github,
        "github_stars": p.github_stars,
        "project_page": p.project_page,
        "url": p.url,
        "links": p.links,
    }


def problem_lines(problems: Iterable[Problem]) -> list[str]:
    """A reader's problems as the summary's lines (``line 12: reason``)."""
    return [f"line {n}: {why}" if n else why for n, why in problems]


def _store_papers(
    s: Session, name: object, form: str, papers: Iterable[PaperFields], problems: list[Problem]
) -> FileResult:
    """Merge ``papers`` in batches (inside the caller's transaction); no paper at all is a
    refusal naming the form and the first problem."""
    result = FileResult(path=str(name), status="imported", form=form)
    bulk_import_pragmas(s)
    seen_new = NewIds()
    by_key: dict[str, dict[str, Any]] = {}
    total = 0
    for paper in papers:
        add_row(by_key, fields_row(paper))
        total += 1
        if len(by_key) >= BATCH:
            merge(s, by_key, result, seen_new)
            by_key = {}
    if by_key:
        merge(s, by_key, result, seen_new)
    if total == 0:
        why = f": {problems[0][1]}" if problems else ""
        raise RefusedFile(name, f"is {FORM_NAMES.get(form, form)} with no papers in it{why}")
    result.skipped = problem_lines(problems)
    return result


def _import_form(
    store: Store, name: object, form: str, text: str, digest: Callable[[], str], as_of: date
) -> FileResult:
    """A form read whole by its reader (HTML, Markdown, paper page, small Hub JSON)."""
    try:
        parsed = forms.READERS[form](text, as_of)
    except RecursionError:
        raise RefusedFile(name, f"is {FORM_NAMES.get(form, form)} nested too deeply") from None

    def run(s: Session) -> FileResult:
        result = _store_papers(s, name, form, parsed.papers, parsed.problems)
        record_import(s, name, digest(), as_of, result)
        return result

    return _run(store, name, run)


def _import_stream(store: Store, path: Path, source: PageSource, as_of: date) -> FileResult:
    """The Hub's JSON, read a chunk at a time and stored in batches: a 100,000-paper dump
    never sits in memory whole."""

    def run(s: Session) -> FileResult:
        problems: list[Problem] = []
        with source.text_stream() as stream:
            try:
                result = _store_papers(
                    s, path, hub_json.FORM, hub_json.iter_stream(stream, problems), problems
                )
            except UnicodeDecodeError as exc:
                raise RefusedFile(path, f"is not UTF-8 text ({exc.reason})") from None
            except RecursionError:
                raise RefusedFile(path, "is JSON nested too deeply") from None
        record_import(s, path, source.digest, as_of, result)
        return result

    return _run(store, path, run)


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
