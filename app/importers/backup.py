"""Restore a Paperdesk JSON export (``paperdesk export --format json``) on import.

Into an empty library the restore is exact: every paper with its id, fields, tags (and
their colours), note, star and read state, ``added_at``, and whether it is in the Trash.
Into a library that already holds some of the papers it merges like a page import does (by
arXiv id, else title), adding tags, filling a missing note, and setting star/read where the
backup has them set (a paper already there keeps its own Trash state).

The file is streamed (ijson over yajl, in C), never held whole: a first pass checks it is
whole, well-formed JSON nested no deeper than :data:`MAX_DEPTH` (and hashes it), then the
tags are read, then the papers, :data:`BATCH` at a time, into the store's merge writer,
all in the caller's one transaction: a bad paper refuses the whole file, nothing written.
"""

from __future__ import annotations

import hashlib
import io
import operator
import re
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from itertools import accumulate, repeat
from typing import IO, Any

import ijson
import ijson.backends.python as ijson_python
import orjson
from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from app.errors import PaperdeskError, RefusedFile
from app.importers.parsed import ID_LIMIT, INT_LIMIT
from app.records import BACKUP_FORMAT_ID, BACKUP_VERSION, FileResult
from app.store.filters import normalise_tag
from app.store.merge import NewIds, add_row, merge, record_import, title_key
from db import CitationKey, Paper
from db.engine import bulk_import_pragmas, indexes_built_after

BATCH = 5_000  # papers per merge batch: bounds memory
MAX_DEPTH = 16  # a backup is 4 deep (papers > paper > links); deeper is not ours
READ_CHUNK = 1 << 20
# Bounds a paper's fields must keep (an SQLite integer; the index's 32-bit counts).
MAX_ID = 2**63 - 1
MAX_COUNT = 2**31 - 1
MAX_TEXT = 10 * 2**20  # characters of one text field (a note's limit too)

_DELTA = {"start_map": 1, "start_array": 1, "end_map": -1, "end_array": -1}
# A \uD800-\uDFFF escape: yajl turns a lone one into "?", so such files take the Python
# parser, which keeps it for the check to name.
_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def refuse_json(name: object) -> RefusedFile:
    return RefusedFile(name, "is JSON, but not a Paperdesk export (no 'papers' list)")


@dataclass
class Head:
    """What the first pass learnt: the top-level values, the digest, the parser to use."""

    values: dict[str, Any] = field(default_factory=dict)
    keys: set[str] = field(default_factory=set)
    digest: str = ""
    escapes: bool = False  # surrogate escapes seen: parse with the Python backend


class _Reader(io.RawIOBase):
    """A file's bytes, hashed and scanned for surrogate escapes as the parser reads them."""

    def __init__(self, fh: IO[bytes], head: Head) -> None:
        self._fh, self._head, self._hash, self._tail = fh, head, hashlib.sha256(), b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._fh.read(len(buffer))
        if data:
            self._hash.update(data)
            if not self._head.escapes and b"\\u" in self._tail + data:
                self._head.escapes = bool(_SURROGATE.search(self._tail + data))
            self._tail = data[-5:]
            buffer[: len(data)] = data
        else:
            self._head.digest = self._hash.hexdigest()
        return len(data)


def scan(name: object, opener: Callable[[], IO[bytes]]) -> Head:
    """The first pass: whole, well-formed, not too deep, a Paperdesk export of a version we
    read. The depth is followed by C iterators alone (a Python loop per event would cost
    seconds a million papers); then the head is read up to the papers."""
    head = Head()
    try:
        try:
            deepest = _depth(name, opener, head, ijson)
        except UnicodeDecodeError:
            if not head.escapes:
                raise
            # yajl turns a lone low surrogate escape into bytes it cannot decode
            deepest = _depth(name, opener, Head(escapes=True), ijson_python)
        if deepest > MAX_DEPTH:
            raise RecursionError
        with opener() as fh:  # safe now: ijson's prefixes grow with the square of the depth
            _read_head(fh, head, ijson_python if head.escapes else ijson)
    except RecursionError:
        why = f"is a Paperdesk backup nested too deeply (over {MAX_DEPTH} levels)"
        raise RefusedFile(name, why) from None
    except ijson.JSONError as exc:
        why = str(exc).splitlines()[0]
        why = f"is a Paperdesk backup cut short or not valid JSON ({why})"
        raise RefusedFile(name, why) from None
    except UnicodeDecodeError as exc:
        why = f"is a Paperdesk backup that is not UTF-8 text ({exc.reason})"
        raise RefusedFile(name, why) from None
    if head.values.get("format") != BACKUP_FORMAT_ID or "papers" not in head.keys:
        raise refuse_json(name)
    if "papers" in head.values:
        raise RefusedFile(name, "is a Paperdesk export whose 'papers' is not a list")
    return head


