"""The library's Whoosh index: open, check the stamp, catch up from the change feed,
rebuild (in a temporary folder, swapped in), and hand out an up-to-date searcher.

One writer path: every change reaches the index through :meth:`SearchIndex.sync`, under a
lock shared by the threads of this process and, through a lock file, by other processes.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import shutil
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.query import Term
from whoosh.searching import Searcher
from whoosh.util.filelock import FileLock
from whoosh.writing import SegmentWriter

from app.errors import PaperdeskError
from app.search import bulk
from app.search.fast import FastScorer, View
from app.search.fastwrite import BulkSegmentWriter
from app.search.rows import documents_by_id, snapshot_ids
from app.search.schema import INDEX_NAME, SCHEMA_VERSION, TEXT_FIELDS, make_schema

if TYPE_CHECKING:
    from app.library import Library

_log = logging.getLogger(__name__)

INDEX_DIR = "index"
STAMP = "paperdesk-stamp.json"
BULK_MIN = 3000  # from this many changed papers on, index in worker processes
WRITER_WAIT_S = 60.0

Progress = Callable[[int, int], None]  # (papers done, papers in all)


class IndexError_(PaperdeskError):
    """The index could not be brought up to date (one line, like every user-facing error)."""


class SearchIndex:
    """The index of one open library (``<library>/index/``)."""

    background_commits = False  # see after_commit

    def __init__(self, lib: Library) -> None:
        self.lib = lib
        self.folder = lib.path / INDEX_DIR
        self._sync_lock = threading.RLock()  # this process's writer path
        self._search_lock = threading.Lock()  # one searcher, used by one thread at a time
        self._ix: Any = None
        self._build: str | None = None  # build id of the index self._ix is on
        self._searcher: Searcher | None = None
        self.rebuilding = False
        self.progress: tuple[int, int] = (0, 0)
        self._thread: threading.Thread | None = None
        self._checked = False  # the full check (stamp, files, counts) ran once
        self.damaged = False  # reading it failed: rebuild at the next chance
        self._dirty = False  # a commit arrived while a rebuild was running
        self._filters: dict[Any, np.ndarray] = {}  # (filter, change seq) -> allowed docs
        self._view: tuple[Searcher, View] | None = None
        self.fast = FastScorer(list(TEXT_FIELDS))

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
        tmp.write_text(
            json.dumps({"schema": SCHEMA_VERSION, "seq": seq, "build": build}), encoding="utf-8"
        )
        os.replace(tmp, folder / STAMP)

    def problem(self, full: bool = True) -> str | None:
        """Why the index must be rebuilt from the database, or None if it can catch up.

        ``full``: also open every segment and compare counts (once per session, and after a
        failure); otherwise only the stamp is checked (on every commit).
        """
        stamp = self.stamp()
        if not (self.folder / f"_{INDEX_NAME}_0.toc").exists() and not any(
            self.folder.glob(f"_{INDEX_NAME}_*.toc")
        ):
            return "missing"
        if stamp is None:
            return "no stamp"
        if stamp.get("schema") != SCHEMA_VERSION:
            return "built for another schema version"
        if stamp["seq"] > self.lib.last_change():
            return "newer than the database (restored from a backup?)"
        if self.damaged:
            return "damaged (a search could not read it)"
        if not full:
            return None
        with _quiet_leaks() as failed:
            try:
                ix = self._open()
                if stamp["seq"] == self.lib.last_change() and ix.doc_count() != self.lib.count():
                    return "paper count differs from the database"
                ix.searcher().close()  # opens every segment's files
            except Exception:  # any damage to the files: rebuild, never fail the user
                self._ix = None
                failed.append(True)
        if failed:
            return "corrupt"
        return None

    # -- opening ---------------------------------------------------------------------------

    def _open(self) -> Any:
        stamp = self.stamp() or {}
        if self._ix is None or self._build != stamp.get("build"):
            self._drop_searcher()
            self._ix = whoosh_index.open_dir(str(self.folder), indexname=INDEX_NAME)
            self._build = stamp.get("build")
        return self._ix

    def _drop_searcher(self) -> None:
        with self._search_lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None

    @contextmanager
    def searcher(self) -> Iterator[Searcher | None]:
        """The current searcher, for this thread alone while the block runs.

        A fresh searcher is opened whenever the index changed on disk: Whoosh's
        ``refresh()`` would keep answering with deleted documents.
        """
        with self._search_lock, _quiet_leaks() as failed:
            try:
                stamp = self.stamp() or {}
                if self._ix is None or self._build != stamp.get("build"):
                    if self._searcher is not None:
                        self._searcher.close()
                        self._searcher = None
                    self._ix = whoosh_index.open_dir(str(self.folder), indexname=INDEX_NAME)
                    self._build = stamp.get("build")
                if self._searcher is None or not self._searcher.up_to_date():
                    if self._searcher is not None:
                        self._searcher.close()
                    self._searcher = self._ix.searcher()
            except Exception:
                self._searcher = None
                self._ix = None
                self.damaged = True
                failed.append(True)
            yield self._searcher

    def close(self) -> None:
        if self._thread is not None:
            self._thread.join()
        self._drop_searcher()
        self._ix = None

    # -- the writer path -------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """This process's lock, then the cross-process lock file beside the index."""
        with self._sync_lock:
            lock = FileLock(str(self.lib.path / "index.lock"))
            deadline = time.monotonic() + 600
            while not lock.acquire(blocking=False):
                if time.monotonic() > deadline:
                    raise IndexError_(f"{self.folder}: another Paperdesk keeps the index locked")
                time.sleep(0.02)
            try:
                yield
            finally:
                lock.release()

    def sync(self, progress: Progress | None = None) -> None:
        """Bring the index up to the database's latest change (rebuilding it if needed)."""
        with self._locked():
            why = self.problem(full=not self._checked)
            if why is not None:
                self._rebuild_locked(progress)
            self._catch_up_locked(progress)

    def lag(self) -> int:
        """How many changes the index is behind the database."""
        stamp = self.stamp()
        return self.lib.last_change() - (stamp["seq"] if stamp else 0)

    def behind(self) -> bool:
        stamp = self.stamp()
        return stamp is None or stamp["seq"] != self.lib.last_change()

    def _catch_up_locked(self, progress: Progress | None) -> None:
        stamp = self.stamp()
        assert stamp is not None
        changes = self.lib.changes_since(stamp["seq"])
        if not changes:
            return
        seq = changes[-1][0]
        ids_set = {pid for _, pid, _ in changes if pid is not None}
        ix = self._open()
        if any(pid is None for _, pid, _ in changes):
            # A library-wide tag change (rename, colour) names no papers: find those whose
            # indexed tags no longer match the database's.
            ids_set |= _retagged(ix, self.lib)
        ids = sorted(ids_set)
        writer = _writer(ix)
        try:
            for pid in ids:
                writer.delete_by_term("id", pid)
            if len(ids) >= BULK_MIN:
                total = len(ids)
                done = [0]

                def step(n: int) -> None:
                    done[0] += n
                    if progress:
                        progress(done[0], total)

                bulk.index_in_processes(ix, self.lib.db_path, ids, writer, step)
            else:
                for batch in documents_by_id(self.lib.engine, ids):
                    for doc in batch:
                        writer.add_document(**doc)
                writer.commit()
        except BaseException:
            if not writer.is_closed:
                writer.cancel()
            raise
        self._write_stamp(self.folder, seq, stamp["build"])

    def rebuild(self, progress: Progress | None = None) -> None:
        """Build a new index from the database in a temporary folder and swap it in."""
        with self._locked():
            self._rebuild_locked(progress)
            self._catch_up_locked(progress)

    def _rebuild_locked(self, progress: Progress | None) -> None:
        self.rebuilding = True
        try:
            from app.search.health import leftovers

            for left in leftovers(self.lib):  # we hold the lock: no other rebuild runs
                shutil.rmtree(left, ignore_errors=True)
            seq, ids = snapshot_ids(self.lib.engine)
            self.progress = (0, len(ids))
            tmp = self.lib.path / f"index.building-{os.getpid()}-{uuid.uuid4().hex[:6]}"
            tmp.mkdir()
            try:
                ix = whoosh_index.create_in(str(tmp), make_schema(), indexname=INDEX_NAME)
                writer = _writer(ix)
                done = [0]

                def step(n: int) -> None:
                    done[0] += n
                    self.progress = (done[0], len(ids))
                    if progress:
                        progress(done[0], len(ids))

                if len(ids) >= BULK_MIN:
                    bulk.index_in_processes(ix, self.lib.db_path, ids, writer, step)
                else:
                    for batch in documents_by_id(self.lib.engine, ids):
                        for doc in batch:
                            writer.add_document(**doc)
                        step(len(batch))
                    writer.commit()
                ix.close()
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
        old = self.lib.path / f"index.old-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        if self.folder.exists():
            os.replace(self.folder, old)
        os.replace(tmp, self.folder)
        shutil.rmtree(old, ignore_errors=True)
        self._ix = None

    def ensure(self, background: bool = False) -> bool:
        """Make the index current before a search; False while it is being (re)built.

        The first call checks the stamp and the files; a missing, stale or corrupt index is
        rebuilt, on a thread when ``background`` (the window), else right here (the CLI).
        """
        if self.rebuilding:
            return False
        if not self._checked or self.damaged:
            if self.problem() is not None:
                if background:
                    self.rebuild_in_background()
                    return False
                self.sync()
            self._checked = True
        lag = self.lag()
        if lag > 0:
            if background and lag >= BULK_MIN:
                # e.g. another process imported 100,000 papers: catch up off this thread.
                self.rebuild_in_background()
                return False
            self.sync()
        return True

    def after_commit(self) -> None:
        """The library committed a change: apply it now, so it is searchable at once.

        With ``background_commits`` (the window) a commit of many changes (a bulk tag of
        thousands of papers) is indexed on a thread instead, so the thread that committed
        never waits for it; searches meanwhile say "indexing"."""
        if self.rebuilding:
            self._dirty = True  # the rebuild's thread catches up when it is done
            return
        if self.background_commits and self.lag() >= BULK_MIN:
            self.rebuild_in_background()
            return
        try:
            self.sync()
            self._checked = True
        except Exception as exc:  # the change is committed; the index catches up later
            self._checked = False
            _log.warning("search index not updated (%s); it will catch up", exc)

    def view(self, searcher: Searcher) -> View:
        """Dense arrays over the searcher's documents (cached until the next searcher)."""
        if self._view is None or self._view[0] is not searcher:
            self._view = (searcher, self.fast.view(searcher))
            self._filters = {}
        return self._view[1]

    def filter_mask(self, searcher: Searcher, flt: Any) -> np.ndarray:
        """Which documents a sidebar view (``PaperFilter``) shows, as a boolean array."""
        view = self.view(searcher)
        key = (flt, self.lib.last_change())
        if key not in self._filters:
            allowed = np.fromiter(self.lib.paper_ids(flt, sort="id"), np.int64)
            self._filters = {key: np.isin(view.column("id"), allowed)}
        return self._filters[key]

    def id_column(self, searcher: Searcher) -> np.ndarray:
        """docnum -> paper id for the searcher's documents."""
        return self.view(searcher).column("id")

    def rebuild_in_background(self, progress: Progress | None = None) -> None:
        """Start a rebuild on a thread (searches meanwhile say "indexing")."""
        if self._thread is not None and self._thread.is_alive():
            return
        self.rebuilding = True

        def run() -> None:
            try:
                self.sync(progress)
                self._checked = True
                while self._dirty:
                    self._dirty = False
                    self.sync()
            except Exception as exc:
                _log.warning("search index rebuild failed: %s", exc)
            finally:
                self.rebuilding = False

        self._thread = threading.Thread(target=run, name="paperdesk-reindex", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()


def _retagged(ix: Any, lib: Library) -> set[int]:
    """Papers indexed under a tag name the database no longer has, or carrying a tag
    whose name the index has never seen (the two sides of a rename)."""
    from sqlalchemy import select

    from db import Tag, paper_tags, read_session

    with read_session(lib.engine) as s:
        db_keys = {k.replace(",", " ") for k in s.scalars(select(Tag.name_key))}
        with ix.searcher() as searcher:
            indexed = {
                t.decode("utf-8") if isinstance(t, bytes) else t
                for t in searcher.reader().lexicon("tag")
            }
            out: set[int] = set()
            for key in indexed - db_keys:
                for docnum in searcher.docs_for_query(Term("tag", key)):
                    out.add(int(searcher.stored_fields(docnum)["id"]))
        fresh = db_keys - indexed
        if fresh:
            stmt = (
                select(paper_tags.c.paper_id)
                .join(Tag, Tag.id == paper_tags.c.tag_id)
                .where(Tag.name_key.in_(sorted(fresh)))
            )
            out.update(s.scalars(stmt))
    return out


@contextmanager
def _quiet_leaks() -> Iterator[list[bool]]:
    """Whoosh leaves a file open when it fails to read a damaged index; that file's
    ResourceWarning is noise once we rebuild, so it is silenced here (and only here).
    Callers append to the yielded list on failure, so the leak is collected in here."""
    failed: list[bool] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        yield failed
        if failed:
            gc.collect()


def _writer(ix: Any) -> SegmentWriter:
    """A writer, waiting for the lock; a ``LockError`` never reaches the user."""
    deadline = time.monotonic() + WRITER_WAIT_S
    delay = 0.01
    while True:
        try:
            return BulkSegmentWriter(ix, **bulk.WRITER_OPTIONS)
        except LockError:
            if time.monotonic() > deadline:
                raise IndexError_(
                    f"{ix.storage.folder}: the search index stayed locked by another writer"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
