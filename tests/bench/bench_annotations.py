"""Annotation benchmarks: bulk tagging, tag counts, and event-loop stalls while typing a note.

Run: python -m tests.bench.bench_annotations [--quick]   — prints JSON (medians, targets).

1. Bulk-tagging 10,000 papers through the facade (``add_tags`` and the undoable variant,
   and its undo), on the database alone and with the search index attached (its update
   runs in the same call, after the commit).
2. ``lib.tags()`` for 1,000 tags over 100,000 papers (~300,000 associations, Zipf-like).
3. Typing in the ``NoteEditor`` (offscreen Qt, search index attached): the longest gap of
   a 5 ms heartbeat timer while keys arrive every 40 ms in bursts, with autosaves between.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from app.library import Library
from tests.bench.synth import AS_OF, page_text


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _library(folder: Path, n: int) -> Library:
    lib = Library.open(folder)
    lib.import_text(page_text(n), as_of=AS_OF)
    return lib


def bench_bulk_tagging(tmp: Path, n: int, runs: int) -> dict:
    out: dict = {"papers": n, "runs": runs, "target_seconds": 1.0}

    def measure(lib: Library, label: str) -> None:
        ids = lib.paper_ids()[:n]
        plain, undoable, undo = [], [], []
        # With the index, each write is timed until the index has caught up with it.
        sync = lib.index.sync if label == "with_search_index" else (lambda: None)
        for r in range(runs):
            t = time.perf_counter()
            lib.add_tags(ids, [f"plain-{label}-{r}"])
            sync()
            plain.append(time.perf_counter() - t)
            t = time.perf_counter()
            delta = lib.add_tags_undoable(ids, [f"undo-{label}-{r}"])
            sync()
            undoable.append(time.perf_counter() - t)
            t = time.perf_counter()
            lib.apply_tag_delta(delta.inverse())
            sync()
            undo.append(time.perf_counter() - t)
        out[label] = {
            "add_tags_median_s": round(statistics.median(plain), 3),
            "add_tags_undoable_median_s": round(statistics.median(undoable), 3),
            "undo_median_s": round(statistics.median(undo), 3),
            "all_add_tags_undoable_s": [round(x, 3) for x in undoable],
        }

    # The store alone: the facade never indexes on commit; only lib.index.sync() does.
    lib = _library(tmp / "bulk-db", n)
    measure(lib, "database_only")
    lib.close()
    lib = _library(tmp / "bulk-index", n)
    lib.reindex()  # index the import first: measure only the tagging's own update
    runs = max(1, runs // 2)  # each run re-indexes every tagged paper: slow, fewer runs
    out["with_search_index_runs"] = runs
    measure(lib, "with_search_index")
    lib.close()
    return out


def bench_tag_counts(tmp: Path, papers: int, tags: int, runs: int) -> dict:
    from sqlalchemy import insert

    from db import Tag, paper_tags, write_session

    lib = _library(tmp / "counts", papers)
    ids = lib.paper_ids(sort="id")
    rng = random.Random(5)
    # Setup only (not measured): write the associations directly, in one transaction.
    weights = [1 / (k + 1) for k in range(tags)]
    with write_session(lib.engine) as s:
        s.execute(
            insert(Tag),
            [
                {"id": k + 1, "name": f"tag {k}", "name_key": f"tag {k}", "created_at": AS_OF}
                for k in range(tags)
            ],
        )
        rows = []
        for pid in ids:
            for tid in set(rng.choices(range(1, tags + 1), weights, k=3)):
                rows.append({"paper_id": pid, "tag_id": tid})
        s.execute(insert(paper_tags), rows)
    lib.tags()  # warm the page cache, as a running window has
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        got = lib.tags()
        times.append(time.perf_counter() - t)
    lib.close()
    return {
        "papers": len(ids),
        "tags": len(got),
        "associations": len(rows),
        "runs": runs,
        "median_ms": _ms(statistics.median(times)),
        "max_ms": _ms(max(times)),
        "target_ms": 50,
    }


def bench_typing(
    tmp: Path, papers: int, note_kb: int, seconds: float, with_index: bool = True
) -> dict:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer
    from PySide6.QtGui import QUndoStack
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from ui.annotations import NoteEditor
    from ui.operations import Operations
    from ui.operations.index_follow import IndexFollower

    qapp = QApplication.instance() or QApplication([])
    lib = _library(tmp / f"typing-{note_kb}-{with_index}", papers)
    ops = Operations(lib)
    follower = None
    if with_index:
        lib.reindex()  # typing's autosave then updates the index too, as in the window
        follower = IndexFollower(lib)
        ops.changes.libraryChanged.connect(follower.request)
    pid = lib.paper_ids(limit=1)[0]
    lib.set_note(pid, ("Background notes. " * 60 + "\n") * max(1, note_kb))
    stack = QUndoStack()
    editor = NoteEditor(ops, stack)
    editor.resize(600, 400)
    editor.show()
    editor.set_paper(pid)
    editor.text.setFocus()
    editor.text.moveCursor(editor.text.textCursor().MoveOperation.End)

    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def beat() -> None:
        now = clock.nsecsElapsed()
        gaps.append((now - last[0]) / 1e6)
        last[0] = now

    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.setInterval(5)
    heartbeat.timeout.connect(beat)
    text = "the quick brown fox notes a key result "
    state = {"i": 0, "keys": 0}

    def key() -> None:
        i = state["i"]
        state["i"] += 1
        if (i // 40) % 2 == 1:  # every 40 keys, pause ~1.6 s: the autosave runs
            return
        QTest.keyClick(editor.text, text[i % len(text)])
        state["keys"] += 1

    typist = QTimer()
    typist.setTimerType(Qt.TimerType.PreciseTimer)
    typist.setInterval(40)
    typist.timeout.connect(key)
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    heartbeat.start()
    typist.start()
    loop.exec()
    typist.stop()
    heartbeat.stop()
    editor.flush()
    ops.wait()
    saved = stack.count()
    editor.close()
    if follower is not None:
        follower.stop()
    ops.stop()
    lib.close()
    qapp.processEvents()
    stalls = [g - 5 for g in gaps]
    return {
        "note_kb": note_kb,
        "search_index": with_index,
        "keys_typed": state["keys"],
        "autosaves": saved,
        "max_stall_ms": round(max(stalls), 1),
        "p99_stall_ms": round(statistics.quantiles(stalls, n=100)[98], 1),
        "target_max_stall_ms": 50,
    }


def main(quick: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        # Tag counts first: once app.search is imported (below), every library opened
        # gets an index, and the 100,000-paper import would be indexed as well.
        counts = bench_tag_counts(tmp, 5_000 if quick else 100_000, 1_000, 5 if quick else 21)
        return {
            "benchmark": "annotations",
            "tag_counts": counts,
            "bulk_tagging": bench_bulk_tagging(tmp, 2_000 if quick else 10_000, 3 if quick else 5),
            "note_typing": [
                bench_typing(tmp, 2_000, kb, 4.0 if quick else 10.0, with_index)
                for with_index in (True, False)
                for kb in (1, 200)
            ],
        }


if __name__ == "__main__":
    print(json.dumps(main("--quick" in sys.argv), indent=2))