def _depth(name: object, opener: Callable[[], IO[bytes]], head: Head, parser: Any) -> int:
    """The file's greatest depth (hashing it and looking for surrogate escapes on the way)."""
    with opener() as fh:
        events = parser.basic_parse(io.BufferedReader(_Reader(fh, head), READ_CHUNK))
        first = next(events, ("", None))
        if first[0] != "start_map":
            raise refuse_json(name)
        kinds = map(operator.itemgetter(0), events)
        return max(accumulate(map(_DELTA.get, kinds, repeat(0)), initial=1))


def _read_head(fh: IO[bytes], head: Head, parser: Any) -> None:
    """The top-level values, up to the papers once the format and version are known (the
    exporter writes them first; a hand-made file may not: then to the end)."""
    key = None
    for prefix, kind, value in parser.parse(fh):
        if prefix == "" and kind == "map_key":
            key = value
            head.keys.add(value)
        elif prefix == key and kind not in ("start_map", "start_array", "end_map", "end_array"):
            head.values[key] = value
        elif prefix == "papers" and kind == "start_array":
            if "format" in head.values and "version" in head.values:
                return


def _version(name: object, head: Head) -> int:
    version = head.values.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise RefusedFile(name, "is a Paperdesk export without a valid 'version'")
    if version > BACKUP_VERSION:
        raise RefusedFile(
            name, f"is a version {version} Paperdesk export; upgrade Paperdesk to import it"
        )
    return version


def restorer(
    name: object, opener: Callable[[], IO[bytes]], as_of: date
) -> Callable[[Session], FileResult]:
    """The write step restoring the backup ``opener`` opens.

    A file in the exporter's own layout (:func:`_one_pass`) is read once, in the write
    transaction, under a savepoint; anything else in it — another layout, a paper the
    reader does not take as it is — rolls the savepoint back and the general reader below
    starts over. For any other file the general reader's first pass runs now:
    :class:`RefusedFile` if it is not a valid Paperdesk export; nothing is written then."""
    if _looks_exported(opener):

        def run_fast(s: Session) -> FileResult:
            try:
                with s.begin_nested():
                    return _one_pass(s, name, opener, as_of)
            except _NotOurs:
                pass  # rolled back to the savepoint: nothing of it is left
            return _general(name, opener, as_of)(s)

        return run_fast
    return _general(name, opener, as_of)


def _general(
    name: object, opener: Callable[[], IO[bytes]], as_of: date
) -> Callable[[Session], FileResult]:
    """The general reader: ijson passes over any layout of the JSON (checks, head, tags),
    then the papers streamed."""
    head = scan(name, opener)
    version = _version(name, head)
    parser = ijson_python if head.escapes else ijson
    colors = _colors(name, opener, parser)

    def run(s: Session) -> FileResult:
        with opener() as fh:
            papers = _papers(name, parser.items(fh, "papers.item"), version, head.escapes)
            return _store(s, name, lambda: head.digest, as_of, papers, colors)

    return run


class _NotOurs(Exception):
    """The file is not in the exporter's exact layout (or holds a paper the fast reader
    leaves to the general one): start over with the general reader."""


_START = b'{\n  "format": '  # how the exporter begins a backup (app.export.to_json)
_PAPERS, _NO_PAPERS = b'  "papers": [', b'  "papers": [],'
_PAPERS_END, _TAGS = b"  ],", b'  "tags": '
_TAIL_MAX = 64 * 2**20  # the tags line of any real library is far shorter


