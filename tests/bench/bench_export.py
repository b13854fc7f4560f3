"""Export benchmark: N papers (default 100,000) to each format.

Run: python -m tests.bench.bench_export [N] [RUNS] [FORMAT,...]   — prints JSON.
Targets: each format ≤ 5 s, peak memory ≤ 500 MB (issue 6; CSL-JSON and BibLaTeX: issue 12).
The library is built once (synthetic pages, a third of the papers tagged, a tenth with
notes, a fifth starred; author names and arXiv ids on 90%, so the citation formats split
names and write arXiv fields as they would for real papers). Each export then runs in a
fresh subprocess so that its peak memory (ru_maxrss) is its own. Seconds are wall-clock
for ``export(...)`` to a file (selection, citation keys, reading, writing, fsync);
``cpu_seconds`` is the same span in process CPU time, less sensitive to a busy machine.
An export of 20,000 papers or more is formatted by two processes (``app.export.halves``):
the worker's CPU and peak memory are reported apart, and the memory target is checked
against the sum of both peaks.
A keyed format (BibTeX, BibLaTeX, CSL-JSON) is timed on a fresh copy of the library with
no citation keys: its first export also makes and stores every key, and is reported apart
(``first_export``); the RUNS repeats that follow reuse those keys (the steady state).
``PAPERDESK_BENCH_LIB=DIR`` keeps (and reuses) the built library in DIR; the bench never
exports into it, so it stays keyless. A kept library of an older schema is built again
(a migrated file is laid out unlike a fresh one, so its first export would time another
library).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from db.engine import head_revision

FORMATS = ("md", "csv", "json", "bibtex", "biblatex", "csl-json", "ris", "html")
TARGET_SECONDS = 5
TARGET_RSS_MB = 500

BUILD = r"""
import json, sys
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
from sqlalchemy import bindparam, insert, update
from db import Note, Paper, write_session
from app.records import utcnow
GIVEN = ["Minyang", "Luyu", "José", "Anna-Lena", "Wei", "Olúwádé", "Jean-Pierre", "Zoë"]
FAMILY = ["Tian", "Gao", "Müller", "van der Berg", "O'Neil", "Smith", "Nakamura", "Łukasz"]
rows = []
for k, i in enumerate(ids):
    if k % 10 == 9:
        continue
    names = [f"{GIVEN[(k + j) % 8]} {FAMILY[(k * 3 + j) % 8]}" for j in range(3 + k % 6)]
    rows.append({"pid": i, "a": json.dumps(names, ensure_ascii=False),
                 "x": f"24{k // 90000 % 12 + 1:02d}.{k % 90000 + 10000:05d}"})
table = Paper.__table__
with write_session(lib.engine) as s:  # authors, arXiv ids and notes in bulk
    s.connection().execute(update(table).where(table.c.id == bindparam("pid"))
                           .values(authors=bindparam("a"), arxiv_id=bindparam("x")), rows)
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
kids = resource.getrusage(resource.RUSAGE_CHILDREN)  # the export worker (app.export.halves)
print(json.dumps({"seconds": t1 - t0, "cpu_seconds": c1 - c0, "papers": result.count,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker_cpu_seconds": kids.ru_utime + kids.ru_stime,
                  "worker_peak_rss_mb": kids.ru_maxrss / 1024}))
"""


def _run(code: str, *args: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def _loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return ""


KEYED = ("bibtex", "biblatex", "csl-json")


def _revision(lib: Path) -> str | None:
    """The schema revision of the kept library (None: unreadable)."""
    try:
        with sqlite3.connect(lib / "library.sqlite") as conn:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        conn.close()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def _keyless_copy(lib: Path, dest: Path) -> Path:
    """A copy of the library with no citation keys, as a library never exported is."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(lib, dest)
    with sqlite3.connect(dest / "library.sqlite") as conn:
        conn.execute("DELETE FROM citation_keys")
    conn.close()
    # The copy's pages on disk first: the export's commit must not wait for them.
    os.sync()
    return dest


def _summary(results: list[dict]) -> dict:
    secs = [x["seconds"] for x in results]
    return {
        "median_seconds": round(statistics.median(secs), 2),
        "all_seconds": [round(s, 2) for s in secs],
        "median_cpu_seconds": round(statistics.median(x["cpu_seconds"] for x in results), 2),
        "median_peak_rss_mb": round(statistics.median(x["peak_rss_mb"] for x in results), 1),
        "median_worker_cpu_seconds": round(
            statistics.median(x["worker_cpu_seconds"] for x in results), 2
        ),
        "max_worker_peak_rss_mb": round(max(x["worker_peak_rss_mb"] for x in results), 1),
    }


def main(n: int = 100_000, runs: int = 3, formats: tuple[str, ...] = FORMATS) -> dict:
    out: dict = {"benchmark": "export", "papers": n, "runs": runs, "formats": {}}
    keep = os.environ.get("PAPERDESK_BENCH_LIB")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(keep) if keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        if (folder / "lib").exists() and _revision(folder / "lib") != head_revision():
            shutil.rmtree(folder / "lib")  # an older schema: built afresh, never migrated
        if not (folder / "lib").exists():
            _run(BUILD, str(n), str(folder))
        out["loadavg_before"] = _loadavg()
        for fmt in formats:
            lib = folder / "lib"
            first = None
            if fmt in KEYED:
                lib = _keyless_copy(lib, Path(tmp) / "fresh")
                dest = Path(tmp) / f"first.{fmt}"
                first = json.loads(_run(CHILD, str(lib), fmt, str(dest)).splitlines()[-1])
                dest.unlink()
            results = []
            for r in range(runs):
                dest = Path(tmp) / f"out{r}.{fmt}"
                line = _run(CHILD, str(lib), fmt, str(dest))
                results.append(json.loads(line.splitlines()[-1]))
                size = dest.stat().st_size
                dest.unlink()
            # Both processes at their peaks at once: an upper bound on the export's memory.
            rss = [x["peak_rss_mb"] + x["worker_peak_rss_mb"] for x in results]
            row = {"papers": results[-1]["papers"], **_summary(results)}
            met = row["median_seconds"] <= TARGET_SECONDS and max(rss) <= TARGET_RSS_MB
            if first is not None:
                row["first_export"] = {
                    "seconds": round(first["seconds"], 2),
                    "cpu_seconds": round(first["cpu_seconds"], 2),
                    "peak_rss_mb": round(first["peak_rss_mb"], 1),
                    "worker_peak_rss_mb": round(first["worker_peak_rss_mb"], 1),
                    "met": first["seconds"] <= TARGET_SECONDS
                    and first["peak_rss_mb"] + first["worker_peak_rss_mb"] <= TARGET_RSS_MB,
                }
                met = met and row["first_export"]["met"]
            row.update(
                target_seconds=TARGET_SECONDS,
                target_peak_rss_mb=TARGET_RSS_MB,
                file_mb=round(size / 2**20, 1),
                loadavg=_loadavg(),
                met=met,
            )
            out["formats"][fmt] = row
    return out


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    fmts = tuple(sys.argv[3].split(",")) if len(sys.argv) > 3 else FORMATS
    print(json.dumps(main(*args, formats=fmts), indent=2))
