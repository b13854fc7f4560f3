"""Bulk indexing in worker processes: each worker reads its share of papers straight from
SQLite and writes segments with the fast writer; the parent commits them all together.

``python -m app.search.whoosh.bulk DB_PATH INDEX_DIR`` reads the paper ids (a JSON list)
from stdin and prints one line per event: ``progress N``, then ``done <segments>`` (base64
of their pickle) or ``error <why>``. Workers are started as ``python -m`` (like the window's
import worker), never by re-running the caller's main module as ``multiprocessing`` does.

Pure-Python indexing holds the GIL, so a window would freeze during a rebuild; worker
processes keep it responsive and use both cores. Whoosh's own ``MpWriter`` pickles every
document from the parent to the workers, which makes the parent a third busy process on
two cores; here the parent only waits.
"""

from __future__ import annotations

import base64
import json
import os
import pickle
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from whoosh.writing import SegmentWriter

from app.search.whoosh.fastwrite import SEGMENT_DOCS, BulkSegmentWriter
from app.search.whoosh.schema import INDEX_NAME, document

# The writer settings every segment we create uses: plain files instead of one compound
# file, because opening a compound segment copies it whole into memory (BufferFile).
WRITER_OPTIONS: dict[str, Any] = {"compound": False, "limitmb": 256}
WORKER_MIN = 2000  # papers per worker at least (a process costs ~0.5 s to start)
WORKER_CACHE_KIB = 8192  # the SQLite page cache of a worker's connection
PARENT_ENV = "PAPERDESK_INDEX_PARENT"  # the parent's pid: the worker ends when it goes


def worker_count() -> int:
    return max(1, min(2, os.cpu_count() or 1))


# -- the worker ----------------------------------------------------------------------------


