"""Import benchmark for the issue-11 forms: parse + store (no index), through the library.

Run: python -m tests.bench.bench_import_forms [N] [HTML_MB] [RUNS]   — prints JSON.

This is the benchmark of issue 11's speed targets (parse + store); ``bench_forms`` times
the parse alone.

1. N papers (default 100,000) as the Hub's ``/api/daily_papers`` JSON (the generator of
   :mod:`tests.bench.bench_forms`), imported into a fresh library: the sniffer streams the
   file (``hub_json.iter_stream``) and the merge writer stores 5,000 papers a batch.
2. A saved HTML list page of about HTML_MB megabytes (default 30), imported the same way.

Targets (issue 11 item 6): 100k Hub JSON parse+store <= 10 s and <= 500 MB; a 30 MB HTML
page <= 5 s. Each case runs in a fresh subprocess, so its peak memory (VmHWM) is its own;
the time covers ``Library.import_files`` (reading, parsing, storing, the import record).
Each case runs RUNS times (default 3) into a fresh library; medians of wall time, CPU time
and peak RSS are given with every run's figures and the load average (the machine may be
shared: CPU time is the steadier figure).
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
from tests.bench.bench_forms import AS_OF
page, lib_dir = Path(sys.argv[1]), Path(sys.argv[2])
lib = Library.open(lib_dir)
t0, c0 = time.perf_counter(), time.process_time()
report = lib.import_files([page], as_of=AS_OF)  # the store alone: the index syncs lazily
t1, c1 = time.perf_counter(), time.process_time()
n = lib.count()
lib.close()
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
f = report.files[0]
print(json.dumps({"seconds": round(t1 - t0, 2), "cpu_seconds": round(c1 - c0, 2),
                  "papers": n, "new": report.new, "status": f.status, "reason": f.reason,
                  "skipped": len(f.skipped), "peak_rss_mb": round(hwm / 1024, 1)}))
"""


def _run(page: Path, lib_dir: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(page), str(lib_dir)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _median_of(page: Path, tmp: Path, tag: str, runs: int) -> dict:
    results = [_run(page, tmp / f"lib-{tag}-{r}") for r in range(runs)]
    first = results[0]
    out = {k: first[k] for k in ("papers", "new", "status", "reason", "skipped")}
    for key in ("seconds", "cpu_seconds", "peak_rss_mb"):
        values = [r[key] for r in results]
        out[f"median_{key}"] = round(statistics.median(values), 2)
        out[f"all_{key}"] = values
    return out


def _loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return "unknown"


def main(argv: list[str]) -> dict:
    from tests.bench.bench_forms import html_text, hub_json_text

    n = int(argv[0]) if argv else 100_000
    megabytes = float(argv[1]) if len(argv) > 1 else 30.0
    runs = int(argv[2]) if len(argv) > 2 else 3
    with tempfile.TemporaryDirectory() as tmp:
        json_path = Path(tmp) / "daily_papers.json"
        json_path.write_text(hub_json_text(n), encoding="utf-8")
        page, html_papers = html_text(megabytes)
        html_path = Path(tmp) / "daily.html"
        html_path.write_text(page, encoding="utf-8")
        del page
        result = {
            "hub_json_import": {
                "input_mb": round(json_path.stat().st_size / 1e6, 1),
                "papers_in": n,
                "runs": runs,
                "loadavg_before": _loadavg(),
                **_median_of(json_path, Path(tmp), "json", runs),
                "loadavg_after": _loadavg(),
                "target": "<= 10 s, <= 500 MB",
            },
            "html_import": {
                "input_mb": round(html_path.stat().st_size / 1e6, 1),
                "papers_in": html_papers,
                "runs": runs,
                "loadavg_before": _loadavg(),
                **_median_of(html_path, Path(tmp), "html", runs),
                "loadavg_after": _loadavg(),
                "target": "<= 5 s",
            },
        }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
