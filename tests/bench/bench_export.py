"""Export benchmark: N papers (default 100,000) to each format.

Run: python -m tests.bench.bench_export [N] [RUNS]   — prints JSON.
Targets (issue 6): each format ≤ 5 s, peak memory ≤ 500 MB. The library is built once
(synthetic pages, a third of the papers tagged, a tenth with notes, a fifth starred); each
export then runs in a fresh subprocess so that its peak memory (ru_maxrss) is its own.
Seconds are wall-clock for ``export(...)`` to a file (selection, reading, writing, fsync);
``cpu_seconds`` is the same span in process CPU time, less sensitive to a busy machine.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

FORMATS = ("md", "csv", "json", "bibtex", "ris", "html")
TARGET_SECONDS = 5
TARGET_RSS_MB = 500

BUILD = r"""
import sys
from pathlib import Path
# No search index: the facade indexes only when asked (lib.index.sync) or searched.
from app.library import Library
from tests.bench.synth import AS_OF, write_page
n, folder = int(sys.argv[1]), Path(sys.argv[2])
page = write_page(folder / "page.txt", n)
lib = Library.open(folder / "lib")
lib.import_files([page], as_of=AS_OF)
ids = sorted(lib.paper_ids())
lib.add_tags(ids[::3], ["reading list"])
lib.add_tags(ids[::4], ["ML & vision", "to cite"])
lib.set_starred(ids[::5])
from sqlalchemy import insert
from db import Note, write_session
from app.records import utcnow
with write_session(lib.engine) as s:  # notes in bulk: set_note one by one is slow here
    s.execute(insert(Note), [
        {"paper_id": i, "body": "Why it matters: 100% of $x_1$ & <b>bold</b>\n- one\n- two",
         "updated_at": utcnow()} for i in ids[::10]])
print(lib.count())
lib.close()
"""

CHILD = r"""
import json, resource, sys, time
from app.library import Library
from app.export import Selection, export
lib = Library.open(sys.argv[1])
t0, c0 = time.perf_counter(), time.process_time()
result = export(lib, Selection(), sys.argv[2], sys.argv[3])
t1, c1 = time.perf_counter(), time.process_time()
lib.close()
print(json.dumps({"seconds": t1 - t0, "cpu_seconds": c1 - c0, "papers": result.count,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(code: str, *args: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def main(n: int = 100_000, runs: int = 3) -> dict:
    out: dict = {"benchmark": "export", "papers": n, "runs": runs, "formats": {}}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        out["library_papers"] = int(_run(BUILD, str(n), str(folder)).splitlines()[-1])
        for fmt in FORMATS:
            results = []
            for r in range(runs):
                dest = folder / f"out{r}.{fmt}"
                line = _run(CHILD, str(folder / "lib"), fmt, str(dest))
                results.append(json.loads(line.splitlines()[-1]))
                size = dest.stat().st_size
                dest.unlink()
            secs = [x["seconds"] for x in results]
            rss = [x["peak_rss_mb"] for x in results]
            median = statistics.median(secs)
            out["formats"][fmt] = {
                "median_seconds": round(median, 2),
                "all_seconds": [round(s, 2) for s in secs],
                "median_cpu_seconds": round(
                    statistics.median(x["cpu_seconds"] for x in results), 2
                ),
                "target_seconds": TARGET_SECONDS,
                "median_peak_rss_mb": round(statistics.median(rss), 1),
                "target_peak_rss_mb": TARGET_RSS_MB,
                "file_mb": round(size / 2**20, 1),
                "met": median <= TARGET_SECONDS and max(rss) <= TARGET_RSS_MB,
            }
    return out


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    print(json.dumps(main(*args), indent=2))
