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
