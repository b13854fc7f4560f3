"""Two processes writing to one library at once: no document lost, nothing raised."""

from __future__ import annotations

import subprocess
import sys

from app.library import Library
from tests.bench.synth import write_page

CHILD = r"""
import sys
from app.cli import main
lib, page, tag = sys.argv[1:4]
codes = [main(["--library", lib, "import", page, "--as-of", "2025-10-30"])]
for i in range(1, 6):
    codes.append(main(["--library", lib, "tag", "add", str(i), "-t", tag]))
sys.exit(max(codes))
"""


def test_two_processes_importing_and_tagging_at_once(tmp_path):
    folder = tmp_path / "lib"
    Library.open(folder).close()
    pages = [write_page(tmp_path / f"p{i}.txt", 120, seed=20 + i) for i in range(2)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(folder), str(page), f"team{i}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i, page in enumerate(pages)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        assert "Traceback" not in err and "LockError" not in err

    lib = Library.open(folder)
    try:
        assert lib.count() == 240
        idx = lib.index
        # Without catching up: what the two writers left in the index is already complete.
        assert idx.stamp()["seq"] == lib.last_change()
        indexed = idx.indexed_ids()
        assert set(indexed) == set(lib.paper_ids())
        assert len(indexed) == 240  # no duplicates
        for tag in ("team0", "team1"):
            assert set(lib.search(f"tag:{tag}").ids) == {1, 2, 3, 4, 5}
    finally:
        lib.close()


HOLDER = r"""
import sys
from pathlib import Path
from app.library import Library
lib = Library.open(Path(sys.argv[1]))
with lib.index._locked():  # what a long ``reindex`` holds for its whole run
    print("holding", flush=True)
    sys.stdin.read()  # until the test lets go
lib.close()
"""


def test_a_cli_write_never_waits_for_index_work_of_another_process(seeded, tmp_path):
    import time

    from app.cli import main

    folder = seeded.path
    seeded.index.sync()
    seeded.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        t = time.perf_counter()
        assert main(["--library", str(folder), "star", "5"]) == 0
        took = time.perf_counter() - t
        assert took < 5, took  # was: until the other process's reindex ended (~67 s)
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
        holder.stdout.close()
    lib = Library.open(folder)
    try:
        assert lib.get(5).starred
        assert 5 in lib.search("is:starred", limit=10_000).ids  # the next search caught up
    finally:
        lib.close()


PARENT = r"""
import sys
from pathlib import Path
from app.search.whoosh import WhooshEngine
folder = Path(sys.argv[2])
folder.mkdir()
engine = WhooshEngine.create(folder)
print("start", flush=True)
engine.bulk_index(Path(sys.argv[1]), list(range(1, 6001)))
"""


def _children(pid: int):
    import psutil

    return psutil.Process(pid).children()


def test_index_workers_die_with_their_parent(tmp_path):
    import os
    import signal
    import sqlite3

    import psutil

    # A database the test keeps locked: the workers wait on it silently (SQLite's busy
    # timeout), like during a long segment write, when no progress line of theirs would
    # find their parent's pipe gone.
    db = tmp_path / "locked.sqlite"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(db), str(tmp_path / "index")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout.readline().strip() == "start"
        workers: list = []
        deadline = psutil.Process(parent.pid).create_time() + 60
        while len(workers) < 2 and psutil.time.time() < deadline:
            workers = [
                c
                for c in _children(parent.pid)
                if "app.search.whoosh.bulk" in " ".join(c.cmdline())
            ]
        assert len(workers) == 2
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=30)
        gone, alive = psutil.wait_procs(workers, timeout=5)
        assert not alive, [p.pid for p in alive]  # were: ~45 s more after their parent
    finally:
        if parent.poll() is None:
            parent.kill()
        parent.wait(timeout=30)
        parent.stdout.close()
        holder.close()
