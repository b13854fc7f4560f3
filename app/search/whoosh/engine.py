"""The Whoosh search engine: ``WhooshEngine`` (the index in a folder) and its reader.

Importing it loads numpy and Whoosh's searching and highlighting; the package's
``__init__`` loads it on first use only, so that a bulk worker loads what it writes with.
"""

from __future__ import annotations

import gc
import io
import logging
import os
import re
import shutil
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import highlight as wh
from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.searching import Searcher
from whoosh.util.filelock import FileLock
from whoosh.writing import SegmentWriter

from app.errors import PaperdeskError
from app.search.engine import Found, IdFilter, ParsedQuery
from app.search.whoosh import bulk, sidecar
from app.search.whoosh.fast import FastScorer, View, top, write_sidecar
from app.search.whoosh.fastwrite import BulkSegmentWriter
from app.search.whoosh.query import Parsed, parse, plain
from app.search.whoosh.schema import ANALYZER, INDEX_NAME, TEXT_FIELDS, document, make_schema

__all__ = ["WhooshEngine", "WhooshReader", "file_lock"]

_log = logging.getLogger(__name__)
WRITER_WAIT_S = 60.0
SIDECAR_AFTER_COMMIT = 2_000  # segments this small get their sidecar when committed (~1.5 s)
FEW_HITS = 3  # a word this rare (or rarer) gets a "did you mean"
SUGGEST_WORDS = 8  # "did you mean" for queries of at most this many distinct words
SUGGEST_LEN = 30  # ...each at most this long (a corrector's work grows with the length)
EXACT_COUNT = 20_000  # an estimated total up to this is counted exactly instead
KEY_TERMS = {"title": 6, "abstract": 12}  # more-like-this: key terms taken per field


def file_lock(path: Path) -> Any:
    """A cross-process lock file (``acquire(blocking=False)``, ``release()``): Whoosh's own,
    so that it behaves like the index's write lock on every platform."""
    return FileLock(str(path))


class IndexDamaged(Exception):
    """The index files could not be read (the caller rebuilds from the database)."""


class IndexLocked(PaperdeskError):
    """The index stayed locked by another writer (one line, like every user-facing error)."""


