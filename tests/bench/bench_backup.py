"""Restore benchmark: a JSON backup of N synthetic papers into a fresh library (no index).

Run: python -m tests.bench.bench_backup [N] [RUNS] [--keys]   — prints JSON.
The backup is written in the exporter's format (``app/export/to_json.py``: the head, then
``papers`` one per line, then ``tags``), its papers from :mod:`tests.bench.synth` with tags,
notes, stars and ids as a real library's backup has them. Each restore is a fresh
subprocess, so peak memory (VmHWM) is the restore's own; wall and CPU time are both given
(the machine is shared: CPU time is the steadier figure). ``--keys``: every paper carries a
citation key, as a backup of a library once cited does (the keys' restore is then timed too).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from app.library import Library
from tests.bench.synth import AS_OF
backup, lib_dir = Path(sys.argv[1]), Path(sys.argv[2])
lib = Library.open(lib_dir)
t0, c0 = time.perf_counter(), time.process_time()
report = lib.import_files([backup], as_of=AS_OF)  # the store alone: the index syncs lazily
t1, c1 = time.perf_counter(), time.process_time()
n = lib.count()
lib.close()
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"seconds": t1 - t0, "cpu_seconds": c1 - c0, "papers": n,
                  "refused": len(report.refused), "peak_rss_mb": hwm / 1024}))
"""

TAGS = ["diffusion", "llm", "vision", "to-read", "robotics", "rl", "audio", "survey"]


def write_backup(path: Path, n: int, seed: int = 1, keys: bool = False) -> Path:
    """A backup of ``n`` papers in the exporter's exact layout."""
    from app.records import BACKUP_FORMAT_ID, BACKUP_VERSION
    from tests.bench.synth import papers

    encode = json.JSONEncoder(ensure_ascii=False).encode
    start = datetime(2024, 1, 1, 8, 0, 0, 123456)
    with path.open("w", encoding="utf-8") as out:
        head = {
            "format": BACKUP_FORMAT_ID,
            "version": BACKUP_VERSION,
            "exported_at": "2025-10-30T12:00:00+00:00",
            "title": None,
            "count": n,
        }
        out.write("{\n")
        for key, value in head.items():
            out.write(f"  {json.dumps(key)}: {json.dumps(value)},\n")
        out.write('  "papers": [')
        for i, (title, abstract, meta) in enumerate(papers(n, seed)):
            authors = int(meta[0].split()[1]) if meta and "authors" in meta[0] else None
            record = {
                "id": i + 1,
                "arxiv_id": f"{2400 + i % 100}.{i:05d}" if i % 3 == 0 else None,
                "title": title,
                "abstract": abstract[:160],  # ~378 bytes a paper, as the 1M backup
                "authors": [],
                "authors_count": authors,
                "organization": None if authors else "Spiral Works",
                "organization_id": None,
                "published": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}" if meta else None,
                "listed_on": None,
                "upvotes": i % 300 if i % 2 else None,
                "comments": i % 7,
                "submitted_by": None,
                "ai_summary": None,
                "ai_keywords": [],
                "github": None,
                "github_stars": None,
                "project_page": None,
                "url": f"https://huggingface.co/papers/{i}",
                "links": [f"https://github.com/x/y{i}"] if i % 5 == 0 else [],
                "citation_key": f"paper{i}x" if keys else None,
                "tags": [TAGS[i % 8], TAGS[(i // 8) % 8]][: 1 + i % 2] if i % 4 == 0 else [],
                "note": f"My note on paper {i}." if i % 20 == 0 else "",
                "starred": i % 11 == 0,
                "read": i % 3 == 0,
                "added_at": (start + timedelta(seconds=i)).isoformat() + "Z",
                "trashed": False,
            }
            out.write(",\n    " if i else "\n    ")
            out.write(encode(record))
        out.write("\n  ],")
        tags = [{"name": t, "color": "#3366cc" if t == "llm" else None} for t in sorted(TAGS)]
        out.write(f'\n  "tags": {json.dumps(tags)}\n}}\n')
    return path


def main(n: int = 1_000_000, runs: int = 3, keys: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        backup = write_backup(Path(tmp) / "backup.json", n, keys=keys)
        size_mb = backup.stat().st_size / 2**20
        results = []
        for r in range(runs):
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(backup), str(Path(tmp) / f"lib{r}")],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            results.append(json.loads(out.strip().splitlines()[-1]))
    secs = [r["seconds"] for r in results]
    cpu = [r["cpu_seconds"] for r in results]
    rss = [r["peak_rss_mb"] for r in results]
    return {
        "benchmark": "backup-restore",
        "papers": n,
        "citation_keys": keys,
        "backup_mb": round(size_mb, 1),
        "runs": runs,
        "restored": results[0]["papers"],
        "refused": results[0]["refused"],
        "median_seconds": round(statistics.median(secs), 2),
        "all_seconds": [round(s, 2) for s in secs],
        "median_cpu_seconds": round(statistics.median(cpu), 2),
        "all_cpu_seconds": [round(s, 2) for s in cpu],
        "target_seconds": 90,
        "median_peak_rss_mb": round(statistics.median(rss), 1),
        "target_peak_rss_mb": 500,
        "loadavg": Path("/proc/loadavg").read_text().strip(),
    }


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:] if a.isdigit()][:2]
    print(json.dumps(main(*args, keys="--keys" in sys.argv), indent=2))
