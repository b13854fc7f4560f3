"""The library's search index: open, check the stamp, catch up from the change feed,
rebuild (in a temporary folder, swapped in), and hand out an up-to-date reader.

One writer path: every change reaches the index through :meth:`SearchIndex.sync`, under a
lock shared by the threads of this process and, through a lock file, by other processes.
The engine (app/search/engine.py; Whoosh today) sits behind an interface; this module
knows the folder, the stamp, the locks and the feed.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import PaperdeskError
from app.search.engine import EngineReader, IdFilter, IndexSource, Progress, SearchEngine
from app.search.rows import live_ids, papers_by_id
from app.search.whoosh.engine import WhooshEngine, file_lock
from app.search.whoosh.schema import SCHEMA_VERSION
from app.store.changes import Changes
from app.store.filters import PaperFilter

if TYPE_CHECKING:
    from app.search.results import SearchResult

_log = logging.getLogger(__name__)

INDEX_DIR = "index"
STAMP = "paperdesk-stamp.json"
LOCK_FILE = "index.lock"
BULK_MIN = 3000  # from this many changed papers on, index in worker processes
FAST_MIN = 500  # from this many, the fast (bulk) writer in this process; below: stock
LOCK_WAIT_S = 600.0
TRY_WAIT_S = 0.3  # try_sync: how long a write's own catch-up waits for another writer

__all__ = ["BULK_MIN", "INDEX_DIR", "STAMP", "IndexBusy", "IndexError_", "SearchIndex"]


class IndexError_(PaperdeskError):
    """The index could not be brought up to date (one line, like every user-facing error)."""


class IndexBusy(IndexError_):
    """Another writer holds the index (raised only when the caller would not wait)."""


class SearchIndex:
    """The index of one library: ``<library_folder>/index/``, following ``source``'s feed."""

    def __init__(self, library_folder: Path, source: IndexSource) -> None:
        self.path = library_folder
        self.source = source
        self.folder = library_folder / INDEX_DIR
        self._sync_lock = threading.RLock()  # this process's writer path
        self._open_lock = threading.Lock()  # guards self._engine / self._build
        self._engine: SearchEngine | None = None
        self._build: str | None = None  # build id of the index self._engine is on
        self.rebuilding = False
        self.progress: tuple[int, int] = (0, 0)
        self._thread: threading.Thread | None = None
        self._checked = False  # the full check (stamp, files, counts) ran once
        self.damaged = False  # reading it failed: rebuild at the next chance
        self.failure: str | None = None  # why the last sync failed (e.g. a full disk)
        self.note: str | None = None  # for the user: results are from an older index

    # -- stamp -----------------------------------------------------------------------------

    def stamp(self, folder: Path | None = None) -> dict[str, Any] | None:
        """The stamp: ``{"schema", "seq", "build"}``, or None when missing or unreadable."""
        try:
            data = json.loads(((folder or self.folder) / STAMP).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("seq"), int):
            return None
        return data

    @staticmethod
    def _write_stamp(folder: Path, seq: int, build: str) -> None:
        tmp = folder / (STAMP + ".tmp")
        data = json.dumps({"schema": SCHEMA_VERSION, "seq": seq, "build": build})
        try:
            # Never through a symlink or into a file someone left there: what a crash left
            # (or anyone planted) is removed, not followed, and the new file is created
            # exclusively (the caller holds the index's lock, so no writer of ours races).
            tmp.unlink(missing_ok=True)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(tmp, flags, 0o644)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(data)
            os.replace(tmp, folder / STAMP)
        except BaseException:
            tmp.unlink(missing_ok=True)  # the old stamp stays: the index is as it was
            raise

    def problem(self, full: bool = True) -> str | None:
        """Why the index must be rebuilt from the database, or None if it can catch up.

        ``full``: also open every segment and compare counts (once per session, and after a
        failure); otherwise only the stamp is checked.
        """
        stamp = self.stamp()
        if not WhooshEngine.exists(self.folder):
            return "missing"
        if stamp is None:
            return "no stamp"
        if stamp.get("schema") != SCHEMA_VERSION:
            return "built for another schema version"
        last = self.source.last_change()
        if stamp["seq"] > last:
            return "newer than the database (restored from a backup?)"
        horizon = getattr(self.source, "feed_horizon", None)  # a team library's retention
        if horizon is not None and stamp["seq"] < horizon():
            return "older than the change feed reaches back (away longer than its retention)"
        if self.damaged:
            return "damaged (a search could not read it)"
        if not full:
            return None
        try:
            engine = self._current()
            docs = engine.check()
            if stamp["seq"] != last:
                return None  # behind: the catch-up changes documents; nothing to compare
            if docs != self.source.count():
                return "paper count differs from the database"
            if sorted(self.indexed_ids()) != self.source.paper_ids(sort="id", descending=False):
                return "damaged: its paper ids are not the database's"
            wrong = engine.audit(self._rows)
        except Exception:  # any damage to the files: rebuild, never fail the user
            self._drop_engine()
            return "corrupt"
        return None if wrong is None else f"damaged: {wrong}"

    def _rows(self, ids: list[int]) -> list[dict[str, Any]]:
        return [p for batch in papers_by_id(self.source.engine, sorted(ids)) for p in batch]

    def confirm_damage(self) -> bool:
        """After a search failed: True (and marked for a rebuild) only if the index
        itself is damaged; a query Whoosh could not run is no reason to rebuild."""
        self._drop_engine()  # look at the files afresh
        why = self.problem(full=True)
        if why is not None:
            _log.warning("search index %s; rebuilding it", why)
            self.damaged = True
            self._checked = False
        return why is not None

    def live_ids(self, ids: list[int]) -> set[int]:
        return live_ids(self.source.engine, ids)

    def lag(self) -> int:
        """How many changes the index is behind the database."""
        stamp = self.stamp()
        return self.source.last_change() - (stamp["seq"] if stamp else 0)

    def behind(self) -> bool:
        stamp = self.stamp()
        return stamp is None or stamp["seq"] != self.source.last_change()

    # -- the engine on the current build ---------------------------------------------------

    def _current(self) -> SearchEngine:
        """The engine on the index the stamp names (a new build: a new engine)."""
        build = (self.stamp() or {}).get("build")
        with self._open_lock:
            if self._engine is None or self._build != build:
                if self._engine is not None:
                    self._engine.close()
                self._engine = WhooshEngine(self.folder)
                self._build = build
            return self._engine

    def _drop_engine(self) -> None:
        with self._open_lock:
            if self._engine is not None:
                self._engine.close()
            self._engine = None
            self._build = None

    @contextmanager
    def reading(self) -> Iterator[EngineReader | None]:
        """A reader on the current index, for this thread alone while the block runs;
        None when the files cannot be opened (they are then marked damaged)."""
        with ExitStack() as stack:
            try:
                reader: EngineReader | None = stack.enter_context(self._current().reading())
            except Exception:
                self.damaged = True
                self._drop_engine()
                reader = None
            yield reader

    def only(self, flt: PaperFilter) -> IdFilter:
        """Hits restricted to a sidebar view, recomputed after every change."""
        return IdFilter(
            (flt, self.source.last_change()),
            lambda: self.source.paper_ids(flt, sort="id"),
        )

    def highlight(self, text: str, terms: frozenset[str], whole: bool) -> str | None:
        return self._current().highlight(text, terms, whole)

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join()
        self._drop_engine()

    # -- the writer path -------------------------------------------------------------------

    @contextmanager
    def _locked(self, wait: bool = True) -> Iterator[None]:
        """This process's lock, then the cross-process lock file beside the index.
        ``wait=False``: raise :class:`IndexBusy` at once when another writer holds it."""
        if not self._sync_lock.acquire(timeout=-1 if wait else TRY_WAIT_S):
            raise IndexBusy(f"{self.folder}: the index is being updated by this process")
        try:
            lock = file_lock(self.path / LOCK_FILE)
            deadline = time.monotonic() + (LOCK_WAIT_S if wait else TRY_WAIT_S)
            while not lock.acquire(blocking=False):
                if not wait and time.monotonic() > deadline:
                    raise IndexBusy(f"{self.folder}: another Paperdesk is updating the index")
                if time.monotonic() > deadline:
                    raise IndexError_(f"{self.folder}: another Paperdesk keeps the index locked")
                time.sleep(0.02)
            try:
                yield
            finally:
                lock.release()
        finally:
            self._sync_lock.release()

    def sync(self, progress: Progress | None = None, wait: bool = True) -> None:
        """THE catch-up: bring the index up to the database's latest change (rebuilding it
        if needed). Thread-safe; the index commits only what fully succeeded. ``wait=False``:
        raise :class:`IndexBusy` instead of waiting for another writer (whose own catch-up,
        or the next search, then takes this change in)."""
        with self._locked(wait):
            try:
                why = self.problem(full=not self._checked)
                if why is not None:
                    self._rebuild_locked(progress)
                elif not self._checked:
                    self._current().clean_up()  # what a killed writer left
                self._catch_up_locked(progress)
                # Changes committed meanwhile, whose writers may have found the lock taken
                # and left them to us: one more look before letting go.
                self._catch_up_locked(progress)
            except BaseException as exc:
                self.failure = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                raise
            self.failure = None
            self._checked = True

    def try_sync(self, progress: Progress | None = None) -> bool:
        """:meth:`sync` for a caller whose change is already committed (the CLI before it
        exits, the window's index thread): a failure is logged, never raised — the next
        search or sync catches up (with a full check). True when the index is current.

        Never waits for index work of another process or thread (a ``reindex`` running
        elsewhere): a CLI write such as ``star`` returns at once, and the writer that holds
        the index, or the next search, takes the change in."""
        try:
            self.sync(progress, wait=False)
            return True
        except IndexBusy as exc:
            _log.info("%s; the change is indexed when it is done", exc)
            return False
        except Exception as exc:
            self._checked = False
            _log.warning("search index not updated (%s); it will catch up", exc)
            return False

    def _catch_up_locked(self, progress: Progress | None) -> None:
        stamp = self.stamp()
        assert stamp is not None
        rows = self.source.changes_since(stamp["seq"])
        if not rows:
            return
        changes = Changes.from_feed(rows)
        assert changes.last_seq is not None
        # Tag names and colours (``tags``/``color`` rows) change no document by themselves:
        # a rename logs ``tag`` rows for exactly the papers whose tag text changed.
        ids = sorted(changes.paper_ids)
        engine = self._current()
        if ids:
            if len(ids) >= BULK_MIN:
                total = len(ids)
                done = [0]

                def step(n: int) -> None:
                    done[0] += n
                    if progress:
                        progress(done[0], total)

                self._release_idle()
                engine.bulk_index(self.source.db_path, ids, step)
            else:
                with engine.writer(bulk=len(ids) >= FAST_MIN) as w:
                    w.delete(ids)  # the deleted ones, and the rest before they are re-added
                    for batch in papers_by_id(self.source.engine, ids):
                        w.upsert(batch)
        self._write_stamp(self.folder, changes.last_seq, stamp["build"])

    def _release_idle(self) -> None:
        """Before the bulk workers start (their memory comes on top of ours): close the
        source's pooled connections no one is using, so that each one's SQLite page cache
        (up to 64 MB) goes back to the system; the next read opens a new connection."""
        self.source.engine.pool.dispose()

    def rebuild(self, progress: Progress | None = None) -> None:
        """Build a new index from the database in a temporary folder and swap it in."""
        with self._locked():
            self._rebuild_locked(progress)
            self._catch_up_locked(progress)
            self._checked = True

    def _rebuild_locked(self, progress: Progress | None) -> None:
        self.rebuilding = True
        try:
            for left in leftovers(self.path):  # we hold the lock: no other rebuild runs
                shutil.rmtree(left, ignore_errors=True)
            # The cursor first, then the papers: a change committed in between is in both
            # the build and the catch-up after it, and replaying it is harmless. (The
            # source's cursor is the gap-safe one; never read max(seq) here.)
            seq = self.source.last_change()
            ids = self.source.paper_ids(sort="id", descending=False)
            self.progress = (0, len(ids))
            tmp = self.path / f"index.building-{os.getpid()}-{uuid.uuid4().hex[:6]}"
            tmp.mkdir()
            try:
                engine = WhooshEngine.create(tmp)
                done = [0]

                def step(n: int) -> None:
                    done[0] += n
                    self.progress = (done[0], len(ids))
                    if progress:
                        progress(done[0], len(ids))

                if len(ids) >= BULK_MIN:
                    self._release_idle()
                    engine.bulk_index(self.source.db_path, ids, step)
                else:
                    with engine.writer(bulk=True) as w:
                        for batch in papers_by_id(self.source.engine, ids):
                            w.upsert(batch)
                            step(len(batch))
                engine.close()
                self._write_stamp(tmp, seq, uuid.uuid4().hex)
                self._swap_in(tmp)
                self.damaged = False
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        finally:
            self.rebuilding = False

    def _swap_in(self, tmp: Path) -> None:
        # Searches still running on the old index keep their open files (POSIX); new ones
        # notice the new build id in the stamp and reopen.
        old = self.path / f"index.old-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        if self.folder.exists():
            os.replace(self.folder, old)
        os.replace(tmp, self.folder)
        shutil.rmtree(old, ignore_errors=True)

    def ensure(self, background: bool = False) -> bool:
        """Make the index current before a search; False while it is being (re)built.

        The first call checks the stamp and the files; a missing, stale or corrupt index is
        rebuilt, on a thread when ``background`` (as-you-type in the window), else right
        here (the CLI). A large lag is caught up on a thread when ``background``.
        """
        self.note = None
        if self.rebuilding:
            return False
        try:
            if not self._checked or self.damaged:
                if self.problem() is not None:
                    if background:
                        self.sync_in_background()
                        return False
                    self.sync()
                self._checked = True
            lag = self.lag()
            if lag > 0:
                if background and lag >= BULK_MIN:
                    # e.g. another process imported 100,000 papers: catch up off this thread.
                    self.sync_in_background()
                    return False
                self.sync()
        except (OSError, IndexError_, PaperdeskError, RuntimeError) as exc:
            # A full disk, a lock held too long: answer from the last good index (a
            # failed write left it as it was), and say so; the next search tries again.
            _log.warning("search index not brought up to date: %s", exc)
            if self.problem(full=False) is not None:
                self.note = f"the search index could not be built ({exc})"
                return False
            self.note = (
                f"the search index is {self.lag()} change(s) behind the library and could not "
                f"be updated ({exc}); results may be out of date"
            )
        return True

    def sync_in_background(self, progress: Progress | None = None) -> None:
        """Run :meth:`sync` on a thread (searches meanwhile say "indexing")."""
        if self._thread is not None and self._thread.is_alive():
            return
        self.rebuilding = True

        def run() -> None:
            try:
                self.sync(progress)
            except Exception as exc:
                _log.warning("search index not brought up to date: %s", exc)
            finally:
                self.rebuilding = False

        self._thread = threading.Thread(target=run, name="paperdesk-reindex", daemon=True)
        self._thread.start()

    rebuild_in_background = sync_in_background  # the name the window used

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()

    # -- searching (app/search/results.py, related.py) -------------------------------------

    def search(
        self,
        query: str,
        limit: int = 50,
        sort: str = "relevance",
        as_you_type: bool = False,
        flt: PaperFilter | None = None,
    ) -> SearchResult:
        """Full-text search (see ``Library.search``)."""
        from app.search.results import run_search

        return run_search(self, query, limit, sort, as_you_type, flt)

    def related(self, paper_id: int, limit: int = 10) -> SearchResult:
        """The papers most like ``paper_id``, best first (itself excluded)."""
        from app.search.related import related

        return related(self, paper_id, limit)

    def indexed_ids(self) -> list[int]:
        """Every paper id the index holds now (for checks and tests)."""
        with self.reading() as r:
            return [] if r is None else r.indexed_ids()


def leftovers(library_folder: Path) -> list[Path]:
    """Folders an interrupted rebuild left beside the index."""
    return [
        p
        for p in sorted(library_folder.glob("index.building-*"))
        + sorted(library_folder.glob("index.old-*"))
        if p.is_dir()
    ]