class WhooshEngine:
    """A Whoosh index in ``folder`` (opened on first use)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._ix: Any = None
        self._searcher: Searcher | None = None
        self._lock = threading.Lock()  # one searcher, used by one thread at a time
        self._view: tuple[Searcher, View] | None = None
        self._masks: dict[Any, np.ndarray] = {}
        self.fast = FastScorer([*TEXT_FIELDS, "org"])

    @staticmethod
    def exists(folder: Path) -> bool:
        return any(folder.glob(f"_{INDEX_NAME}_*.toc"))

    @classmethod
    def create(cls, folder: Path) -> WhooshEngine:
        """A new, empty index in ``folder`` (which exists)."""
        whoosh_index.create_in(str(folder), make_schema(), indexname=INDEX_NAME).close()
        return cls(folder)

    def _index(self) -> Any:
        if self._ix is None:
            self._ix = whoosh_index.open_dir(str(self.folder), indexname=INDEX_NAME)
        return self._ix

    # -- checks ----------------------------------------------------------------------------

    def check(self) -> int:
        """Open every segment's files (raising on damage); the number of live documents."""
        why = ""
        with _quiet_leaks() as failed:
            try:
                ix = self._index()
                ix.searcher().close()
                return int(ix.doc_count())
            except Exception as exc:
                # Raised afresh below, so that no traceback keeps the leaked file alive
                # until after the leak is collected.
                self._ix = None
                failed.append(True)
                why = f"{type(exc).__name__}: {exc}"
        raise IndexDamaged(f"{self.folder}: {why}")

    def doc_count(self) -> int:
        return int(self._index().doc_count())

    def clean_up(self) -> list[str]:
        """Remove what failed or killed writes left (the caller holds the index's lock):
        files of segments the current TOC does not name, Whoosh's ``MAIN.tmp`` pool folder,
        half-written TOCs. The names removed."""
        try:
            ix = whoosh_index.open_dir(str(self.folder), indexname=INDEX_NAME)
            try:
                live = {seg.segment_id() for seg in ix._segments()}
                generation = ix.latest_generation()
            finally:
                ix.close()
        except Exception:
            return []  # no readable TOC: nothing can be told apart (a rebuild replaces all)
        removed = []
        current_toc = f"_{INDEX_NAME}_{generation}.toc"
        for path in self.folder.iterdir():
            name = path.name
            if name == f"{INDEX_NAME}.tmp":
                orphan = True
            elif name.startswith(f"_{INDEX_NAME}_") and ".toc" in name:
                orphan = name != current_toc and not name.endswith(".toc")  # a temp TOC
            elif name.startswith(f"{INDEX_NAME}_") and "." in name:
                orphan = name.split(".", 1)[0] not in live  # segment ids: "MAIN_<random>"
            else:
                orphan = False
            if orphan and name != f"{INDEX_NAME}_WRITELOCK":
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
                removed.append(name)
        return removed

    def audit(self, rows: Callable[[list[int]], list[dict[str, Any]]], k: int = 200) -> str | None:
        """Damage that opening the files cannot see (an emptied ``*.id.col``, field
        lengths gone): for ``k`` documents spread over the index, the id column against
        the stored id, and each text field's length against the paper's text in the
        database (``rows(ids)``: the papers, as app/search/rows.py reads them). What is
        wrong, or None."""
        from whoosh.util.numeric import length_to_byte

        with self.reading() as r:
            s = r.searcher
            view = self.view(s)
            live = np.flatnonzero(view.live)
            if not len(live):
                return None
            col = view.column("id")
            chosen = live[np.linspace(0, len(live) - 1, min(k, len(live))).astype(np.int64)]
            stored: dict[int, int] = {}
            for d in chosen.tolist():
                sid = s.stored_fields(int(d)).get("id")
                if sid != int(col[d]):
                    return f"document {d}: id column says {int(col[d])}, stored id {sid}"
                stored[int(d)] = sid
            papers = {p["id"]: document(p) for p in rows(list(stored.values()))}
            for d, pid in stored.items():
                doc = papers.get(pid)
                if doc is None:
                    continue  # deleted since: the catch-up removes it
                for fname in TEXT_FIELDS:
                    want = length_to_byte(sum(1 for _ in ANALYZER(doc.get(fname) or "")))
                    got = length_to_byte(s.doc_field_length(d, fname, 0))
                    if want != got:
                        return f"paper {pid}: the index's {fname} length is wrong"
        return None

    # -- reading ---------------------------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[WhooshReader]:
        """The current searcher, for this thread alone while the block runs.

        A fresh searcher is opened whenever the index changed on disk: Whoosh's
        ``refresh()`` would keep answering with deleted documents. Raises if the files
        cannot be opened (the caller rebuilds).
        """
        with self._lock:
            why = ""
            with _quiet_leaks() as failed:
                try:
                    ix = self._index()
                    if self._searcher is None or not self._searcher.up_to_date():
                        if self._searcher is not None:
                            self._searcher.close()
                        self._searcher = None
                        self._searcher = ix.searcher()
                except Exception as exc:
                    self._searcher = None
                    self._ix = None
                    failed.append(True)
                    why = f"{type(exc).__name__}: {exc}"
            if failed or self._searcher is None:
                raise IndexDamaged(f"{self.folder}: {why}")
            yield WhooshReader(self, self._searcher)

    def view(self, searcher: Searcher) -> View:
        """Dense arrays over the searcher's documents (cached until the next searcher)."""
        if self._view is None or self._view[0] is not searcher:
            self._view = (searcher, self.fast.view(searcher))
            self._masks = {}
        return self._view[1]

    def mask(self, searcher: Searcher, only: IdFilter) -> np.ndarray:
        """Which documents ``only`` allows, as a boolean array (cached per view)."""
        view = self.view(searcher)
        if only.key not in self._masks:
            allowed = np.fromiter(only.ids(), np.int64)
            self._masks = {only.key: np.isin(view.column("id"), allowed)}
        return self._masks[only.key]

    def highlight(self, text: str, terms: frozenset[str], whole: bool) -> str | None:
        if not text or not terms:
            return None
        frag = wh.WholeFragmenter() if whole else wh.ContextFragmenter(maxchars=240, surround=60)
        marked = wh.highlight(text, terms, ANALYZER, frag, _Bold(between=" … "), top=2)
        return marked if marked and "<b>" in marked else None

    # -- writing ---------------------------------------------------------------------------

    @contextmanager
    def writer(self, bulk: bool = False) -> Iterator[WhooshWriter]:
        """A write transaction: committed when the block ends normally, else cancelled.
        The stock writer serves incremental commits; ``bulk`` uses the fast writer."""
        ix = self._index()
        w = _writer(ix, bulk)
        try:
            yield WhooshWriter(w, fresh=ix.doc_count_all() == 0)
            w.commit()
        except BaseException:
            _abandon(w, self.folder)
            self._ix = None
            self.clean_up()  # e.g. a full disk: no orphan segment stays behind
            raise
        self.write_sidecars(SIDECAR_AFTER_COMMIT)

    def write_sidecars(self, max_docs: int | None = None) -> int:
        """Write the flat posting arrays (sidecar.py) of the segments that lack a valid
        one (made by the stock writer or a merge, or damaged), those of at most
        ``max_docs`` documents (all when None); how many were written. Never raises: a
        segment without its sidecar only searches slower."""
        written = 0
        try:
            reader = self._index().reader()
            try:
                for leaf, _ in reader.leaf_readers():
                    segid = leaf.segment().segment_id()
                    n = leaf.doc_count_all()
                    if (max_docs is not None and n > max_docs) or sidecar.load(
                        str(self.folder), segid, n
                    ):
                        continue
                    write_sidecar(leaf, [*TEXT_FIELDS, "org"], str(self.folder))
                    written += 1
            finally:
                reader.close()
        except Exception as exc:  # e.g. a full disk, or a merge removed the segment
            _log.warning("search index sidecar not written (%s: %s)", type(exc).__name__, exc)
        return written

    def bulk_index(
        self, db_path: Path, ids: Sequence[int], progress: Callable[[int], None] | None = None
    ) -> None:
        """Replace the documents of papers ``ids`` through worker processes; one commit."""
        ix = self._index()
        w = _writer(ix, bulk_mode=True)
        try:
            if ix.doc_count_all():
                for pid in ids:
                    w.delete_by_term("id", pid)
            bulk.index_in_processes(str(self.folder), db_path, ids, w, progress)
        except BaseException:
            _abandon(w, self.folder)
            self._ix = None
            self.clean_up()
            raise
        self.write_sidecars(SIDECAR_AFTER_COMMIT)

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
            self._view = None
            self._masks = {}
            self._ix = None