def _looks_exported(opener: Callable[[], IO[bytes]]) -> bool:
    with opener() as fh:
        return fh.read(len(_START)) == _START


def _one_pass(s: Session, name: object, opener: Callable[[], IO[bytes]], as_of: date) -> FileResult:
    """Restore a backup in the exporter's exact layout in one pass: the head one value a
    line, then one paper a line (each parsed by orjson), then the tags line, which is read
    first from the file's end (the papers need the tags' colours). The whole file is hashed
    on the way. Raises :class:`_NotOurs` at the first line out of that layout."""
    with opener() as fh:
        tags_line = _tags_line(fh)
        colors = _fast_colors(tags_line)
        fh.seek(0)
        lines = _Lines(fh)
        version = _fast_head(name, lines)
        papers = _fast_papers(lines, version, tags_line)
        result = _store(s, name, lambda: lines.digest, as_of, papers, colors)
    if not lines.done:
        raise _NotOurs
    return result


class _Lines:
    """The lines of a file read 1 MB at a time, hashed as read (``digest`` once done)."""

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh, self._hash, self._it = fh, hashlib.sha256(), self._read()
        self.digest, self.done = "", False
        self.empty = False  # the head said "papers": []

    def _read(self) -> Iterator[bytes]:
        rest = b""
        while data := self._fh.read(READ_CHUNK):
            self._hash.update(data)
            lines = (rest + data).split(b"\n")
            rest = lines.pop()
            yield from lines
        self.digest = self._hash.hexdigest()
        if rest:
            raise _NotOurs  # the exporter ends the file with a newline

    def __iter__(self) -> Iterator[bytes]:
        return self._it

    def at_end(self) -> bool:
        """Whether no line is left (reading to the end: the digest is known then)."""
        return next(self._it, None) is None

    def __next__(self) -> bytes:
        line = next(self._it, None)
        if line is None:
            raise _NotOurs
        return line


def _tags_line(fh: IO[bytes]) -> bytes:
    """The file's last line but one (the exporter's tags line), read from its end."""
    size = fh.seek(0, io.SEEK_END)
    block = 1 << 16
    while True:
        start = max(0, size - block)
        fh.seek(start)
        tail = fh.read(size - start)
        if not tail.endswith(b"\n}\n"):
            raise _NotOurs
        at = tail.rfind(b"\n", 0, len(tail) - 3)
        if at >= 0:
            return tail[at + 1 : -3]
        if start == 0 or block >= _TAIL_MAX:
            raise _NotOurs
        block *= 4


def _fast_colors(tags_line: bytes) -> dict[str, str | None]:
    if not tags_line.startswith(_TAGS):
        raise _NotOurs
    try:
        tags = orjson.loads(tags_line[len(_TAGS) :])
    except orjson.JSONDecodeError:
        raise _NotOurs from None
    colors: dict[str, str | None] = {}
    if type(tags) is not list:
        raise _NotOurs
    for t in tags:
        if type(t) is not dict or type(t.get("name")) is not str:
            raise _NotOurs
        color = t.get("color")
        if (color is not None and type(color) is not str) or len(t["name"]) > MAX_TEXT:
            raise _NotOurs
        try:
            colors[normalise_tag(t["name"])] = color
        except PaperdeskError:
            raise _NotOurs from None
    return colors


def _fast_head(name: object, lines: _Lines) -> int:
    """The head's values, one a line up to the papers; the backup's version."""
    if next(lines) != b"{":
        raise _NotOurs
    values: dict[str, Any] = {}
    while (line := next(lines)) not in (_PAPERS, _NO_PAPERS):
        if not line.startswith(b'  "') or not line.endswith(b","):
            raise _NotOurs
        try:
            item = orjson.loads(b"{" + line[:-1] + b"}")
        except orjson.JSONDecodeError:
            raise _NotOurs from None
        if len(item) != 1:
            raise _NotOurs
        ((key, value),) = item.items()
        if key in values or key in ("papers", "tags") or type(value) in (list, dict):
            raise _NotOurs
        values[key] = value
    if values.get("format") != BACKUP_FORMAT_ID:
        raise _NotOurs
    try:
        version = _version(name, Head(values=values))
    except RefusedFile:
        raise _NotOurs from None
    if line == _NO_PAPERS:
        lines.empty = True
    return version


