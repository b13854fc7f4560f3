"""Background jobs: results arrive by signal on the GUI thread; stale answers are dropped."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread

from ui.jobs import LatestJob


def test_a_stale_result_is_dropped(qtbot):
    jobs = LatestJob()
    release = threading.Event()
    got, threads = [], []
    jobs.finished.connect(lambda r: (got.append(r), threads.append(QThread.currentThread())))

    def slow():
        release.wait(10)
        return "old"

    jobs.submit(slow)
    with qtbot.waitSignal(jobs.finished, timeout=5000):
        jobs.submit(lambda: "new")
    release.set()  # the old request finishes now, after the newer one answered
    assert jobs.wait(5000)
    # The old answer was queued before this one; once this arrives, the old one was seen.
    with qtbot.waitSignal(jobs.finished, timeout=5000):
        jobs.submit(lambda: "last")
    assert got == ["new", "last"]
    assert set(threads) == {QThread.currentThread()}  # delivered on the GUI thread


def test_a_failure_is_one_line(qtbot):
    from app.errors import UnknownPaper

    jobs = LatestJob()

    def boom():
        raise UnknownPaper(42)

    with qtbot.waitSignal(jobs.failed, timeout=5000) as blocker:
        jobs.submit(boom)
    assert blocker.args == ["no paper with id 42"]