class WhooshWriter:
    """One write transaction (see :meth:`WhooshEngine.writer`)."""

    def __init__(self, w: SegmentWriter, fresh: bool) -> None:
        self.w = w
        self._fresh = fresh  # an empty index: nothing to replace, plain adds
        self._gone: set[int] = set()  # deleted in this transaction: plain adds

    def upsert(self, papers: Iterable[dict[str, Any]]) -> None:
        for paper in papers:
            doc = document(paper)
            if self._fresh or doc["id"] in self._gone:
                self.w.add_document(**doc)
            else:
                self.w.update_document(**doc)

    def delete(self, ids: Iterable[int]) -> None:
        if self._fresh:
            return
        for pid in ids:
            self.w.delete_by_term("id", pid)
            self._gone.add(pid)


class WhooshReader:
    """Searching one searcher (see :meth:`WhooshEngine.reading`)."""

    def __init__(self, engine: WhooshEngine, searcher: Searcher) -> None:
        self.engine = engine
        self.searcher = searcher

    def parse(self, text: str, as_you_type: bool = False) -> ParsedQuery:
        return _parsed(text, parse(text, self.searcher.reader(), as_you_type))

    def plain(self, text: str, why: str) -> ParsedQuery:
        return _parsed(text, plain(text, why))

    def search(
        self,
        query: ParsedQuery,
        limit: int,
        sort: str | None = None,
        only: IdFilter | None = None,
    ) -> Found:
        parsed: Parsed = query.native
        if parsed is None or parsed.query is None or limit <= 0:
            return Found()
        if parsed.tree is not None:
            return self._fast(parsed, limit, sort, only)
        try:
            return self._whoosh(parsed, limit, sort, only)
        except (ValueError, TypeError, AttributeError, IndexError):
            # A query shape Whoosh cannot run: never an error for the user.
            fallback = _parsed(query.text, plain(query.text, "Whoosh could not run it"))
            found = self.search(fallback, limit, sort, only)
            found.ran = fallback
            return found

    def _fast(self, parsed: Parsed, limit: int, sort: str | None, only: IdFilter | None) -> Found:
        """Words, prefixes and one-word fields with AND/OR/NOT: vectorised BM25F (fast.py);
        the total is always exact."""
        view = self.engine.view(self.searcher)
        allowed = self.engine.mask(self.searcher, only) if only is not None else None
        docs, scores = view.evaluate(parsed.tree, allowed)
        chosen = top(docs, scores, limit, view.column(sort) if sort else None)
        ids = view.column("id")
        out = Found(total=len(docs))
        for i in chosen:
            out.ids.append(int(ids[docs[i]]))
            out.scores.append(0.0 if sort else float(scores[i]))
        return out

    def _whoosh(self, parsed: Parsed, limit: int, sort: str | None, only: IdFilter | None) -> Found:
        """Phrases, OR/NOT, fields and ranges: Whoosh's own matchers and collectors."""
        comb = None
        if only is not None:
            comb = set(np.flatnonzero(self.engine.mask(self.searcher, only)).tolist())
        kwargs: dict[str, Any] = {"limit": limit, "filter": comb}
        if sort:
            kwargs.update(sortedby=sort, reverse=True)
        found = self.searcher.search(parsed.query, **kwargs)
        ids = self.engine.view(self.searcher).column("id")
        out = Found()
        for i in range(found.scored_length()):
            out.ids.append(int(ids[found.docnum(i)]))
            out.scores.append(0.0 if sort else float(found.score(i) or 0.0))
        if found.scored_length() < limit or found.has_exact_length():
            # Fewer hits than asked for: every match was scored, so the count is exact.
            out.total = len(found) if found.has_exact_length() else found.scored_length()
        else:
            # Whoosh's estimate is an upper bound, often far off ("about 117" for 2): a
            # modest one is counted for real.
            estimate = max(found.estimated_length(), found.scored_length())
            if estimate <= EXACT_COUNT:
                out.total = len(found)
            else:
                out.total = estimate
                out.exact = False
        return out

    def more_like_this(self, texts: dict[str, str], exclude: int, limit: int) -> Found:
        """Key terms of each text, weighted against the whole collection (Bo1), each then
        searched in title and abstract (so a paper naming the topic in its title ranks
        high), scored in bulk: a Whoosh OR of ~30 common terms takes over a second at
        100,000 papers."""
        weighted: dict[str, float] = {}
        for fname, text in texts.items():
            if not text:
                continue
            for word, weight in self.searcher.key_terms_from_text(
                fname, text, numterms=KEY_TERMS.get(fname, 10)
            ):
                weighted[word] = weighted.get(word, 0.0) + weight
        if not weighted or limit <= 0:
            return Found()
        view = self.engine.view(self.searcher)
        ids = view.column("id")
        scores = np.zeros(view.n, dtype=np.float32)
        for word, weight in weighted.items():
            group = {"title": [word], "abstract": [word]}
            scores += weight * view.group_scores(group, TEXT_FIELDS)
        docs = np.flatnonzero(view.live & (scores > 0) & (ids != exclude))
        out = Found(total=len(docs))
        for i in top(docs, scores[docs], limit):
            out.ids.append(int(ids[docs[i]]))
            out.scores.append(float(scores[docs[i]]))
        return out

    def suggest(self, query: ParsedQuery) -> str | None:
        """The query with its unknown or rare words replaced by close, more common words."""
        reader = self.searcher.reader()
        text = query.text
        replaced = text
        words = list(dict.fromkeys(query.words))
        if query.simplified or len(words) > SUGGEST_WORDS or len(text) > 40 * SUGGEST_WORDS:
            return None  # a cut-down or very long query: no guess would help
        for word in words:
            if len(word) > SUGGEST_LEN:
                continue
            freq = sum(reader.doc_frequency(f, word) for f in ("title", "abstract"))
            if freq > FEW_HITS:
                continue
            best: tuple[int, str] | None = None
            for fname in ("title", "abstract"):
                corrector = self.searcher.corrector(fname)
                for cand in corrector.suggest(word, limit=3, maxdist=2, prefix=1):
                    n = reader.doc_frequency(fname, cand)
                    if cand != word and n > freq and (best is None or n > best[0]):
                        best = (n, cand)
            if best is not None:
                # Only where the word stands alone: never inside a field's name or value.
                alone = rf"(?i)(?<![\w:.*-]){re.escape(word)}(?![\w:.*])"
                replaced = re.sub(alone, best[1], replaced, count=1)
        return replaced if replaced != text else None

    def prefix_terms(self, field_name: str, prefix: str, cap: int) -> list[str]:
        from app.search.whoosh.query import common_prefix_terms

        return common_prefix_terms(self.searcher.reader(), field_name, prefix, cap)

    def indexed_ids(self) -> list[int]:
        view = self.engine.view(self.searcher)
        return [int(i) for i in view.column("id")[view.live]]


