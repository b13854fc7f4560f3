"""Kept-up-to-date exports: a file bound to a selection and a format, rewritten (atomically)
after every committed change that alters what it would hold.

A refresh renders each binding in memory and compares the SHA-256 of the result with what
was last written: a change that does not alter the output writes nothing. A destination
that fails is recorded on its binding (``exports`` lists it) and keeps its previous file.
The window runs refreshes debounced on a thread (:class:`Follower`); the CLI runs one
before a writing command exits.

A binding names a file on one machine, so it is the member's own: a personal library keeps
its bindings in its database, a team library in this client's folder
(``kept-exports.sqlite``), never on the server, where another member's window would write
to a path on their machine that was chosen on someone else's.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, delete, select, update

from app.errors import PaperdeskError
from app.export.atomic import atomic_write
from app.export.common import ExportOptions
from app.export.selection import Papers, Selection, resolve
from app.records import iso_utc, utcnow
from db import Base, KeptExport, make_engine, read_session, write_session

_log = logging.getLogger(__name__)
_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)  # a fixed moment, for comparing only
_STAMPED = frozenset({"json", "md", "html"})  # formats that print when they were exported


@dataclass(frozen=True)
class Binding:
    path: str
    format: str
    selection: Selection
    options: ExportOptions
    written_at: datetime | None = None
    papers: int | None = None
    error: str | None = None
    content_hash: str | None = None

    def to_json(self) -> dict[str, Any]:
        sel = self.selection
        return {
            "path": self.path,
            "format": self.format,
            "tags": list(sel.tags),
            "match": sel.match,
            "query": sel.query,
            "starred": sel.starred,
            "last_written": iso_utc(self.written_at) if self.written_at else None,
            "papers": self.papers,
            "error": self.error,
        }

    def describe(self) -> str:
        sel = self.selection
        what = []
        if sel.tags:
            what.append(
                ("tag " if len(sel.tags) == 1 else f"tags ({sel.match}) ") + ", ".join(sel.tags)
            )
        if sel.query:
            what.append(f"query {sel.query!r}")
        if sel.starred:
            what.append("starred")
        return f"{self.format}: " + ("; ".join(what) or "every paper")


def normalise(path: str | Path) -> str:
    """The one spelling of a destination (absolute, ``~`` expanded, symlinks kept)."""
    return os.path.abspath(os.path.expanduser(str(path)))


def _encode(sel: Selection, opts: ExportOptions) -> str:
    return json.dumps(
        {
            "tags": list(sel.tags),
            "match": sel.match,
            "query": sel.query,
            "starred": sel.starred,
            "title": opts.title,
            "group_by_tag": opts.group_by_tag,
        },
        ensure_ascii=False,
    )


def _decode(row: KeptExport) -> Binding:
    data = json.loads(row.selection)
    sel = Selection(
        tags=tuple(data.get("tags") or ()),
        match=data.get("match") or "all",
        query=data.get("query"),
        starred=bool(data.get("starred")),
    )
    opts = ExportOptions(
        title=data.get("title") or "Reading list", group_by_tag=bool(data.get("group_by_tag"))
    )
    return Binding(
        row.path, row.format, sel, opts, row.written_at, row.papers, row.error, row.content_hash
    )


LOCAL_DB = "kept-exports.sqlite"  # a team library's bindings, in this client's folder
_local: dict[str, Engine] = {}
_local_lock = threading.Lock()


def _engine(lib: Any) -> Engine:
    """Where ``lib``'s bindings are stored: its own database, or for a team library this
    client's ``kept-exports.sqlite`` (made on first use)."""
    if not getattr(lib.store, "is_team", False):
        return lib.store.engine
    path = str(Path(lib.path) / LOCAL_DB)
    with _local_lock:
        engine = _local.get(path)
        if engine is None:
            engine = make_engine(path)
            Base.metadata.create_all(engine, tables=[KeptExport.__table__])  # type: ignore[list-item]
            _local[path] = engine
        return engine


def close(lib: Any) -> None:
    """Let go of a team library's local bindings file (the library is closing)."""
    path = getattr(lib, "path", None)
    if path is None:
        return
    with _local_lock:
        engine = _local.pop(str(Path(path) / LOCAL_DB), None)
    if engine is not None:
        engine.dispose()


@contextmanager
def _reading(lib: Any) -> Iterator[Any]:
    with read_session(_engine(lib)) as s:
        yield s


def _store(lib: Any, fn: Callable[[Any], Any]) -> Any:
    """Run ``fn`` in one write transaction on the bindings. A team library's are this
    member's own, so a read-only member may keep exports too."""
    if not getattr(lib.store, "is_team", False):
        return lib.store.write(fn)[0]
    with write_session(_engine(lib)) as s:
        return fn(s)


