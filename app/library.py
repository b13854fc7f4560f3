"""The ``Library`` facade: the one door to a library folder, for the window and the CLI."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Select,
    and_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from app import importer
from app.errors import (
    LibraryError,
    PaperdeskError,
    RefusedFile,
    UnknownPaper,
    UnknownTag,
)
from app.records import FileResult, ImportReport, PaperRecord, TagInfo, utcnow
from app.store.filters import PaperFilter, normalise_tag
from app.store.records import records
from db import (
    Change,
    Note,
    Paper,
    SavedSearch,
    SchemaTooNew,
    Tag,
    make_engine,
    paper_tags,
    read_session,
    upgrade,
    write_session,
)

DB_NAME = "library.sqlite"
_CHUNK = 500

SORT_COLUMNS = {
    "title": Paper.title_key,
    "published": Paper.published,
    "upvotes": Paper.upvotes,
    "authors": Paper.authors_count,
    "organization": Paper.organization,
    "added": Paper.added_at,
    "id": Paper.id,
}


class Library:
    """An open library folder. Use :meth:`open`; close it (or use ``with``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db_path = path / DB_NAME
        self.engine = make_engine(self.db_path)
        self._listeners: list[Callable[[], None]] = []
        self._closed = False

    # -- lifecycle -------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path | None = None, *, create: bool = True) -> Library:
        """Open (creating if missing) the library in folder ``path``; migrate its schema."""
        from app.paths import default_library

        folder = Path(path).expanduser() if path is not None else default_library()
        if folder.exists() and not folder.is_dir():
            raise LibraryError(f"{folder}: is a file, not a library folder")
        if not folder.exists():
            if not create:
                raise LibraryError(f"{folder}: no library there")
            try:
                folder.mkdir(parents=True)
            except OSError as exc:
                raise LibraryError(
                    f"{folder}: cannot create the library folder: {exc.strerror}"
                ) from None
        # SQLite in WAL mode writes beside the database even to read it: say so plainly
        # rather than fail later with "attempt to write a readonly database".
        if not os.access(folder, os.W_OK | os.X_OK) or (
            (folder / DB_NAME).exists() and not os.access(folder / DB_NAME, os.W_OK)
        ):
            raise LibraryError(
                f"{folder}: the library folder is read-only; Paperdesk needs to write there "
                "(fix its permissions, or copy the library to a writable folder)"
            )
        lib = cls(folder)
        try:
            upgrade(lib.engine, before_migration=lib._backup_before_migration)
        except SchemaTooNew as exc:
            lib.engine.dispose()
            raise LibraryError(
                f"{lib.db_path}: written by a newer Paperdesk ({exc}); upgrade Paperdesk to open it"
            ) from None
        except (OperationalError, DBAPIError, sqlite3.Error) as exc:
            lib.engine.dispose()
            raise LibraryError(
                f"{lib.db_path}: cannot open the library: {_db_reason(exc)}"
            ) from None
        for hook in _OPEN_HOOKS:
            hook(lib)
        return lib

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            for hook in _CLOSE_HOOKS:
                hook(self)
            self.engine.dispose()

    @property
    def index(self) -> Any:
        """The library's search index (``app.search.SearchIndex``); ``index.sync()`` catches up."""
        from app.search import index_for

        return index_for(self)

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _backup_before_migration(self) -> None:
        from db.engine import backup_to

        backup_to(
            self.engine, self.path / "backups" / f"pre-migration-{utcnow():%Y%m%d-%H%M%S}.sqlite"
        )

    # -- change feed -----------------------------------------------------------------------

    def subscribe(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after every change this process commits (read the feed there)."""
        self._listeners.append(callback)

    def unsubscribe(self, callback: Callable[[], None]) -> None:
        if callback in self._listeners:
            self._listeners.remove(callback)

    def _committed(self) -> None:
        for callback in list(self._listeners):
            callback()

    def last_change(self) -> int:
        with read_session(self.engine) as s:
            return s.scalar(select(func.coalesce(func.max(Change.seq), 0))) or 0

    def changes_since(
        self, seq: int, limit: int | None = None
    ) -> list[tuple[int, int | None, str]]:
        """``(seq, paper_id, kind)`` of every committed change after ``seq``, oldest first."""
        stmt = (
            select(Change.seq, Change.paper_id, Change.kind)
            .where(Change.seq > seq)
            .order_by(Change.seq)
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        with read_session(self.engine) as s:
            return [tuple(r) for r in s.execute(stmt)]  # type: ignore[misc]

    def _write(self, fn: Callable[[Session], Any]) -> Any:
        """Run ``fn`` in one write transaction; tell listeners once it committed."""
        try:
            with write_session(self.engine) as s:
                result = fn(s)
        except OperationalError as exc:
            raise LibraryError(
                f"{self.db_path}: the change was not saved: {_db_reason(exc)}"
            ) from None
        self._committed()
        return result

    @staticmethod
    def _log(s: Session, ids: Iterable[int | None], kind: str) -> None:
        now = utcnow()
        rows = [{"paper_id": i, "kind": kind, "at": now} for i in ids]
        if rows:
            s.execute(insert(Change), rows)

    # -- import ----------------------------------------------------------------------------

    def import_files(self, paths: Sequence[str | Path], as_of: date | None = None) -> ImportReport:
        """Import each file in its own transaction; a refused file leaves nothing behind."""
        report = ImportReport()
        for p in paths:
            report.files.append(self.import_file(Path(p), as_of=as_of))
        return report

    def import_file(self, path: Path, as_of: date | None = None) -> FileResult:
        """Import one file in one transaction; refused files come back with the reason."""
        as_of = as_of or date.today()
        try:
            source = importer.PageSource(path)
            if source.json is not None:
                # A Paperdesk JSON export is a backup: restore it (app/backup_import.py).
                from app.backup_import import restorer

                return self._store(path, restorer(path, source.json, as_of))
            return self._import_page(path, source.lines(), lambda: source.digest, as_of)
        except RefusedFile as exc:
            return FileResult(path=str(path), status="refused", reason=exc.reason)

    def import_text(
        self, text: str, name: object = "<text>", as_of: date | None = None
    ) -> FileResult:
        """Import one page's text. Raises :class:`RefusedFile`; nothing is written then."""
        import hashlib

        as_of = as_of or date.today()
        if not text.strip():
            raise RefusedFile(name, "is empty")
        importer.check_text_head(name, text[: importer.SNIFF_BYTES])
        if (payload := importer.json_payload(text)) is not None:
            # A Paperdesk JSON export is a backup: restore it (app/backup_import.py).
            from app.backup_import import restorer

            return self._store(name, restorer(name, payload, as_of))
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        return self._import_page(name, text.splitlines(), lambda: digest, as_of)

    def _import_page(
        self, name: object, lines: Iterable[str], digest: Callable[[], str], as_of: date
    ) -> FileResult:
        """Store a page's papers and its import record in one transaction. ``digest`` is
        asked for last: a streamed file's hash is known only once it has been read."""

        def run(s: Session) -> FileResult:
            result = importer.import_lines(s, name, lines, as_of)
            importer.record_import(s, name, digest(), as_of, result)
            return result

        return self._store(name, run)

    def _store(self, name: object, run: Callable[[Session], FileResult]) -> FileResult:
        """One file's write transaction; any failure becomes a refusal, nothing written."""
        try:
            return self._write(run)
        except LibraryError as exc:
            raise RefusedFile(name, str(exc).split(": ", 1)[-1]) from None
        except DBAPIError as exc:
            raise RefusedFile(name, f"the library refused it: {_db_reason(exc)}") from None

    # -- reading ---------------------------------------------------------------------------

    def count(self, flt: PaperFilter | None = None) -> int:
        stmt = _filtered(select(func.count(Paper.id)), flt or PaperFilter())
        with read_session(self.engine) as s:
            return s.scalar(stmt) or 0

    def paper_ids(
        self,
        flt: PaperFilter | None = None,
        sort: str = "added",
        descending: bool = True,
        limit: int | None = None,
    ) -> list[int]:
        """Ids of the papers ``flt`` selects, sorted in SQL (ties broken by id)."""
        if sort not in SORT_COLUMNS:
            raise PaperdeskError(f"unknown sort {sort!r}; use one of {', '.join(SORT_COLUMNS)}")
        col = SORT_COLUMNS[sort]
        order: list[Any] = (
            [col.desc(), Paper.id.desc()] if descending else [col.asc(), Paper.id.asc()]
        )
        if sort in ("published", "authors", "organization"):  # unknown values sort last
            order.insert(0, col.is_(None))
        stmt = _filtered(select(Paper.id), flt or PaperFilter()).order_by(*order)
        if limit is not None:
            stmt = stmt.limit(limit)
        with read_session(self.engine) as s:
            return list(s.scalars(stmt))

    def get(self, paper_id: int) -> PaperRecord:
        found = self.papers([paper_id])
        if not found:
            raise UnknownPaper(paper_id)
        return found[0]

    def require(self, ids: Iterable[int]) -> list[int]:
        """The ids, checked to exist; :class:`UnknownPaper` names the first that does not."""
        wanted = list(dict.fromkeys(ids))
        have: set[int] = set()
        with read_session(self.engine) as s:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                have.update(s.scalars(select(Paper.id).where(Paper.id.in_(chunk))))
        for i in wanted:
            if i not in have:
                raise UnknownPaper(i)
        return wanted

    def papers(self, ids: Sequence[int]) -> list[PaperRecord]:
        """Full records for ``ids``, in that order; unknown ids are left out."""
        return list(self.iter_papers(ids))

    def iter_papers(self, ids: Sequence[int], chunk: int = 2000) -> Iterator[PaperRecord]:
        """Records for ``ids`` in order (unknown ids left out), ``chunk`` at a time, all
        read in one transaction: one consistent snapshot, memory bounded by ``chunk``."""
        ids = list(ids)
        with read_session(self.engine) as s:
            conn = s.connection()
            for start in range(0, len(ids), chunk):
                yield from records(conn, ids[start : start + chunk])

    def list_papers(
        self,
        flt: PaperFilter | None = None,
        sort: str = "added",
        descending: bool = True,
        limit: int | None = None,
    ) -> list[PaperRecord]:
        return self.papers(self.paper_ids(flt, sort, descending, limit))

    # -- tags ------------------------------------------------------------------------------

    def tags(self) -> list[TagInfo]:
        """Every tag with how many papers carry it, most used first."""
        # Count over paper_tags' own (tag_id) index first, then join the few tag rows: far
        # cheaper than grouping the join (~20 ms vs ~200 ms for 1,000 tags on 100k papers).
        counts = (
            select(paper_tags.c.tag_id, func.count().label("n"))
            .group_by(paper_tags.c.tag_id)
            .subquery()
        )
        n = func.coalesce(counts.c.n, 0)
        stmt = (
            select(Tag.name, n, Tag.color)
            .outerjoin(counts, counts.c.tag_id == Tag.id)
            .order_by(n.desc(), Tag.name_key)
        )
        with read_session(self.engine) as s:
            return [TagInfo(n, c, col) for n, c, col in s.execute(stmt)]

    def tag_exists(self, name: str) -> bool:
        key = normalise_tag(name).casefold()
        with read_session(self.engine) as s:
            return s.scalar(select(Tag.id).where(Tag.name_key == key)) is not None

    def tag_id(self, name: str) -> int:
        """The id of tag ``name``; :class:`UnknownTag` if there is none."""
        with read_session(self.engine) as s:
            return self._tag_ids(s, [name], create=False)[normalise_tag(name)]

    def _tag_ids(self, s: Session, names: Iterable[str], create: bool) -> dict[str, int]:
        out: dict[str, int] = {}
        for raw in names:
            name = normalise_tag(raw)
            key = name.casefold()
            tid = s.scalar(select(Tag.id).where(Tag.name_key == key))
            if tid is None:
                if not create:
                    raise UnknownTag(name)
                tid = s.scalar(
                    insert(Tag)
                    .values(name=name, name_key=key, created_at=utcnow())
                    .returning(Tag.id)
                )
            out[name] = tid  # type: ignore[assignment]
        return out

    # The plain tag operations are the undoable ones (one implementation); the window keeps
    # the returned delta for its undo stack, the command line reports from it.

    def add_tags(self, ids: Sequence[int], names: Sequence[str]) -> Library.TagDelta:
        """Tag papers (creating tags on the fly) in one transaction."""
        return self.add_tags_undoable(ids, names)

    def remove_tags(self, ids: Sequence[int], names: Sequence[str]) -> Library.TagDelta:
        return self.remove_tags_undoable(ids, names)

    def rename_tag(self, old: str, new: str) -> bool:
        """Rename a tag; onto an existing tag's name, merge into it. True if it merged."""
        return self.rename_tag_undoable(old, new).merged

    def delete_tag(self, name: str) -> int:
        """Delete a tag from every paper; returns how many papers carried it."""
        return len(self.delete_tag_undoable(name).unlink)

    def set_tag_color(self, name: str, color: str | None) -> None:
        self.set_tag_color_undoable(name, color)

    # -- notes, star, read -----------------------------------------------------------------

    def note(self, paper_id: int) -> str:
        self.require([paper_id])
        with read_session(self.engine) as s:
            return s.scalar(select(Note.body).where(Note.paper_id == paper_id)) or ""

    def set_note(self, paper_id: int, text: str) -> None:
        """Store a note exactly as given; an empty note removes it."""
        self.require([paper_id])

        def run(s: Session) -> None:
            s.execute(delete(Note).where(Note.paper_id == paper_id))
            if text:
                s.execute(insert(Note).values(paper_id=paper_id, body=text, updated_at=utcnow()))
            self._log(s, [paper_id], "note")

        self._write(run)

    def set_starred(self, ids: Sequence[int], value: bool = True) -> list[int]:
        return self._set_flag(ids, "starred", "star", value)

    def set_read(self, ids: Sequence[int], value: bool = True) -> list[int]:
        return self._set_flag(ids, "read", "read", value)

    def _set_flag(self, ids: Sequence[int], column: str, kind: str, value: bool) -> list[int]:
        """Set a flag; returns the ids whose value really changed (for undo)."""
        ids = self.require(ids)
        col = getattr(Paper, column)

        def run(s: Session) -> list[int]:
            changed: list[int] = []
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                changed += s.scalars(select(Paper.id).where(Paper.id.in_(chunk), col != value))
            for start in range(0, len(changed), _CHUNK):
                chunk = changed[start : start + _CHUNK]
                s.execute(update(Paper).where(Paper.id.in_(chunk)).values({column: value}))
            self._log(s, changed, kind)
            return changed

        return self._write(run)

    def delete_papers(self, ids: Sequence[int]) -> int:
        ids = self.require(ids)

        def run(s: Session) -> int:
            for start in range(0, len(ids), _CHUNK):
                s.execute(delete(Paper).where(Paper.id.in_(ids[start : start + _CHUNK])))
            self._log(s, ids, "delete")
            return len(ids)

        return self._write(run)

    # -- saved searches --------------------------------------------------------------------

    def save_search(self, name: str, query: str, view: str = "all") -> None:
        clean = " ".join(name.split())
        if not clean:
            raise PaperdeskError("a saved search needs a name")

        def run(s: Session) -> None:
            s.execute(delete(SavedSearch).where(SavedSearch.name == clean))
            s.execute(
                insert(SavedSearch).values(name=clean, query=query, view=view, created_at=utcnow())
            )

        self._write(run)

    def saved_searches(self) -> list[tuple[str, str, str]]:
        with read_session(self.engine) as s:
            return [
                tuple(r)  # type: ignore[misc]
                for r in s.execute(
                    select(SavedSearch.name, SavedSearch.query, SavedSearch.view).order_by(
                        SavedSearch.name
                    )
                )
            ]

    def delete_saved_search(self, name: str) -> None:
        self._write(lambda s: s.execute(delete(SavedSearch).where(SavedSearch.name == name)))

    # -- annotation support (undo) ---------------------------------------------------------
    # The window's undo stack needs every tag operation as an exact, invertible change.
    # ``*_undoable`` methods do the operation in one transaction and return a ``TagDelta``;
    # ``apply_tag_delta(delta.inverse())`` undoes it and ``apply_tag_delta(delta)`` redoes it,
    # including a deleted or merged tag's id, colour and papers.

    @dataclass(frozen=True)
    class TagMeta:
        """A tag's identity and looks, as stored (what re-creating it needs)."""

        id: int
        name: str
        color: str | None
        created_at: datetime

    @dataclass
    class TagDelta:
        """An exact change to tags; ``inverse()`` is the change that undoes it."""

        create: list[Library.TagMeta] = field(default_factory=list)
        drop: list[Library.TagMeta] = field(default_factory=list)
        update: list[tuple[Library.TagMeta, Library.TagMeta]] = field(default_factory=list)
        link: list[tuple[int, int]] = field(default_factory=list)  # (paper id, tag id)
        unlink: list[tuple[int, int]] = field(default_factory=list)
        merged: bool = False  # a rename that merged into an existing tag

        def inverse(self) -> Library.TagDelta:
            return Library.TagDelta(
                create=list(self.drop),
                drop=list(self.create),
                update=[(after, before) for before, after in self.update],
                link=list(self.unlink),
                unlink=list(self.link),
                merged=self.merged,
            )

        def __bool__(self) -> bool:
            return bool(self.create or self.drop or self.update or self.link or self.unlink)

        @property
        def paper_ids(self) -> list[int]:
            return sorted({p for p, _ in self.link} | {p for p, _ in self.unlink})

    def add_tags_undoable(self, ids: Sequence[int], names: Sequence[str]) -> Library.TagDelta:
        """Like :meth:`add_tags` (creating tags on the fly), returning the exact change."""
        ids = self.require(ids)
        keys = Library._unique_tag_names(names)

        def run(s: Session) -> Library.TagDelta:
            delta = Library.TagDelta()
            next_id = (s.scalar(select(func.max(Tag.id))) or 0) + 1
            for name in keys:
                meta = Library._tag_meta(s, name)
                if meta is None:
                    meta = Library.TagMeta(next_id, name, None, utcnow())
                    next_id += 1
                    delta.create.append(meta)
                    had: set[int] = set()
                else:
                    had = set(_ids_with_tag(s, meta.id, ids))
                delta.link += [(i, meta.id) for i in ids if i not in had]
            Library._apply_tag_delta(s, delta)
            self._log_tag_delta(s, delta)
            return delta

        return self._write(run)

    def remove_tags_undoable(self, ids: Sequence[int], names: Sequence[str]) -> Library.TagDelta:
        """Like :meth:`remove_tags`, returning the exact change (the tags themselves stay)."""
        ids = self.require(ids)
        keys = Library._unique_tag_names(names)

        def run(s: Session) -> Library.TagDelta:
            delta = Library.TagDelta()
            for name in keys:
                meta = Library._tag_meta(s, name)
                if meta is None:
                    raise UnknownTag(name)
                delta.unlink += [(i, meta.id) for i in _ids_with_tag(s, meta.id, ids)]
            Library._apply_tag_delta(s, delta)
            self._log_tag_delta(s, delta)
            return delta

        return self._write(run)

    def rename_tag_undoable(self, old: str, new: str) -> Library.TagDelta:
        """Like :meth:`rename_tag`: onto an existing tag's name it merges (``delta.merged``)."""
        new = normalise_tag(new)

        def run(s: Session) -> Library.TagDelta:
            src = Library._tag_meta(s, normalise_tag(old))
            if src is None:
                raise UnknownTag(normalise_tag(old))
            dst = Library._tag_meta(s, new)
            delta = Library.TagDelta()
            if dst is None or dst.id == src.id:
                if src.name != new:
                    after = Library.TagMeta(src.id, new, src.color, src.created_at)
                    delta.update.append((src, after))
            else:
                carried = Library._all_ids_with_tag(s, src.id)
                on_dst = set(Library._all_ids_with_tag(s, dst.id))
                delta.link = [(i, dst.id) for i in carried if i not in on_dst]
                delta.unlink = [(i, src.id) for i in carried]
                delta.drop = [src]
                delta.merged = True
            Library._apply_tag_delta(s, delta)
            self._log_tag_delta(s, delta)
            return delta

        return self._write(run)

    def delete_tag_undoable(self, name: str) -> Library.TagDelta:
        """Like :meth:`delete_tag`, returning the exact change (papers in ``unlink``)."""

        def run(s: Session) -> Library.TagDelta:
            meta = Library._tag_meta(s, normalise_tag(name))
            if meta is None:
                raise UnknownTag(normalise_tag(name))
            delta = Library.TagDelta(
                unlink=[(i, meta.id) for i in Library._all_ids_with_tag(s, meta.id)], drop=[meta]
            )
            Library._apply_tag_delta(s, delta)
            self._log_tag_delta(s, delta)
            return delta

        return self._write(run)

    def set_tag_color_undoable(self, name: str, color: str | None) -> Library.TagDelta:
        """Like :meth:`set_tag_color`, returning the exact change."""

        def run(s: Session) -> Library.TagDelta:
            meta = Library._tag_meta(s, normalise_tag(name))
            if meta is None:
                raise UnknownTag(normalise_tag(name))
            delta = Library.TagDelta()
            if meta.color != color:
                after = Library.TagMeta(meta.id, meta.name, color, meta.created_at)
                delta.update.append((meta, after))
            Library._apply_tag_delta(s, delta)
            self._log_tag_delta(s, delta)
            return delta

        return self._write(run)

    def apply_tag_delta(self, delta: Library.TagDelta) -> Library.TagDelta:
        """Apply a delta (or its inverse) in one transaction: the undo/redo of tag changes.

        Returns the delta as applied: a re-created tag whose id was reused meanwhile gets a
        new id, so keep the returned delta (and invert that one) for the next undo/redo.
        Papers deleted since are skipped; a tag name taken since by another tag is refused
        with :class:`PaperdeskError` and nothing is written.
        """

        def run(s: Session) -> Library.TagDelta:
            applied = Library._apply_tag_delta(s, delta)
            self._log_tag_delta(s, applied)
            return applied

        return self._write(run)

    def annotation_summary(self, ids: Sequence[int]) -> dict[str, Any]:
        """For a selection: ``papers``, ``starred``, ``read`` counts and ``tags`` as
        ``{name: how many of them carry it}`` (name order) — without loading the records."""
        from sqlalchemy import case  # local: this section's edits stay in this section

        ids = list(dict.fromkeys(ids))
        out: dict[str, Any] = {"papers": 0, "starred": 0, "read": 0, "tags": {}}
        counts: dict[tuple[str, str], int] = {}
        with read_session(self.engine) as s:
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                n, starred, read = s.execute(
                    select(
                        func.count(Paper.id),
                        func.coalesce(func.sum(case((Paper.starred, 1), else_=0)), 0),
                        func.coalesce(func.sum(case((Paper.read, 1), else_=0)), 0),
                    ).where(Paper.id.in_(chunk))
                ).one()
                out["papers"] += n
                out["starred"] += starred
                out["read"] += read
                for key, name, count in s.execute(
                    select(Tag.name_key, Tag.name, func.count())
                    .join(paper_tags, paper_tags.c.tag_id == Tag.id)
                    .where(paper_tags.c.paper_id.in_(chunk))
                    .group_by(Tag.id)
                ):
                    counts[(key, name)] = counts.get((key, name), 0) + count
        out["tags"] = {name: counts[(key, name)] for key, name in sorted(counts)}
        return out

    def _log_tag_delta(self, s: Session, delta: Library.TagDelta) -> None:
        papers = set(delta.paper_ids)
        for _before, after in delta.update:  # a renamed tag shows anew on all its papers
            papers.update(Library._all_ids_with_tag(s, after.id))
        self._log(s, sorted(papers), "tag")
        if delta.create or delta.drop or delta.update:
            self._log(s, [None], "tags")

    @staticmethod
    def _unique_tag_names(names: Sequence[str]) -> list[str]:
        """Checked, trimmed names, one per case-insensitive key, in the order given."""
        out: dict[str, str] = {}
        for raw in names:
            name = normalise_tag(raw)
            out.setdefault(name.casefold(), name)
        return list(out.values())

    @staticmethod
    def _tag_meta(s: Session, name: str) -> Library.TagMeta | None:
        row = s.execute(
            select(Tag.id, Tag.name, Tag.color, Tag.created_at).where(
                Tag.name_key == name.casefold()
            )
        ).first()
        return Library.TagMeta(*row) if row else None

    @staticmethod
    def _all_ids_with_tag(s: Session, tid: int) -> list[int]:
        return list(
            s.scalars(
                select(paper_tags.c.paper_id)
                .where(paper_tags.c.tag_id == tid)
                .order_by(paper_tags.c.paper_id)
            )
        )

    @staticmethod
    def _apply_tag_delta(s: Session, delta: Library.TagDelta) -> Library.TagDelta:
        """Create, update, link, unlink, drop — in that order, idempotently."""
        # A tag is the same tag if its id *and* creation time match: SQLite reuses the
        # highest free id, so an id alone may name a tag created since by someone else.
        remap: dict[int, int] = {}
        created = []
        for meta in delta.create:
            same = (meta.id, meta.created_at)
            named = s.execute(
                select(Tag.id, Tag.created_at).where(Tag.name_key == meta.name.casefold())
            ).first()
            if named is not None and tuple(named) != same:
                raise PaperdeskError(
                    f"cannot restore tag {meta.name!r}: another tag has that name now"
                )
            row = s.execute(select(Tag.created_at).where(Tag.id == meta.id)).first()
            if row is not None and row[0] != meta.created_at:
                new_id = (s.scalar(select(func.max(Tag.id))) or 0) + 1
                remap[meta.id] = new_id
                meta = Library.TagMeta(new_id, meta.name, meta.color, meta.created_at)
                row = None
            if row is None:
                s.execute(
                    insert(Tag).values(
                        id=meta.id,
                        name=meta.name,
                        name_key=meta.name.casefold(),
                        color=meta.color,
                        created_at=meta.created_at,
                    )
                )
            created.append(meta)
        if remap:
            moved = lambda pairs: [(p, remap.get(t, t)) for p, t in pairs]  # noqa: E731
            delta = Library.TagDelta(
                create=created,
                drop=delta.drop,
                update=delta.update,
                link=moved(delta.link),
                unlink=moved(delta.unlink),
                merged=delta.merged,
            )
        for _before, after in delta.update:
            taken = s.scalar(select(Tag.id).where(Tag.name_key == after.name.casefold()))
            if taken is not None and taken != after.id:
                raise PaperdeskError(f"cannot rename a tag to {after.name!r}: that name is taken")
            s.execute(
                update(Tag)
                .where(Tag.id == after.id)
                .values(name=after.name, name_key=after.name.casefold(), color=after.color)
            )
        by_tag: dict[int, list[int]] = {}
        for pid, tid in delta.link:
            by_tag.setdefault(tid, []).append(pid)
        for tid, pids in by_tag.items():
            had = set(_ids_with_tag(s, tid, pids))
            alive: set[int] = set()
            for start in range(0, len(pids), _CHUNK):
                chunk = pids[start : start + _CHUNK]
                alive.update(s.scalars(select(Paper.id).where(Paper.id.in_(chunk))))
            rows = [{"paper_id": p, "tag_id": tid} for p in pids if p in alive and p not in had]
            if rows:
                s.execute(insert(paper_tags), rows)
        by_tag = {}
        for pid, tid in delta.unlink:
            by_tag.setdefault(tid, []).append(pid)
        for tid, pids in by_tag.items():
            for start in range(0, len(pids), _CHUNK):
                s.execute(
                    delete(paper_tags).where(
                        paper_tags.c.tag_id == tid,
                        paper_tags.c.paper_id.in_(pids[start : start + _CHUNK]),
                    )
                )
        for meta in delta.drop:
            this_tag = (Tag.id == meta.id) & (Tag.created_at == meta.created_at)
            if s.scalar(select(Tag.id).where(this_tag)) is not None:
                s.execute(delete(paper_tags).where(paper_tags.c.tag_id == meta.id))
                s.execute(delete(Tag).where(this_tag))
        return delta

    # -- search (app/search) ---------------------------------------------------------------
    # Thin doors to the Whoosh index (derived data; app/search keeps it in sync through
    # subscribe() and the change feed). Imported lazily: opening a library stays light.

    def search(
        self,
        query: str,
        limit: int = 50,
        sort: str = "relevance",
        as_you_type: bool = False,
        flt: PaperFilter | None = None,
    ) -> Any:
        """Full-text search; returns an ``app.search.SearchResult`` (safe off the main
        thread). ``as_you_type``: the last word is a prefix, no highlights, and a missing
        index is built in the background; ``flt`` restricts hits to a sidebar view."""
        from app.search import index_for
        from app.search.results import run_search

        return run_search(index_for(self), query, limit, sort, as_you_type, flt)

    def related(self, paper_id: int, limit: int = 10) -> Any:
        """The papers most like ``paper_id`` (an ``app.search.SearchResult``)."""
        from app.search import index_for
        from app.search.related import related

        return related(index_for(self), paper_id, limit)

    def reindex(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Rebuild the search index from the database; ``progress(done, total)``."""
        from app.search import index_for

        index_for(self).rebuild(progress)

    # -- end of search ---------------------------------------------------------------------


# Other modules of app/ (the search index, backups) attach themselves here, so that this
# facade stays the one door without importing everything at start-up.
_OPEN_HOOKS: list[Callable[[Library], None]] = []
_CLOSE_HOOKS: list[Callable[[Library], None]] = []


def _db_reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).splitlines()[0] if str(orig) else type(orig).__name__


def _ids_with_tag(s: Session, tid: int, ids: Sequence[int]) -> list[int]:
    out: list[int] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        out += s.scalars(
            select(paper_tags.c.paper_id).where(
                paper_tags.c.tag_id == tid, paper_tags.c.paper_id.in_(chunk)
            )
        )
    return out


def _filtered(stmt: Select, flt: PaperFilter) -> Select:
    conds = []
    if flt.tags:
        keys = [normalise_tag(t).casefold() for t in flt.tags]
        has = lambda ks: exists().where(  # noqa: E731
            paper_tags.c.paper_id == Paper.id,
            paper_tags.c.tag_id == Tag.id,
            Tag.name_key.in_(ks),
        )
        conds.append(or_(has(keys)) if flt.match == "any" else and_(*(has([k]) for k in keys)))
    if flt.untagged:
        conds.append(~exists().where(paper_tags.c.paper_id == Paper.id))
    if flt.starred is not None:
        conds.append(Paper.starred.is_(flt.starred))
    if flt.read is not None:
        conds.append(Paper.read.is_(flt.read))
    if flt.added_since is not None:
        conds.append(Paper.added_at >= flt.added_since)
    if flt.ids is not None:
        conds.append(Paper.id.in_(flt.ids))
    return stmt.where(*conds) if conds else stmt