def _parsed(text: str, p: Parsed) -> ParsedQuery:
    terms = {f: frozenset(t) for f, t in p.terms.items() if t}
    native = p if p.query is not None else None  # None: the query matches everything
    return ParsedQuery(text, native, terms, list(p.words), p.note, p.prefix, p.simplified)


class _Bold(wh.HtmlFormatter):
    """Matches in plain ``<b>`` (no per-term classes); the rest HTML-escaped."""

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"<b>{wh.htmlescape(wh.get_text(text, token, replace), quote=False)}</b>"


@contextmanager
def _quiet_leaks() -> Iterator[list[bool]]:
    """Whoosh leaves a file open when it fails to read a damaged index; that file's
    ResourceWarning is noise once we rebuild, so it is silenced here (and only here).
    Callers append to the yielded list on failure, so the leak is collected in here."""
    failed: list[bool] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            yield failed
        finally:
            if failed:
                gc.collect()


def _quietly(step: Callable[[], Any]) -> None:
    """A clean-up step after a failure: its own failure must not hide the first one."""
    try:
        step()
    except Exception:
        pass


def _abandon(w: SegmentWriter, folder: Path) -> None:
    """Cancel a failed write and let go of the index's write lock and files even when
    cancelling fails too (on a full disk, closing a segment's files fails: Whoosh then
    leaves them open, and the clean-up could not free their space)."""
    if not w.is_closed:
        _quietly(w.cancel)
    lock = getattr(w, "writelock", None)
    if lock is not None:
        _quietly(lock.release)
    inside = str(folder) + os.sep
    for obj in gc.get_objects():
        if isinstance(obj, io.IOBase) and not obj.closed:
            name = getattr(obj, "name", None)
            if isinstance(name, str) and name.startswith(inside):
                _quietly(obj.close)  # a buffered file closes its raw file even if the flush fails


def _writer(ix: Any, bulk_mode: bool) -> SegmentWriter:
    """A writer, waiting for the lock; a ``LockError`` never reaches the user."""
    deadline = time.monotonic() + WRITER_WAIT_S
    delay = 0.01
    while True:
        try:
            if bulk_mode:
                return BulkSegmentWriter(ix, **bulk.WRITER_OPTIONS)
            return SegmentWriter(ix, **bulk.WRITER_OPTIONS)
        except LockError:
            if time.monotonic() > deadline:
                raise IndexLocked(
                    f"{ix.storage.folder}: the search index stayed locked by another writer"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