def worker_engine(db_path: str) -> Any:
    """The worker's engine on ``db_path`` (a SQLite file, or a team library's URL)."""
    from db import is_url, make_engine

    engine = make_engine(db_path if is_url(db_path) else Path(db_path))
    if not is_url(db_path):
        # One pass over the papers in id order: the window's large page cache (64 MB per
        # connection, set by make_engine's connect hook) would only add to this process's
        # memory. This hook is registered after make_engine's, so it runs after it.
        from sqlalchemy import event

        @event.listens_for(engine, "connect")
        def _small_cache(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA cache_size = -{WORKER_CACHE_KIB}")
            cur.close()

    return engine


def work(db_path: str, index_dir: str, ids: list[int], say: Callable[[str], None]) -> None:
    """Index papers ``ids`` into new segments of ``index_dir``; report through ``say``."""
    # Imported here, not at the top: ``--help`` and the parent's side need neither.
    from whoosh import index as whoosh_index

    from app.search.rows import papers_by_id

    engine = worker_engine(db_path)
    try:
        ix = whoosh_index.open_dir(index_dir, indexname=INDEX_NAME)
        segments = []
        for start in range(0, len(ids), SEGMENT_DOCS):
            # _lk=False: the parent holds the index's write lock for all of us.
            writer = BulkSegmentWriter(ix, _lk=False, **WRITER_OPTIONS)
            done = 0
            for batch in papers_by_id(engine, ids[start : start + SEGMENT_DOCS]):
                for paper in batch:
                    writer.add_document(**document(paper))
                done += len(batch)
                say(f"progress {len(batch)}")
            if done:
                segments.append(writer._finalize_segment())
            else:
                writer._close_segment()
            del writer
            _give_back_memory()  # the segment's postings, before the next one's
            # (Not destroying the writer's temporary folder: it is shared by every writer on
            # this index, the parent's included, and the parent removes it at commit.)
        say("done " + base64.b64encode(pickle.dumps(segments)).decode("ascii"))
    finally:
        engine.dispose()


def die_with_parent(parent: int) -> None:
    """End this worker when its parent goes (killed, crashed): the kernel's parent-death
    signal where there is one (Linux), and everywhere a thread watching the parent's pid
    (a killed parent's children are re-parented, so ``getppid`` changes)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # it went before the signal was set up
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="paperdesk-parent-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    parent = os.environ.get(PARENT_ENV)
    if parent and parent.isdigit():
        die_with_parent(int(parent))
    if len(args) != 2:
        print("usage: python -m app.search.whoosh.bulk DB_PATH INDEX_DIR < ids.json")
        return 2
    out = sys.stdout

    def say(line: str) -> None:
        out.write(line + "\n")
        out.flush()

    try:
        ids = [int(i) for i in json.load(sys.stdin)]
        work(args[0], args[1], ids, say)
    except BaseException as exc:  # reported to the parent, which raises it there
        say(f"error {type(exc).__name__}: {exc}".replace("\n", " "))
        return 1
    return 0


# -- the parent ----------------------------------------------------------------------------


def _give_back_memory() -> None:
    """Return this process's freed memory to the system before the workers start (their
    memory comes on top of it): the page caches of the connections just closed
    (``SearchIndex._release_idle``) and what the import freed stay in the C heap until asked
    for. Measured at 100,000 papers: 186 → 113 MB, and neither step alone does it."""
    import gc

    gc.collect()
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (musl): nothing to ask
            pass


def index_in_processes(
    index_dir: str,
    db_path: Path,
    ids: Sequence[int],
    writer: SegmentWriter,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Add papers ``ids`` to the index in ``index_dir`` through worker processes and commit
    with ``writer`` (holding the lock, and carrying any deletions of the same change)."""
    ids = list(ids)
    _give_back_memory()
    procs = min(worker_count(), max(1, len(ids) // WORKER_MIN))
    share = -(-len(ids) // procs)
    events: queue.Queue[tuple[int, str | None]] = queue.Queue()
    workers: list[subprocess.Popen[str]] = []
    logs: list[IO[str]] = []
    readers: list[threading.Thread] = []
    segments: list[Any] = []
    errors: list[str] = []
    try:
        for i in range(procs):
            log = tempfile.TemporaryFile("w+", encoding="utf-8")
            logs.append(log)
            p = subprocess.Popen(
                [sys.executable, "-m", "app.search.whoosh.bulk", str(db_path), index_dir],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                env=_child_env(),
            )
            workers.append(p)
            t = threading.Thread(target=_read_lines, args=(i, p.stdout, events), daemon=True)
            t.start()
            readers.append(t)
            assert p.stdin is not None
            p.stdin.write(json.dumps(ids[i * share : (i + 1) * share]))
            p.stdin.close()
        pending = set(range(procs))
        finished: set[int] = set()
        while pending:
            i, line = events.get()
            if line is None:  # the worker's output ended
                pending.discard(i)
                if i not in finished:
                    errors.append(_ended(workers[i], logs[i]))
                continue
            kind, _, value = line.partition(" ")
            if kind == "progress":
                if progress:
                    progress(int(value))
            elif kind == "done":
                segments += pickle.loads(base64.b64decode(value))
                finished.add(i)
            elif kind == "error":
                errors.append(value)
                finished.add(i)
    except BaseException:
        for p in workers:  # interrupted: the workers' segments are never committed
            p.kill()
        raise
    finally:
        for p in workers:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            if p.stdout is not None:
                p.stdout.close()
        for t in readers:
            t.join(timeout=5)
        for f in logs:
            f.close()
    if errors:
        writer.cancel()
        raise RuntimeError(errors[0])
    commit_with_segments(writer, segments)


def _read_lines(i: int, stream: IO[str] | None, events: queue.Queue) -> None:
    assert stream is not None
    for line in stream:
        events.put((i, line.rstrip("\n")))
    events.put((i, None))


def _ended(p: subprocess.Popen[str], log: IO[str]) -> str:
    p.wait()
    log.seek(0)
    tail = [line for line in log.read().splitlines() if line.strip()][-1:]
    why = f": {tail[0]}" if tail else ""
    return f"an indexing process ended unexpectedly (exit {p.returncode}){why}"


def _child_env() -> dict[str, str]:
    """The parent's environment, with this project importable wherever the caller runs."""
    env = dict(os.environ)
    env[PARENT_ENV] = str(os.getpid())
    root = str(Path(__file__).resolve().parents[3])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


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


if __name__ == "__main__":
    sys.exit(main())
