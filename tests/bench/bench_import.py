"""Import benchmark: N synthetic papers into a fresh store (parsing + SQLite, no index).

Run: python -m tests.bench.bench_import [N]   — prints JSON.
Each run is a fresh subprocess so that peak memory (ru_maxrss) is the import's own.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, sys, time
from pathlib import Path
from app.library import Library
from tests.bench.synth import AS_OF
page, lib_dir = Path(sys.argv[1]), Path(sys.argv[2])
t0 = time.perf_counter()
lib = Library.open(lib_dir)
t1 = time.perf_counter()
report = lib.import_files([page], as_of=AS_OF)  # the store alone: the index syncs lazily
t2 = time.perf_counter()
n = lib.count()
lib.close()
# VmHWM: this process's own peak (ru_maxrss would carry the parent's peak across exec).
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"seconds": t2 - t1, "papers": n, "new": report.new, "peak_rss_mb": hwm / 1024}))
"""


def main(n: int = 100_000, runs: int = 3) -> dict:
    from tests.bench.synth import write_page

    with tempfile.TemporaryDirectory() as tmp:
        page = write_page(Path(tmp) / "page.txt", n)
        results = []
        for r in range(runs):
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(page), str(Path(tmp) / f"lib{r}")],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            results.append(json.loads(out.strip().splitlines()[-1]))
    secs = [r["seconds"] for r in results]
    rss = [r["peak_rss_mb"] for r in results]
    return {
        "benchmark": "import",
        "papers": n,
        "runs": runs,
        "imported": results[0]["papers"],
        "median_seconds": round(statistics.median(secs), 2),
        "all_seconds": [round(s, 2) for s in secs],
        "target_seconds": 10,
        "median_peak_rss_mb": round(statistics.median(rss), 1),
        "target_peak_rss_mb": 500,
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000), indent=2))