def _fast_papers(lines: _Lines, version: int, tags_line: bytes) -> Iterator[dict[str, Any]]:
    """The papers, one a line; then the exporter's end of file, exactly."""
    loads, known = orjson.loads, _KNOWN
    if not lines.empty:
        for line in lines:
            if line.endswith(b"},"):
                body = line[4:-1]
            elif line.endswith(b"}"):
                body = line[4:]
            elif line == _PAPERS_END:
                break
            else:
                raise _NotOurs
            if not line.startswith(b"    {"):
                raise _NotOurs
            try:
                raw = loads(body)
                if type(raw) is not dict or not raw.keys() <= known:
                    raise _NotOurs
                yield _paper(raw, version)
            except (orjson.JSONDecodeError, _Bad, PaperdeskError):
                raise _NotOurs from None
        else:
            raise _NotOurs
    if next(lines) != tags_line or next(lines) != b"}" or not lines.at_end():
        raise _NotOurs
    lines.done = True


def _colors(name: object, opener: Callable[[], IO[bytes]], parser: Any) -> dict[str, str | None]:
    colors: dict[str, str | None] = {}
    with opener() as fh:
        tags = parser.items(fh, "tags.item")
        for n, t in enumerate(tags, 1):
            if not isinstance(t, dict) or not isinstance(t.get("name"), str):
                raise RefusedFile(name, f"tag {n} of the export is not a {{name, color}} record")
            try:
                _text(t["name"], "tag name")
                colors[normalise_tag(t["name"])] = _opt(t.get("color"), str, "color")
            except (PaperdeskError, _Bad) as exc:
                raise RefusedFile(name, f"tag {n} of the export: {exc}") from None
    return colors


def _papers(
    name: object, items: Iterator[Any], version: int, check_text: bool
) -> Iterator[dict[str, Any]]:
    """Checked, typed paper rows; :class:`RefusedFile` names the first bad paper and why."""
    n = 0
    try:
        for n, raw in enumerate(items, 1):  # noqa: B007 (n names the paper on a failure)
            try:
                row = _paper(raw, version)
                if check_text:
                    _texts(row)
            except (PaperdeskError, _Bad) as exc:
                label = raw.get("title") if isinstance(raw, dict) else None
                if isinstance(label, str):
                    label = label[:60].encode("utf-8", "backslashreplace").decode()
                what = f"paper {n} ({label!r})" if isinstance(label, str) else f"paper {n}"
                raise RefusedFile(name, f"{what}: {exc}") from None
            yield row
    except ijson.JSONError as exc:  # checked by the first pass; only if the file changed
        raise RefusedFile(name, f"after paper {n}: not valid JSON ({exc})") from None
    except UnicodeDecodeError as exc:
        raise RefusedFile(name, f"after paper {n}: not UTF-8 text ({exc.reason})") from None


def _text(value: str, what: str) -> None:
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            code = ord(value[_bad_at(value)])
            raise _Bad(f"{what} holds a lone surrogate (\\u{code:04x}), not text") from None


def _bad_at(value: str) -> int:
    return next(i for i, ch in enumerate(value) if 0xD800 <= ord(ch) <= 0xDFFF)


def _texts(row: dict[str, Any]) -> None:
    for key, value in row.items():
        if isinstance(value, str):
            _text(value, f"'{key}'")
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, str):
                    _text(item, f"an item of '{key}'")


class _Bad(Exception):
    pass


def _opt(value: Any, kind: type, field: str) -> Any:
    if value is None or (isinstance(value, kind) and not isinstance(value, bool)):
        if isinstance(value, int) and not -MAX_ID <= value <= MAX_ID:
            raise _Bad(f"'{field}' is out of range ({str(value)[:20]}…)")
        if isinstance(value, str) and len(value) > MAX_TEXT:
            raise _Bad(f"'{field}' is over {MAX_TEXT // 2**20} MB of text")
        return value
    if kind is bool and isinstance(value, bool):
        return value
    raise _Bad(f"'{field}' must be {kind.__name__} or null, not {type(value).__name__}")


