"""The ``Library`` facade: the one door to a library folder, for the window and the CLI.

:meth:`Library.open` composes the parts explicitly — the store (``lib.store``), the search
index (``lib.index``) and the backups (``lib.backups``) — and every method below is a
thin door to one of them. Nothing attaches itself by being imported.

Writes run in one store transaction each and return what they committed: a ``Changes``
record, or a result carrying ``.changes``. The facade never indexes: the index follows
the change feed (``lib.index.sync()``: the CLI before it exits, the window on its own
thread, a search when the index is behind).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from app.errors import LibraryError, UnknownPaper
from app.importers import sniff
from app.library_exports import CitationDoors
from app.maintenance import Backups
from app.records import FileResult, ImportReport, PaperRecord, TagInfo
from app.store import edits, marks, trash
from app.store import tags as tag_ops
from app.store.changes import Changes
from app.store.feed import FeedRow
from app.store.filters import PaperFilter
from app.store.folder import check_database, check_folder, check_note
from app.store.marks import ChangedIds, Counted
from app.store.queries import SORT_COLUMNS
from app.store.store import DB_NAME, Store, db_reason
from app.store.tags import Renamed
from db import SchemaTooNew, is_url, upgrade

if TYPE_CHECKING:
    from app.search.index import SearchIndex
    from app.search.results import SearchResult

__all__ = ["DB_NAME", "SORT_COLUMNS", "Library", "PaperFilter"]

T = TypeVar("T")


class Library(CitationDoors):
    """An open library folder. Use :meth:`open`; close it (or use ``with``)."""

    # The undo records, also by their historical names (``Library.TagDelta``).
    TagMeta: TypeAlias = tag_ops.TagMeta
    TagDelta: TypeAlias = tag_ops.TagDelta

    store: Store
    index: SearchIndex
    backups: Backups

    def __init__(self, path: Path, store: Store | None = None) -> None:
        self.path = path  # the library folder; for a team library, this client's folder
        self.store = store if store is not None else Store(path / DB_NAME)
        self.backups = Backups(self.store, path)
        self._listeners: list[Callable[[], None]] = []
        self._closed = False
        self._wrote = False
        self.warnings: list[str] = []  # said once by the CLI (e.g. the daily backup failed)

    @property
    def engine(self) -> Any:
        return self.store.engine

    @property
    def db_path(self) -> Path:
        return self.store.db_path

    # -- lifecycle -------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path | None = None, *, create: bool = True) -> Library:
        """Open (creating if missing) the library in folder ``path``; migrate its schema."""
        from app.paths import ENV_LIBRARY, default_library
        from app.search.index import SearchIndex

        if path is None:
            path = os.environ.get(ENV_LIBRARY) or default_library()
        if is_url(str(path)):
            return cls._open_team(str(path))
        folder = Path(path).expanduser()
        check_folder(folder, create)
        lib = cls(folder)
        try:
            check_database(folder, lib.engine, lib.backups.folder)
            upgrade(lib.engine, before_migration=lib.backups.before_migration)
        except LibraryError:
            lib.store.close()
            raise
        except SchemaTooNew as exc:
            lib.store.close()
            raise LibraryError(
                f"{lib.db_path}: written by a newer Paperdesk ({exc}); upgrade Paperdesk to open it"
            ) from None
        except (OperationalError, DBAPIError, sqlite3.Error) as exc:
            lib.store.close()
            raise LibraryError(
                f"{lib.db_path}: cannot open the library: {db_reason(exc)}"
            ) from None
        # The search index: derived data, cheap to construct (no file opened before the first
        # search or sync); it reads the store, never the facade.
        lib.index = SearchIndex(folder, lib.store)
        warning = lib.backups.daily()
        if warning:
            lib.warnings.append(warning)
        return lib

    @classmethod
    def _open_team(cls, url: str, migrate: bool = False) -> Library:
        """A team library on a PostgreSQL server (``app.team``); its search index lives in
        this client's own folder. The server keeps the backups (pg_dump), not Paperdesk."""
        from app import team
        from app.search.index import SearchIndex

        store, folder = team.connect(url, migrate)
        try:
            check_folder(folder, create=True)
        except LibraryError:
            store.close()
            raise
        lib = cls(folder, store)
        lib.index = SearchIndex(folder, lib.store)
        return lib

    @property
    def is_team(self) -> bool:
        """A team library on a PostgreSQL server (members, roles, live updates)."""
        return self.store.is_team

    @property
    def member(self) -> str | None:
        """Who is connected to a team library (None: a personal library)."""
        return self.store.member

    @property
    def read_only(self) -> bool:
        """A team member who may only read: every write is refused."""
        return self.store.read_only

    def watch(
        self, wake: Callable[[], None], on_state: Callable[[bool], None] | None = None
    ) -> Callable[[], None] | None:
        """A team library: call ``wake()`` (on another thread) soon after any member commits
        a change, and ``on_state(connected)`` when the server goes away or comes back; the
        caller then reads the feed after its cursor. Returns the function that stops it;
        None for a personal library (nothing to listen to: poll the feed)."""
        if not self.is_team:
            return None
        from db.listen import FeedListener

        listener = FeedListener(str(self.store.db_path), wake, on_state).start()
        return listener.stop

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            index = getattr(self, "index", None)
            if index is not None:
                index.close()
            if self.is_team:
                from app.export import kept

                kept.close(self)
            self.store.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing and the change feed -------------------------------------------------------

    def subscribe(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after every change this process commits: a nudge to read the
        feed (``changes_since``); nothing else runs on commit."""
        self._listeners.append(callback)

    def unsubscribe(self, callback: Callable[[], None]) -> None:
        if callback in self._listeners:
            self._listeners.remove(callback)

    @property
    def wrote(self) -> bool:
        """True once this process committed a change (the CLI then syncs the index)."""
        return self._wrote

    def _committed(self, changes: Changes) -> None:
        if changes:
            self._wrote = True
        for callback in list(self._listeners):
            callback()

    def _write(self, fn: Callable[[Session], T], personal: bool = False) -> tuple[T, Changes]:
        """Run ``fn`` in one write transaction; nudge listeners once it committed.
        ``personal``: it writes only the member's own star/read (a reader may)."""
        result, changes = self.store.write(fn, personal=personal)
        self._committed(changes)
        return result, changes

    def _tags(self, fn: Callable[[Session], tag_ops.TagDelta]) -> tag_ops.TagDelta:
        delta, changes = self._write(fn)
        delta.changes = changes
        return delta

    def last_change(self) -> int:
        return self.store.last_change()

    def changes_since(self, seq: int, limit: int | None = None) -> list[FeedRow]:
        """``(seq, paper_id, kind)`` of every committed change after ``seq``, oldest first."""
        return self.store.changes_since(seq, limit)

    def feed_horizon(self) -> int:
        """The highest ``seq`` pruned from the feed (a team library keeps a retention):
        a reader whose cursor is below it reloads instead of catching up."""
        return self.store.feed_horizon()

    # -- import ----------------------------------------------------------------------------

    def import_files(
        self,
        paths: Sequence[str | Path],
        as_of: date | None = None,
        progress: Callable[[int, int, int], None] | None = None,
    ) -> ImportReport:
        """Import each file in its own transaction; a refused file leaves nothing behind.
        ``progress(files done, files in all, papers read so far)``."""
        report = ImportReport()
        paths = list(paths)
        before = 0
        for n, p in enumerate(paths):
            tell = None
            if progress is not None:
                progress(n, len(paths), before)
                tell = lambda k, n=n, b=before: progress(n, len(paths), b + k)  # noqa: E731
            result = self.import_file(Path(p), as_of=as_of, progress=tell)
            report.files.append(result)
            before += result.new + result.merged + result.unchanged
        if progress is not None:
            progress(len(paths), len(paths), before)
        return report

    def import_file(
        self,
        path: Path,
        as_of: date | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> FileResult:
        """Import one file in one transaction; refused files come back with the reason.
        ``progress(papers read so far)`` is called as the file's batches are stored."""
        self.store.import_progress = progress
        try:
            result = sniff.import_file(self.store, Path(path), as_of or date.today())
        finally:
            self.store.import_progress = None
        self._committed(result.changes)
        return result

    def import_text(
        self, text: str, name: object = "<text>", as_of: date | None = None
    ) -> FileResult:
        """Import one page's text. Raises :class:`RefusedFile`; nothing is written then."""
        result = sniff.import_text(self.store, text, name, as_of or date.today())
        self._committed(result.changes)
        return result

    # -- reading ---------------------------------------------------------------------------

    def count(self, flt: PaperFilter | None = None) -> int:
        return self.store.count(flt)

    def paper_ids(
        self,
        flt: PaperFilter | None = None,
        sort: str = "added",
        descending: bool = True,
        limit: int | None = None,
    ) -> list[int]:
        """Ids of the papers ``flt`` selects, sorted in SQL (ties broken by id)."""
        return self.store.paper_ids(flt, sort, descending, limit)

    def get(self, paper_id: int) -> PaperRecord:
        found = self.papers([paper_id])
        if not found:
            raise UnknownPaper(paper_id)
        return found[0]

    def require(self, ids: Iterable[int]) -> list[int]:
        """The ids, checked to exist; :class:`UnknownPaper` names the first that does not."""
        return self.store.require(ids)

    def papers(self, ids: Sequence[int]) -> list[PaperRecord]:
        """Full records for ``ids``, in that order; unknown ids are left out."""
        return self.store.records(ids)

    def iter_papers(self, ids: Sequence[int], chunk: int = 2000) -> Iterator[PaperRecord]:
        """Records for ``ids`` in order, ``chunk`` at a time, as one consistent snapshot."""
        return self.store.iter_records(ids, chunk)

    def list_papers(
        self,
        flt: PaperFilter | None = None,
        sort: str = "added",
        descending: bool = True,
        limit: int | None = None,
    ) -> list[PaperRecord]:
        return self.papers(self.paper_ids(flt, sort, descending, limit))

    def annotation_summary(self, ids: Sequence[int]) -> dict[str, Any]:
        """For a selection: ``papers``, ``starred``, ``read`` counts and ``tags`` as
        ``{name: how many of them carry it}`` (name order) — without loading the records."""
        return self.store.annotation_summary(ids)

    # -- tags ------------------------------------------------------------------------------
    # Every tag operation returns its exact, invertible ``TagDelta`` (carrying ``.changes``):
    # ``apply_tag_delta(delta.inverse())`` undoes it, ``apply_tag_delta(delta)`` redoes it.

    def tags(self) -> list[TagInfo]:
        """Every tag with how many papers carry it, most used first."""
        return self.store.tags()

    def tag_exists(self, name: str) -> bool:
        return self.store.tag_id(name) is not None

    def tag_id(self, name: str) -> int:
        """The id of tag ``name``; :class:`UnknownTag` if there is none."""
        return self.store.require_tag(name)

    def add_tags(self, ids: Sequence[int], names: Sequence[str]) -> tag_ops.TagDelta:
        """Tag papers (creating tags on the fly) in one transaction."""
        return self.add_tags_undoable(ids, names)

    def remove_tags(self, ids: Sequence[int], names: Sequence[str]) -> tag_ops.TagDelta:
        return self.remove_tags_undoable(ids, names)

    def rename_tag(self, old: str, new: str) -> Renamed:
        """Rename a tag; onto an existing tag's name, merge into it (true if it merged)."""
        delta = self.rename_tag_undoable(old, new)
        return Renamed(delta.merged, delta.changes)

    def delete_tag(self, name: str) -> Counted:
        """Delete a tag from every paper; returns how many papers carried it."""
        delta = self.delete_tag_undoable(name)
        return Counted(len(delta.unlink), delta.changes)

    def set_tag_color(self, name: str, color: str | None) -> Changes:
        return self.set_tag_color_undoable(name, color).changes

    def add_tags_undoable(self, ids: Sequence[int], names: Sequence[str]) -> tag_ops.TagDelta:
        ids = self.require(ids)
        tag_ops.unique_names(names)  # a bad name is refused before anything is written
        return self._tags(lambda s: tag_ops.add(s, ids, names))

    def remove_tags_undoable(self, ids: Sequence[int], names: Sequence[str]) -> tag_ops.TagDelta:
        ids = self.require(ids)
        return self._tags(lambda s: tag_ops.remove(s, ids, names))

    def rename_tag_undoable(self, old: str, new: str) -> tag_ops.TagDelta:
        """Like :meth:`rename_tag`: onto an existing tag's name it merges (``delta.merged``)."""
        return self._tags(lambda s: tag_ops.rename(s, old, new))

    def delete_tag_undoable(self, name: str) -> tag_ops.TagDelta:
        """Like :meth:`delete_tag`, returning the exact change (papers in ``unlink``)."""
        return self._tags(lambda s: tag_ops.delete_tag(s, name))

    def set_tag_color_undoable(self, name: str, color: str | None) -> tag_ops.TagDelta:
        return self._tags(lambda s: tag_ops.set_color(s, name, color))

    def apply_tag_delta(self, delta: tag_ops.TagDelta) -> tag_ops.TagDelta:
        """Apply a delta (or its inverse) in one transaction: the undo/redo of tag changes.

        Returns the delta as applied: a re-created tag whose id was reused meanwhile gets a
        new id, so keep the returned delta (and invert that one) for the next undo/redo.
        Papers deleted since are skipped; a tag name taken since by another tag is refused
        with :class:`PaperdeskError` and nothing is written.
        """
        return self._tags(lambda s: tag_ops.apply(s, delta))

    # -- notes, star, read, deletion -------------------------------------------------------

    def note(self, paper_id: int) -> str:
        self.require([paper_id])
        return self.store.note(paper_id)

    def set_note(self, paper_id: int, text: str, base_version: int | None = None) -> Changes:
        """Store a note exactly as given; an empty note removes it. A note is at most
        :data:`MAX_NOTE_BYTES` of UTF-8 text. ``base_version``: the version the writer saw
        (``note_info``); another stored version is :class:`marks.NoteConflict` (nothing
        written). In a team library a note another member saved last is a conflict too
        unless ``base_version`` says it was seen."""
        check_note(text)
        self.require([paper_id])
        return self._write(lambda s: marks.set_note(s, paper_id, text, base_version))[1]

    def note_info(self, paper_id: int) -> marks.NoteInfo:
        """The note with its version (0: none), who saved it last and when."""
        self.require([paper_id])
        return self.store.note_info(paper_id)

    def tagged_by(self, paper_id: int) -> dict[str, str]:
        """``{tag name: member who put it on}`` for a paper's tags, where known."""
        return self.store.tagged_by(paper_id)

    def set_starred(self, ids: Sequence[int], value: bool = True) -> ChangedIds:
        """Star (or unstar) papers; returns the ids whose value really changed (for undo)."""
        return self._set_flag(ids, "starred", value)

    def set_read(self, ids: Sequence[int], value: bool = True) -> ChangedIds:
        return self._set_flag(ids, "read", value)

    def _set_flag(self, ids: Sequence[int], column: str, value: bool) -> ChangedIds:
        ids = self.require(ids)
        changed, changes = self._write(
            lambda s: marks.set_flag(s, ids, column, value), personal=True
        )
        return ChangedIds(changed, changes)

    def delete_papers(self, ids: Sequence[int]) -> Counted:
        ids = self.require(ids)
        n, changes = self._write(lambda s: marks.delete_papers(s, ids))
        return Counted(n, changes)

    # -- editing a paper's details ---------------------------------------------------------

    def edit_paper(
        self, paper_id: int, values: dict[str, Any], edited: Sequence[str] | None = None
    ) -> edits.Edited:
        """Change a paper's own fields (title, authors, date, arXiv id, links,
        organisation), validated (:class:`app.store.edits.BadEdit` names what is wrong).
        The fields are marked edited, so imports never overwrite them; ``edited`` sets
        that list exactly instead (undo/redo: ``edit_paper(id, e.before, e.edited_before)``)."""
        self.require([paper_id])
        result, changes = self._write(lambda s: edits.edit(s, paper_id, values, edited))
        result.changes = changes
        return result

    def edited_fields(self, paper_id: int) -> list[str]:
        """The fields of ``paper_id`` the user edited."""
        return self.store.edited_fields(paper_id)

    # -- the Trash -------------------------------------------------------------------------
    # Trashed papers are out of every view (any PaperFilter), search, related and export,
    # until restored; ``empty_trash`` deletes them for good.

    def trash_papers(self, ids: Sequence[int]) -> ChangedIds:
        """Move papers to the Trash; returns those that were not there yet (undo restores
        exactly these)."""
        ids = self.require(ids)
        changed, changes = self._write(lambda s: trash.trash(s, ids))
        return ChangedIds(changed, changes)

    def restore_papers(self, ids: Sequence[int]) -> ChangedIds:
        """Bring papers back from the Trash; returns those that were in it."""
        ids = self.require(ids)
        changed, changes = self._write(lambda s: trash.restore(s, ids))
        return ChangedIds(changed, changes)

    def empty_trash(self) -> Counted:
        """Delete every trashed paper for good (not undoable); returns how many."""
        n, changes = self._write(trash.empty)
        return Counted(n, changes)

    def trash_count(self) -> int:
        return self.store.count(PaperFilter(trashed=True))

    # -- saved searches --------------------------------------------------------------------

    def save_search(self, name: str, query: str, view: str = "all") -> Changes:
        return self._write(lambda s: marks.save_search(s, name, query, view))[1]

    def saved_searches(self) -> list[tuple[str, str, str]]:
        return self.store.saved_searches()

    def delete_saved_search(self, name: str) -> Changes:
        return self._write(lambda s: marks.delete_saved_search(s, name))[1]

    # Citation keys and kept exports (issue 12): app.library_exports.CitationDoors.

    # -- search (lib.index) ----------------------------------------------------------------
    # The index is derived data that follows the change feed; ``run_search`` and
    # ``related`` first bring it up to date when it is behind (``index.ensure``).

    def search(
        self,
        query: str,
        limit: int = 50,
        sort: str = "relevance",
        as_you_type: bool = False,
        flt: PaperFilter | None = None,
    ) -> SearchResult:
        """Full-text search (safe off the main thread). ``as_you_type``: the last word is a
        prefix, no highlights, and a missing index is built in the background; ``flt``
        restricts hits to a sidebar view."""
        # The index holds trashed papers too (derived data follows the store); a view's
        # filter leaves them out, and with no view the library as the user sees it does.
        if flt is None and self.store.has_trash():
            flt = PaperFilter()
        return self.index.search(query, limit, sort, as_you_type, flt)

    def related(self, paper_id: int, limit: int = 10) -> SearchResult:
        """The papers most like ``paper_id``."""
        result = self.index.related(paper_id, limit)
        if self.store.has_trash():
            gone = self.store.trashed_ids(result.ids)
            if gone:
                result.hits[:] = [h for h in result.hits if h.paper_id not in gone]
        return result

    def reindex(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Rebuild the search index from the database; ``progress(done, total)``."""
        self.index.rebuild(progress)