def bindings(lib: Any) -> list[Binding]:
    with _reading(lib) as s:
        return [_decode(r) for r in s.scalars(select(KeptExport).order_by(KeptExport.path))]


def render(
    lib: Papers, fmt: str, sel: Selection, opts: ExportOptions, cache: Entries | None = None
) -> tuple[str, int]:
    """The export as text, and how many papers it holds. With ``cache`` (an entry format),
    only the papers changed since the cached rendering are rendered again."""
    from app.export import FORMATS

    module = FORMATS[fmt]
    if cache is not None and fmt in ENTRY_FORMATS:
        return cache.render(lib, module.entry_text, fmt, sel)
    ids = resolve(lib, sel)
    if getattr(module, "KEYED", False):
        lib.make_citation_keys(ids)
    buf = io.StringIO()
    module.write(lib, ids, buf, opts)
    return buf.getvalue(), len(ids)


# Formats whose file is exactly ``"\n".join(entry_text(p) for p in papers)``
# (``selection.write_entries``): each paper's entry can be kept and reused.
ENTRY_FORMATS = frozenset({"bibtex", "biblatex"})
_FEED_LIMIT = 2000  # more changes than this since the cached rendering: render everything


@dataclass
class _Rendered:
    fmt: str
    selection: Selection
    seq: int  # the change-feed position the entries are current at
    entries: dict[int, str]
    digest: str = ""  # SHA-256 of the entries joined: the file they make


class Entries:
    """The kept exports' entries as last rendered, by file, with the change-feed position
    they are current at: a refresh renders again only the papers that changed since (any
    feed row that names no paper — a tag renamed — renders everything).

    ``folder``: also kept on disk there, for the next process (the CLI's commands each
    start afresh); a cached rendering is used only if it is what the binding last wrote
    (its SHA-256 is the binding's), so a stale or foreign cache renders everything."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self._by_path: dict[tuple[str, str], _Rendered] = {}
        self.folder = Path(folder) if folder is not None else None
        self.rendered = 0  # entries rendered, in all (how incremental the refreshes were)

    def render(
        self,
        lib: Any,
        entry: Callable[[Any], str],
        fmt: str,
        sel: Selection,
        path: str = "",
        last_hash: str | None = None,
    ) -> tuple[str, int]:
        # The position first: a change committed while this reads is rendered again next time.
        seq = lib.last_change()
        ids = resolve(lib, sel)
        lib.make_citation_keys(ids)
        old = self._by_path.get((path, fmt)) or self._load(path, fmt, last_hash)
        entries: dict[int, str] = {}
        # A cache older than the feed's horizon (a team library's retention pruned rows
        # after it) cannot tell which papers changed: it renders everything.
        if old is not None and old.selection == sel and lib.feed_horizon() <= old.seq <= seq:
            rows = lib.changes_since(old.seq, _FEED_LIMIT + 1)
            if len(rows) <= _FEED_LIMIT and all(pid is not None for _s, pid, _k in rows):
                dirty = {pid for _s, pid, _k in rows}
                entries = {i: t for i, t in old.entries.items() if i not in dirty}
        need = [i for i in ids if i not in entries]
        for p in lib.iter_papers(need):
            entries[p.id] = entry(p)
        self.rendered += len(need)
        kept = {i: entries[i] for i in ids if i in entries}
        text = "\n".join(kept.values())
        digest = hashlib.sha256(text.encode()).hexdigest()
        rendered = _Rendered(fmt, sel, seq, kept, digest)
        self._by_path[(path, fmt)] = rendered
        # Saved whenever the file it makes changed (a paper left counts): the next process
        # uses it only if it makes exactly the file last written. Also when the feed has
        # moved on a lot, so the next process reads few rows (and never too many).
        if old is None or digest != old.digest or seq - old.seq > _FEED_LIMIT // 4:
            self._save(path, rendered)
        return text, len(kept)

    def _file(self, path: str, fmt: str) -> Path | None:
        if self.folder is None or not path:
            return None
        name = hashlib.sha256(f"{fmt}\0{path}".encode()).hexdigest()[:32]
        return self.folder / f"{name}.json"

    def _load(self, path: str, fmt: str, last_hash: str | None) -> _Rendered | None:
        where = self._file(path, fmt)
        if where is None or last_hash is None:
            return None
        try:
            data = orjson.loads(where.read_bytes())
            if data["hash"] != last_hash or data["fmt"] != fmt or data["path"] != path:
                return None
            sel = Selection(
                tags=tuple(data["tags"]),
                match=data["match"],
                query=data["query"],
                starred=bool(data["starred"]),
            )
            entries = {int(i): t for i, t in data["entries"]}
            # The entries themselves must make the file last written (~30 ms for 10,000).
            if hashlib.sha256("\n".join(entries.values()).encode()).hexdigest() != last_hash:
                return None
            return _Rendered(fmt, sel, int(data["seq"]), entries, last_hash)
        except (OSError, ValueError, KeyError, TypeError):  # none yet, or damaged: render all
            return None

    def _save(self, path: str, r: _Rendered) -> None:
        where = self._file(path, r.fmt)
        if where is None:
            return
        sel = r.selection
        data = {
            "path": path,
            "fmt": r.fmt,
            "hash": r.digest,
            "seq": r.seq,
            "tags": list(sel.tags),
            "match": sel.match,
            "query": sel.query,
            "starred": sel.starred,
            "entries": list(r.entries.items()),
        }
        try:
            where.parent.mkdir(parents=True, exist_ok=True)
            tmp = where.with_suffix(".tmp")
            tmp.write_bytes(orjson.dumps(data))
            os.replace(tmp, where)
        except OSError as exc:  # only a cache: the next refresh renders everything
            _log.warning("kept-export cache %s not written: %s", where, exc)


def _digest(
    lib: Papers,
    fmt: str,
    sel: Selection,
    opts: ExportOptions,
    cache: Entries | None = None,
    path: str = "",
    last_hash: str | None = None,
) -> tuple[str, str, int]:
    if cache is not None and fmt in ENTRY_FORMATS:
        from app.export import FORMATS

        text, n = cache.render(lib, FORMATS[fmt].entry_text, fmt, sel, path, last_hash)
        return hashlib.sha256(text.encode()).hexdigest(), text, n
    if fmt in _STAMPED:  # compare without the moment, which differs every time
        fixed = ExportOptions(opts.title, opts.group_by_tag, _EPOCH)
        text, n = render(lib, fmt, sel, fixed)
        return hashlib.sha256(text.encode()).hexdigest(), "", n
    text, n = render(lib, fmt, sel, opts)
    return hashlib.sha256(text.encode()).hexdigest(), text, n


def _write(lib: Papers, b: Binding, cache: Entries | None = None) -> tuple[str, int, bool]:
    """Write ``b``'s file if its content changed: (hash, papers, whether written)."""
    from app.export import _FILE_ENCODING

    digest, text, n = _digest(lib, b.format, b.selection, b.options, cache, b.path, b.content_hash)
    if digest == b.content_hash and os.path.isfile(b.path):
        return digest, n, False
    if b.format in _STAMPED:
        text, n = render(lib, b.format, b.selection, b.options)

    def fill(out: Any) -> None:
        out.write(text)

    atomic_write(b.path, fill, encoding=_FILE_ENCODING.get(b.format, "utf-8"))
    return digest, n, True