def _count(raw: dict[str, Any], field: str, low: int = 0, limit: int = INT_LIMIT) -> int | None:
    value = _opt(raw.get(field), int, field)
    if value is not None and value < 0:
        raise _Bad(f"'{field}' cannot be negative")
    if value is not None and value > MAX_COUNT:  # the index keeps counts in 32 bits
        raise _Bad(f"'{field}' is out of range (over {MAX_COUNT})")
    return value


def _names(raw: dict[str, Any], field: str) -> list[str]:
    value = raw.get(field) or []
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise _Bad(f"'{field}' must be a list of text")
    return [x for x in value if x.strip()]


def _day(raw: dict[str, Any], field: str) -> date | None:
    text = _opt(raw.get(field), str, field)
    try:
        return date.fromisoformat(text) if text else None
    except ValueError as exc:
        raise _Bad(f"bad date: {exc}") from None


_TEXT_FIELDS = (
    "title", "abstract", "organization", "published", "added_at", "url", "arxiv_id",
    "organization_id", "listed_on", "submitted_by", "ai_summary", "github", "project_page",
    "note",
)  # fmt: skip


_COUNT_FIELDS = ("authors_count", "upvotes", "comments", "github_stars", "id")
_LIST_FIELDS = ("links", "tags", "authors", "ai_keywords")
# Every key the exporter writes for a paper (older versions wrote fewer).
_KNOWN = frozenset(
    (*_TEXT_FIELDS, *_COUNT_FIELDS, *_LIST_FIELDS, "starred", "read", "trashed", "citation_key")
)
_DAYS: dict[str, date] = {}  # publication days repeat: each is parsed once


def _paper(raw: Any, version: int = BACKUP_VERSION) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _Bad("is not a JSON object")
    if version == BACKUP_VERSION:
        row = _usual_paper(raw)
        if row is not None:
            return row
    return _checked_paper(raw, version)


_STR_OR_NONE = frozenset((str, type(None)))
_INT_OR_NONE = frozenset((int, type(None)))


def _usual_paper(raw: dict[str, Any]) -> dict[str, Any] | None:
    """The usual paper of a current backup, checked with a few type tests per field (a
    million papers restore in one pass: the tests run over whole tuples of fields, in C);
    None when any field is unusual: then :func:`_checked_paper` checks it field by field
    and names what is wrong."""
    get = raw.get
    texts = tuple(map(get, _TEXT_FIELDS))
    if not _STR_OR_NONE.issuperset(map(type, texts)):
        return None
    if max(map(len, filter(None, texts)), default=0) > MAX_TEXT:
        return None
    counts = tuple(map(get, _COUNT_FIELDS))
    if not _INT_OR_NONE.issuperset(map(type, counts)):
        return None
    known = [v for v in counts if v is not None]
    if known and (min(known) < 0 or max(known) > MAX_COUNT):
        return None
    authors_count, upvotes, comments, github_stars, pid = counts
    if authors_count == 0 or pid == 0:
        return None
    lists = tuple(map(get, _LIST_FIELDS))
    for value in lists:
        if value and (type(value) is not list or any(type(x) is not str for x in value)):
            return None
    (
        title, abstract, organization, published, added, url, arxiv_id, organization_id,
        listed, submitted_by, ai_summary, github, project_page, note,
    ) = texts  # fmt: skip
    if not title or not title.strip():
        return None
    starred, read, trashed = get("starred", False), get("read", False), get("trashed", False)
    if type(starred) is not bool or type(read) is not bool or type(trashed) is not bool:
        return None
    key = get("citation_key")
    if key is not None and (type(key) is not str or not _KEY.fullmatch(key)):
        return None
    try:
        day = _DAYS.get(published) if published else None
        if published and day is None:
            day = date.fromisoformat(published)
            if len(_DAYS) < 100_000:
                _DAYS[published] = day
        moment = datetime.fromisoformat(added) if added else None
        listed_on = date.fromisoformat(listed) if listed else None
        if moment is not None and moment.tzinfo is not None:
            if moment.tzinfo is not timezone.utc:  # the exporter writes +00:00
                moment = moment.astimezone(timezone.utc)
            moment = moment.replace(tzinfo=None)  # stored naive UTC
    except (ValueError, OverflowError):
        return None
    links, tags, authors, keywords = lists
    if tags:
        try:
            tags = list(dict.fromkeys(normalise_tag(t) for t in tags))
        except PaperdeskError:
            return None
    return {
        "id": pid or None,
        "title": title,
        "abstract": abstract or "",
        "authors_count": authors_count,
        "organization": organization,
        "published": day,
        "upvotes": upvotes,
        "url": url,
        "arxiv_id": arxiv_id or None,
        "authors": [x for x in authors if x.strip()] if authors else [],
        "organization_id": organization_id,
        "listed_on": listed_on,
        "comments": comments,
        "submitted_by": submitted_by,
        "ai_summary": ai_summary,
        "ai_keywords": [x for x in keywords if x.strip()] if keywords else [],
        "github": github,
        "github_stars": github_stars,
        "project_page": project_page,
        "links": [x for x in links if x] if links else [],
        "tags": tags or [],
        "note": note or "",
        "starred": starred,
        "read": read,
        "trashed": trashed,
        "added_at": moment,
        "citation_key": key,
    }


