"""Window benchmark: first paint, sorting, memory and event-loop stalls at 100,000 papers.

Run: python -m tests.bench.bench_window [--runs N] [--papers N]   — prints JSON.

Every measurement runs in a fresh subprocess (offscreen Qt):
- ``first_paint``: seconds from process start (the parent's clock just before launch) until the
  table has painted its first rows (or the welcome page, for the empty library), for the
  100k library and an empty one, alternating, ``--runs`` times each;
- ``sort``: seconds from a header click (``sort_by``) until the re-sorted rows are painted,
  every sortable column, both directions;
- ``rss``: resident memory after sorting (and typing, if search exists);
- ``typing``: a 12-character query typed at 8 characters/s (debounced as-you-type search in
  a worker thread), and ``import``: 10,000 papers imported through File › Import (a child
  process) into a copy of the 100k library until the table shows them. For both, a 5 ms
  precise timer records how late each tick fires; the p99 lateness is the stall figure.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {
    "first_paint_100k_s": 1.5,
    "first_paint_ratio_100k_vs_empty": 1.3,
    "sort_s": 0.2,
    "rss_mb": 600,
    "stall_p99_ms": 50,
}
QUERY = "concept eras"  # 12 characters, the last word still being typed
TICK_MS = 5


# -- children --------------------------------------------------------------------------------


def _app_and_window(lib_dir: str):
    from PySide6.QtCore import QSettings

    import app.commands  # noqa: F401  (what `paperdesk gui` loads: command and index hooks)
    from app import Library
    from ui.launch import application

    app = application()
    lib = Library.open(Path(lib_dir))
    from ui.main_window import MainWindow

    ini = Path(tempfile.mkdtemp()) / "settings.ini"
    window = MainWindow(lib, settings=QSettings(str(ini), QSettings.Format.IniFormat))
    return app, lib, window


def child_first_paint(lib_dir: str, started: str) -> dict:
    # ``started``: the parent's clock just before it launched this process (the OS's
    # process creation time has whole-second precision on Linux: boot time is in seconds).
    start = float(started)
    app, lib, window = _app_and_window(lib_dir)
    from PySide6.QtCore import QEvent, QObject, QTimer

    state: dict = {"listed": False, "painted": None}

    class PaintWatch(QObject):
        def eventFilter(self, obj, event):  # noqa: N802
            if (
                event.type() == QEvent.Type.Paint
                and state["listed"]
                and state["painted"] is None
                and (window.model.rowCount() > 0 or obj is window.welcome)
            ):
                state["painted"] = time.time()  # painting starts now; it ends within ms
                QTimer.singleShot(0, app.quit)
            return False

    watch = PaintWatch()
    window.table.viewport().installEventFilter(watch)
    window.welcome.installEventFilter(watch)
    window.listingApplied.connect(lambda: state.update(listed=True))
    window.resize(1280, 800)
    window.show()
    QTimer.singleShot(30_000, app.quit)
    app.exec()
    rows = window.model.rowCount()
    window.close()
    lib.close()
    painted = state["painted"]
    return {"seconds": None if painted is None else painted - start, "rows": rows}


class _Lateness:
    """A precise timer that records how late each tick fires (the event loop's stalls)."""

    def __init__(self):
        from PySide6.QtCore import QElapsedTimer, Qt, QTimer

        self.late: list[float] = []
        self._clock = QElapsedTimer()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

    def start(self):
        self.late.clear()
        self._clock.start()
        self._last = 0.0
        self._timer.start()

    def stop(self) -> dict:
        self._timer.stop()
        return _stall_stats(self.late)

    def _tick(self):
        now = self._clock.nsecsElapsed() / 1e6
        self.late.append(max(0.0, now - self._last - TICK_MS))
        self._last = now


def _stall_stats(late: list[float]) -> dict:
    if not late:
        return {"ticks": 0}
    ordered = sorted(late)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return {"ticks": len(late), "p99_ms": round(p99, 1), "max_ms": round(ordered[-1], 1)}


def _wait(app, signal, timeout_ms: int = 60_000) -> bool:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    fired = []
    signal.connect(lambda *a: (fired.append(1), loop.quit()))
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    return bool(fired)


def child_session(lib_dir: str, page: str) -> dict:
    """Sort every column, type a query, import 10,000 papers: one window, one process."""
    import psutil

    app, lib, window = _app_and_window(lib_dir)
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtTest import QTest

    window.resize(1280, 800)
    window.show()
    _wait(app, window.listingApplied)
    app.processEvents()
    out: dict = {"rows": window.model.rowCount(), "sort": {}}

    from ui.paper_model import COLUMNS

    for _header, key in COLUMNS:
        if key is None:
            continue
        for descending in (False, True):
            t0 = time.perf_counter()
            window.sort_by(key, descending)
            _wait(app, window.listingApplied)
            window.table.viewport().repaint()  # the sorted rows, fetched and painted
            out["sort"][f"{key}_{'desc' if descending else 'asc'}"] = time.perf_counter() - t0

    meter = _Lateness()
    has_search = hasattr(lib, "search")
    out["search_available"] = has_search
    if has_search:
        window.search_box.setFocus()
        chars = list(QUERY)
        loop = QEventLoop()

        def type_next():
            if chars:
                QTest.keyClick(window.search_box, chars.pop(0))
                QTimer.singleShot(125, type_next)  # 8 characters per second
            else:
                QTimer.singleShot(1500, loop.quit)  # let the last search land

        meter.start()
        QTimer.singleShot(0, type_next)
        loop.exec()
        out["typing"] = meter.stop()
        out["typing"]["hits_listed"] = window.model.rowCount()
        window.search_box.clear()
        window.set_query("")
        _wait(app, window.listingApplied)
    out["rss_mb"] = psutil.Process().memory_info().rss / 2**20

    before = lib.count()
    meter.start()
    window.start_import([page])
    done = _wait(app, window.importFinished, 120_000)
    # The change feed then brings the new papers into the table (bulk reload, off-thread).
    deadline = time.perf_counter() + 30
    while window.model.rowCount() < before + 10_000 and time.perf_counter() < deadline:
        _wait(app, window.listingApplied, 5000)
    out["import"] = meter.stop()
    out["import"]["finished"] = done
    out["import"]["rows_after"] = window.model.rowCount()
    out["rss_after_import_mb"] = psutil.Process().memory_info().rss / 2**20
    window.close()
    lib.close()
    return out


# -- parent ------------------------------------------------------------------------------------


def _child(*args: str) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    if args[0] == "first_paint":
        args = (*args, repr(time.time()))
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_window", "--child", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    if done.returncode != 0:
        raise SystemExit(f"child {args[0]} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _build(folder: Path, n: int) -> tuple[Path, Path, Path]:
    import app.commands  # noqa: F401  (the search index hooks: a real library has its index)
    from app import Library
    from tests.bench.synth import AS_OF, write_page

    big, empty = folder / "lib-big", folder / "lib-empty"
    page = write_page(folder / "page.txt", n)
    with Library.open(big) as lib:
        lib.import_files([page], as_of=AS_OF)
        lib.index.sync()  # as `paperdesk import` does before it returns
    Library.open(empty).close()
    extra = write_page(folder / "extra10k.txt", 10_000, seed=99)
    return big, empty, extra


def main(runs: int = 3, papers: int = 100_000) -> dict:
    import shutil

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        big, empty, extra = _build(folder, papers)
        _child("first_paint", str(big))  # warm the OS file cache once, not measured
        paint_big, paint_empty = [], []
        for _ in range(runs):
            paint_empty.append(_child("first_paint", str(empty))["seconds"])
            paint_big.append(_child("first_paint", str(big))["seconds"])
        sessions = []
        for r in range(runs):
            copy = folder / f"lib-copy{r}"
            shutil.copytree(big, copy)
            sessions.append(_child("session", str(copy), str(extra)))
            shutil.rmtree(copy)

    med = statistics.median
    sort_keys = sessions[0]["sort"].keys()
    sort = {k: round(med(s["sort"][k] for s in sessions), 3) for k in sort_keys}
    result: dict = {
        "benchmark": "window",
        "papers": papers,
        "runs": runs,
        "first_paint_100k_s": round(med(paint_big), 3),
        "first_paint_empty_s": round(med(paint_empty), 3),
        "first_paint_ratio_100k_vs_empty": round(med(paint_big) / med(paint_empty), 2),
        "all_first_paint_100k_s": [round(x, 3) for x in paint_big],
        "all_first_paint_empty_s": [round(x, 3) for x in paint_empty],
        "sort_s": sort,
        "sort_worst_s": max(sort.values()),
        "rss_mb": round(med(s["rss_mb"] for s in sessions), 1),
        "rss_after_import_mb": round(med(s["rss_after_import_mb"] for s in sessions), 1),
        "import_stall_p99_ms": med(s["import"]["p99_ms"] for s in sessions),
        "import_stall_max_ms": med(s["import"]["max_ms"] for s in sessions),
        "import_rows_after": sessions[0]["import"]["rows_after"],
        "search_available": sessions[0]["search_available"],
        "targets": TARGETS,
    }
    if sessions[0]["search_available"]:
        result["typing_stall_p99_ms"] = med(s["typing"]["p99_ms"] for s in sessions)
        result["typing_stall_max_ms"] = med(s["typing"]["max_ms"] for s in sessions)
        result["typing_hits_listed"] = sessions[0]["typing"]["hits_listed"]
    else:
        result["typing_stall_p99_ms"] = None  # not measured: Library.search not available
    return result


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        mode, args = sys.argv[2], sys.argv[3:]
        fn = {"first_paint": child_first_paint, "session": child_session}[mode]
        print(json.dumps(fn(*args)))
    else:
        import argparse

        parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_window")
        parser.add_argument("--runs", type=int, default=3)
        parser.add_argument("--papers", type=int, default=100_000)
        ns = parser.parse_args()
        print(json.dumps(main(ns.runs, ns.papers), indent=2))