def keep(lib: Any, path: str | Path, fmt: str, sel: Selection, opts: ExportOptions) -> Binding:
    """Bind ``path`` to ``sel`` as ``fmt`` (replacing a binding of the same file) and write
    it now. Raises :class:`PaperdeskError` (nothing bound) if it cannot be written."""
    from app.export import FORMATS

    if fmt not in FORMATS:
        raise PaperdeskError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if sel.ids is not None or sel.view is not None:
        raise PaperdeskError("only a tag, query or starred selection can be kept up to date")
    where = normalise(path)
    b = Binding(where, fmt, sel, opts)
    digest, n, _ = _write(lib, b, Entries(cache_folder(lib)))
    now = utcnow()

    def store(s: Any) -> None:
        s.execute(delete(KeptExport).where(KeptExport.path == where))
        s.add(
            KeptExport(
                path=where,
                format=fmt,
                selection=_encode(sel, opts),
                created_at=now,
                written_at=now,
                content_hash=digest,
                papers=n,
                error=None,
            )
        )

    _store(lib, store)
    return Binding(where, fmt, sel, opts, now, n, None, digest)


def remove(lib: Any, path: str | Path) -> bool:
    where = normalise(path)

    def drop(s: Any) -> int:
        return s.execute(delete(KeptExport).where(KeptExport.path == where)).rowcount or 0

    return bool(_store(lib, drop))


@dataclass
class Refreshed:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, one-line reason)


def cache_folder(lib: Any) -> Path | None:
    """Where a library keeps its kept exports' entries between processes (its folder)."""
    path = getattr(lib, "path", None)
    return Path(path) / "kept-exports" if path is not None and Path(path).is_dir() else None