def _checked_paper(raw: dict[str, Any], version: int) -> dict[str, Any]:
    get = raw.get
    for name in _TEXT_FIELDS:  # one cheap loop first: the usual paper passes it
        value = get(name)
        if value is not None and (type(value) is not str or len(value) > MAX_TEXT):
            _opt(value, str, name)
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        raise _Bad("has no title")
    authors = _opt(raw.get("authors_count"), int, "authors_count")
    if authors is not None and not 0 < authors <= MAX_COUNT:
        raise _Bad(f"'authors_count' must be between 1 and {MAX_COUNT}")
    upvotes = _count(raw, "upvotes")
    comments = _count(raw, "comments")
    published = get("published")
    added = get("added_at")
    links = raw.get("links") or []
    tags = raw.get("tags") or []
    if not isinstance(links, list) or not all(isinstance(x, str) for x in links):
        raise _Bad("'links' must be a list of text")
    if not isinstance(tags, list) or not all(isinstance(x, str) for x in tags):
        raise _Bad("'tags' must be a list of text")
    pid = _opt(raw.get("id"), int, "id")
    pid = _count(raw, "id", 0, ID_LIMIT) if pid is not None and pid > 0 else pid
    try:
        day = date.fromisoformat(published) if published else None
        moment = datetime.fromisoformat(added) if added else None
    except ValueError as exc:
        raise _Bad(f"bad date: {exc}") from None
    if moment is not None and moment.tzinfo is not None:
        try:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)  # stored naive UTC
        except OverflowError:  # 0001-01-01T00:00+05:00 is before the year 1 in UTC
            raise _Bad(f"'added_at' {added!r} is out of range") from None
    if version < 2:
        # A version-1 backup's "upvotes" was the comment count after the card's date (0
        # when none was shown); the upvote count itself was never read (as migration 0004).
        old = upvotes or 0
        upvotes, comments = None, (old if day is not None or old > 0 else None)
    return {
        "id": pid if pid and pid > 0 else None,
        "title": title,
        "abstract": get("abstract") or "",
        "authors_count": authors,
        "organization": get("organization"),
        "published": day,
        "upvotes": upvotes,
        "url": get("url"),
        "arxiv_id": get("arxiv_id") or None,
        "authors": _names(raw, "authors"),
        "organization_id": get("organization_id"),
        "listed_on": _day(raw, "listed_on"),
        "comments": comments,
        "submitted_by": get("submitted_by"),
        "ai_summary": get("ai_summary"),
        "ai_keywords": _names(raw, "ai_keywords"),
        "github": get("github"),
        "github_stars": _count(raw, "github_stars"),
        "project_page": get("project_page"),
        "links": [x for x in links if x],
        "tags": list(dict.fromkeys(normalise_tag(t) for t in tags)),
        "note": get("note") or "",
        "starred": bool(_opt(raw.get("starred", False), bool, "starred")),
        "read": bool(_opt(raw.get("read", False), bool, "read")),
        "trashed": bool(_opt(raw.get("trashed", False), bool, "trashed")),
        "added_at": moment,
        "citation_key": _key(raw),
    }


