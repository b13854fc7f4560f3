"""Bulk indexing in separate processes: each worker reads its share of papers straight from
SQLite and writes one segment; the caller commits the segments together.

Pure-Python indexing holds the GIL, so a window would freeze during a rebuild; worker
processes keep it responsive and use both cores. Whoosh's own ``MpWriter`` pickles every
document from the parent to the workers through temporary files, which makes the parent a
third process competing for two cores; here the parent only waits.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from app.search.fastwrite import SEGMENT_DOCS, BulkSegmentWriter
from app.search.schema import INDEX_NAME

# The writer settings every segment we create uses: plain files instead of one compound
# file, because opening a compound segment copies it whole into memory (BufferFile).
WRITER_OPTIONS: dict[str, Any] = {"compound": False, "limitmb": 256}


def worker_count() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def _work(db_path: str, index_dir: str, ids: list[int], conn: Any) -> None:
    """Index papers ``ids`` into a new segment; send back the segment (or the error)."""
    try:
        from app.search.rows import documents_by_id
        from db import make_engine

        engine = make_engine(Path(db_path))
        ix = whoosh_index.open_dir(index_dir, indexname=INDEX_NAME)
        segments = []
        for start in range(0, len(ids), SEGMENT_DOCS):
            # _lk=False: the parent holds the index's write lock for all of us.
            writer = BulkSegmentWriter(ix, _lk=False, **WRITER_OPTIONS)
            done = 0
            for batch in documents_by_id(engine, ids[start : start + SEGMENT_DOCS]):
                for doc in batch:
                    writer.add_document(**doc)
                done += len(batch)
                conn.send(("progress", len(batch)))
            if done:
                segments.append(writer._finalize_segment())
            else:
                writer._close_segment()
            # (Not destroying the writer's temporary folder: it is shared by every writer on
            # this index, the parent's included, and the parent removes it at commit.)
        engine.dispose()
        conn.send(("done", segments))
    except BaseException as exc:  # reported to the parent, which raises it there
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def index_in_processes(
    ix: Any,
    db_path: Path,
    ids: list[int],
    writer: SegmentWriter,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Add papers ``ids`` to ``ix`` through worker processes and commit with ``writer``
    (already holding the lock, and carrying any deletions of the same change)."""
    procs = min(worker_count(), max(1, len(ids) // 2000))
    ctx = multiprocessing.get_context("spawn")  # never fork a process that may run Qt threads
    share = -(-len(ids) // procs)
    workers, conns = [], []
    for i in range(procs):
        parent_end, child_end = ctx.Pipe(duplex=False)
        part = ids[i * share : (i + 1) * share]
        p = ctx.Process(
            target=_work, args=(str(db_path), ix.storage.folder, part, child_end), daemon=True
        )
        p.start()
        child_end.close()
        workers.append(p)
        conns.append(parent_end)
    segments: list[Any] = []
    errors: list[str] = []
    pending = set(range(procs))
    try:
        from multiprocessing.connection import wait

        while pending:
            for ready in wait([conns[i] for i in pending]):
                i = next(j for j, c in enumerate(conns) if c is ready)
                try:
                    kind, value = conns[i].recv()
                except EOFError:
                    errors.append("an indexing process ended unexpectedly")
                    pending.discard(i)
                    continue
                if kind == "progress":
                    if progress:
                        progress(value)
                elif kind == "done":
                    segments += value
                    pending.discard(i)
                else:
                    errors.append(value)
                    pending.discard(i)
    finally:
        for p in workers:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    if errors:
        writer.cancel()
        raise RuntimeError(errors[0])
    commit_with_segments(writer, segments)


def commit_with_segments(writer: SegmentWriter, segments: list[Any]) -> None:
    """Commit ``writer``'s changes plus ready-made segments, without merging them.

    This is what ``MpWriter(multisegment=True)`` does at commit (whoosh-reloaded 2.7.5,
    pinned exactly): keep the existing segments, add the new ones, write the TOC.
    """
    final = writer._merge_segments(None, False, False)
    final += segments
    if writer._added:
        final.append(writer._finalize_segment())
    else:
        writer._close_segment()
    writer._commit_toc(final)
    writer._finish()