def refresh(lib: Any, cache: Entries | None = None) -> Refreshed:
    """Bring every kept export up to date; never raises for one binding's failure.
    ``cache``: the entries of earlier refreshes (default: those kept in the library's
    folder), to render only the papers changed since."""
    if cache is None:
        cache = Entries(cache_folder(lib))
    out = Refreshed()
    for b in bindings(lib):
        try:
            digest, n, wrote = _write(lib, b, cache)
        except PaperdeskError as exc:
            reason = str(exc)
            out.failed.append((b.path, reason))
            if reason != b.error:
                _set(lib, b.path, error=reason)
            continue
        except Exception as exc:  # noqa: BLE001 — one binding never stops the others
            _log.exception("kept export %s failed", b.path)
            reason = f"{b.path}: {type(exc).__name__}: {exc}"
            out.failed.append((b.path, reason))
            _set(lib, b.path, error=reason)
            continue
        if wrote:
            out.written.append(b.path)
            _set(lib, b.path, written_at=utcnow(), content_hash=digest, papers=n, error=None)
        else:
            out.unchanged.append(b.path)
            if b.error is not None or b.papers != n:
                _set(lib, b.path, papers=n, error=None)
    return out


def _set(lib: Any, path: str, **values: Any) -> None:
    _store(
        lib,
        lambda s: s.execute(update(KeptExport).where(KeptExport.path == path).values(**values)),
    )


def has_bindings(lib: Any) -> bool:
    with _reading(lib) as s:
        return s.scalar(select(KeptExport.id).limit(1)) is not None


CEILING = 60.0  # seconds: the longest a burst's changes wait for a rewrite


class Follower:
    """Refreshes kept exports after changes, debounced: a burst of changes gives one
    refresh ``delay`` seconds after the last, one at a time, on its own thread. A long
    burst is refreshed meanwhile too, after ``max_wait`` seconds, then twice as long each
    time (up to :data:`CEILING`) while it goes on: a few rewrites, however long the burst.
    ``done(Refreshed)`` is called on that thread."""

    def __init__(
        self,
        lib: Any,
        done: Callable[[Refreshed], None] | None = None,
        delay: float = 0.3,
        max_wait: float = 1.5,
    ) -> None:
        self._lib = lib
        self._done = done
        self.delay, self.max_wait = delay, max_wait
        self._cond = threading.Condition()
        self._due: float | None = None  # when the pending refresh should run
        self._first: float | None = None  # when the pending burst began
        self._stopping = False
        self.refreshes = 0
        self._streak = 0  # refreshes in the current burst: each doubles the next wait
        self._last_end = float("-inf")
        self.entries = Entries(cache_folder(lib))  # what a refresh rendered, for the next
        self._busy = False
        self._thread = threading.Thread(target=self._run, name="paperdesk-kept", daemon=True)
        self._thread.start()

    def request(self, *_args: object) -> None:
        import time

        now = time.monotonic()
        with self._cond:
            if self._first is None:
                self._first = now
                if now - self._last_end > self.max_wait:  # quiet since the last: a new burst
                    self._streak = 0
            wait = min(self.max_wait * 2**self._streak, CEILING)
            self._due = min(now + self.delay, self._first + wait)
            self._cond.notify_all()

    def idle(self) -> bool:
        with self._cond:
            return self._due is None and not self._busy

    def wait(self, timeout: float | None = None) -> bool:
        with self._cond:
            return self._cond.wait_for(
                lambda: (self._due is None and not self._busy) or self._stopping, timeout
            )

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join()

    def _run(self) -> None:
        import time

        while True:
            with self._cond:
                while not self._stopping:
                    if self._due is not None:
                        left = self._due - time.monotonic()
                        if left <= 0:
                            break
                        self._cond.wait(left)
                    else:
                        self._cond.wait()
                if self._stopping and self._due is None:
                    return
                last = self._stopping  # a refresh still due runs once, then the thread ends
                self._due = self._first = None
                self._busy = True
            try:
                result = refresh(self._lib, self.entries)
            except Exception as exc:  # noqa: BLE001 — closing, or the database is busy
                _log.warning("kept exports not refreshed: %s", exc)
                result = Refreshed(failed=[("", f"kept exports not refreshed: {exc}")])
            self.refreshes += 1
            with self._cond:
                self._busy = False
                self._streak += 1
                self._last_end = time.monotonic()
                self._cond.notify_all()
            if self._done is not None:
                try:
                    self._done(result)
                except Exception:  # noqa: BLE001 — a listener's failure is not ours
                    _log.exception("kept-export listener failed")
            if last:
                return