_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_:.\-+/]{0,99}")  # as app.export.keys validates


def _key(raw: dict[str, Any]) -> str | None:
    key = _opt(raw.get("citation_key"), str, "citation_key")
    if key is not None and not _KEY.fullmatch(key):
        raise _Bad(f"'citation_key' {key[:40]!r} is not a citation key")
    return key


def _store(
    s: Session,
    name: object,
    digest: Callable[[], str],
    as_of: date,
    papers: Iterator[dict[str, Any]],
    colors: dict[str, str | None],
) -> FileResult:
    """Merge the backup's papers, :data:`BATCH` at a time (repeats merge)."""
    result = FileResult(path=str(name), status="imported", form="backup")
    bulk_import_pragmas(s)
    seen_new = NewIds()
    keys = _Keys()
    by_key: dict[str, dict[str, Any]] = {}
    empty = s.scalar(select(Paper.id).limit(1)) is None
    # Into an empty library the non-unique indexes are built once, after the papers.
    with indexes_built_after(s, _INDEXED) if empty else nullcontext():
        for p in papers:
            add_row(by_key, p)
            if len(by_key) >= BATCH:
                _merge_batch(s, by_key, result, seen_new, colors, keys)
                by_key = {}
        if by_key:
            _merge_batch(s, by_key, result, seen_new, colors, keys)
    record_import(s, name, digest(), as_of, result)  # the digest: known once all is read
    return result


_INDEXED = ("papers", "paper_tags")  # the tables a restore fills


def _merge_batch(
    s: Session,
    by_key: dict[str, dict[str, Any]],
    result: FileResult,
    seen_new: NewIds,
    colors: dict[str, str | None],
    keys: _Keys,
) -> None:
    wanted = {k: p.pop("citation_key", None) for k, p in by_key.items()}
    merge(s, by_key, result, seen_new, colors)
    keys.restore(s, by_key, wanted)


class _Keys:
    """Citation keys come back with their papers (issue 12): a paper that has no key yet
    takes the backup's, unless another paper holds it. A key, once made, never changes.

    The keys already held are read once per restore and then kept up to date (read again
    per batch, a million-paper restore was quadratic: 50k papers took 40 s)."""

    def __init__(self) -> None:
        self.taken: set[str] | None = None
        self.given: set[int] = set()  # two of the backup's entries may be one paper here

    def restore(
        self, s: Session, by_key: dict[str, dict[str, Any]], keys: dict[str, str | None]
    ) -> None:
        wanted = [(by_key[k], key) for k, key in keys.items() if key]
        if not wanted:
            return
        if self.taken is None:
            self.taken = set(s.scalars(select(func.lower(CitationKey.key))))
        taken, given = self.taken, self.given
        rows: list[dict[str, Any]] = []
        for start in range(0, len(wanted), 400):
            chunk = wanted[start : start + 400]
            arxiv = [p["arxiv_id"] for p, _ in chunk if p.get("arxiv_id")]
            titles = [title_key(p["title"]) for p, _ in chunk]
            found: dict[str, tuple[int, str | None]] = {}
            for pid, aid, tkey, have in s.execute(
                select(Paper.id, Paper.arxiv_id, Paper.title_key, CitationKey.key)
                .outerjoin(CitationKey)
                .where(or_(Paper.arxiv_id.in_(arxiv), Paper.title_key.in_(titles)))
            ):
                if aid:
                    found[f"arxiv:{aid}"] = (pid, have)
                found[tkey] = (pid, have)
            for p, key in chunk:
                hit = found.get(f"arxiv:{p['arxiv_id']}") if p.get("arxiv_id") else None
                hit = hit or found.get(title_key(p["title"]))
                if hit is None or hit[1] is not None or key.lower() in taken or hit[0] in given:
                    continue
                rows.append({"paper_id": hit[0], "key": key})
                taken.add(key.lower())
                given.add(hit[0])
        if rows:  # one executemany per batch, not one statement per paper
            s.connection().execute(insert(CitationKey), rows)
