"""Search benchmark on a synthetic 100,000-paper library (tests/bench/synth.py).

Run: python -m tests.bench.bench_search [N] [--reuse DIR] [--runs R] [--reps K]  — prints JSON.
N papers (default 100,000; e.g. 20000 for a quicker, smaller run — the figures in issue 3
are at 100,000). --reuse DIR keeps the library between runs; --runs 0 then skips the rebuild.

Measures, next to the targets of issue 3:
- bulk indexing: a full ``reindex`` (worker processes), papers/s;
- full queries: ``lib.search(q, limit=50)`` end to end (parse, rank, highlights read from
  SQLite) over a fixed set of queries mixing common and rare words; p95 after one warm-up
  pass (and the cold first pass on its own), and the same queries on an SQLite FTS5 table
  of the same corpus in the same run, with the ratio of the p95s;
- as-you-type: every keystroke of those queries from the third letter of the last word;
- change-to-searchable: a note or tag change, then a search that finds it;
- resident memory of the searching process.
"""

from __future__ import annotations

import json
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUERIES = [
    "concept erasure",
    "diffusion models",
    "language model reasoning",
    "video generation benchmark",
    "reinforcement learning agents",
    "erasure",
    "unlearning diffusion",
    "mixture experts",
    "vision language",
    "image editing",
    "token",
    "robot manipulation policy",
    "graph neural",
    "speech recognition",
    "gaussian splatting",
    "quantization",
    "retrieval augmented generation",
    "long context",
    "chain thought",
    "code generation",
    "large language models",
    "data",
    "text image alignment",
    "zero shot",
]

IMPORT = r"""
import sys
from pathlib import Path
from app.library import Library          # no app.search: import without indexing
from tests.bench.synth import AS_OF
lib = Library.open(Path(sys.argv[2]))
lib.import_files([Path(sys.argv[1])], as_of=AS_OF)
print(lib.count())
lib.close()
"""


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))]


def summary(values: list[float]) -> dict:
    return {
        "median_ms": round(statistics.median(values), 1),
        "p95_ms": round(pct(values, 95), 1),
        "max_ms": round(max(values), 1),
        "n": len(values),
    }


def build_library(folder: Path, n: int) -> None:
    from tests.bench.synth import write_page

    if (folder / "library.sqlite").exists():
        return
    with tempfile.TemporaryDirectory() as tmp:
        page = write_page(Path(tmp) / "page.txt", n)
        subprocess.run([sys.executable, "-c", IMPORT, str(page), str(folder)], check=True)


def fts5(db_path: Path, queries: list[str], reps: int) -> dict:
    """The reference: the same corpus in an SQLite FTS5 table, same queries, top 50 by bm25."""
    src = sqlite3.connect(db_path)
    fts_file = db_path.with_name("fts5-reference.sqlite")
    fts_file.unlink(missing_ok=True)
    con = sqlite3.connect(fts_file)
    con.execute("CREATE VIRTUAL TABLE fts USING fts5(title, abstract, tags, note)")
    rows = src.execute(
        "SELECT p.id, p.title, p.abstract, "
        "(SELECT group_concat(t.name, ' ; ') FROM paper_tags pt JOIN tags t ON t.id = pt.tag_id "
        " WHERE pt.paper_id = p.id), (SELECT body FROM notes n WHERE n.paper_id = p.id) "
        "FROM papers p"
    )
    t0 = time.perf_counter()
    con.executemany("INSERT INTO fts(rowid, title, abstract, tags, note) VALUES (?,?,?,?,?)", rows)
    con.commit()
    build_s = time.perf_counter() - t0
    stmt = (
        "SELECT rowid, bm25(fts, 2.5, 1.0, 1.5, 1.2) AS r FROM fts WHERE fts MATCH ? "
        "ORDER BY r LIMIT 50"
    )
    times = []
    for rep in range(reps + 1):
        for q in queries:
            match = " ".join(f'"{w}"' for w in q.split())
            t = time.perf_counter()
            con.execute(stmt, (match,)).fetchall()
            if rep:  # the first pass warms the cache, as for Whoosh
                times.append((time.perf_counter() - t) * 1000)
    con.close()
    fts_file.unlink(missing_ok=True)
    return {"build_s": round(build_s, 1), **summary(times)}


def main() -> dict:
    import psutil

    args = sys.argv[1:]
    if "-h" in args or "--help" in args:
        print(__doc__)
        sys.exit(0)
    n = int(args[0]) if args and args[0].isdigit() else 100_000
    reuse = Path(args[args.index("--reuse") + 1]) if "--reuse" in args else None
    reps = int(args[args.index("--reps") + 1]) if "--reps" in args else 5
    rebuild_runs = int(args[args.index("--runs") + 1]) if "--runs" in args else 1
    tmp = None
    if reuse is None:
        tmp = tempfile.TemporaryDirectory()
        folder = Path(tmp.name) / "lib"
    else:
        folder = reuse
    t0 = time.perf_counter()
    build_library(folder, n)
    import_s = time.perf_counter() - t0

    from app.library import Library

    lib = Library.open(folder)
    count = lib.count()
    rates = []
    for _ in range(rebuild_runs):
        t = time.perf_counter()
        lib.reindex()
        rates.append(count / (time.perf_counter() - t))
    if not rates:  # --runs 0: reuse the index already in --reuse DIR
        lib.search("warm up")
    rebuild_s = count / statistics.median(rates) if rates else None

    # Full queries: a cold first pass, then `reps` warm passes.
    cold, warm, totals = [], [], {}
    for rep in range(reps + 1):
        for q in QUERIES:
            t = time.perf_counter()
            r = lib.search(q, limit=50)
            ms = (time.perf_counter() - t) * 1000
            (warm if rep else cold).append(ms)
            totals[q] = r.total

    # As you type: every keystroke from the third letter of the last word.
    typed = []
    for q in QUERIES:
        head, _, last = q.rpartition(" ")
        for i in range(3, len(last) + 1):
            text = (head + " " if head else "") + last[:i]
            t = time.perf_counter()
            lib.search(text, as_you_type=True, limit=50)
            typed.append((time.perf_counter() - t) * 1000)

    # Change to searchable: the commit, the index catching up (``lib.search`` syncs first
    # when the index is behind, as the window's index thread does), and a search.
    rng = random.Random(5)
    run_id = os.urandom(3).hex()  # fresh words and tags: a no-op change would prove nothing
    ids = lib.paper_ids(limit=5000)
    note_ms, tag_ms = [], []
    for i in range(15):
        pid = rng.choice(ids)
        word = f"xqzmarker{i}x{run_id}"
        t = time.perf_counter()
        lib.set_note(pid, f"checked {word}")
        r = lib.search(word, as_you_type=False)
        note_ms.append((time.perf_counter() - t) * 1000)
        assert r.ids == [pid], (word, r.ids)
        tag = f"benchtag{i}-{run_id}"
        t = time.perf_counter()
        lib.add_tags([pid], [tag])
        r = lib.search(f'tag:"{tag}"')
        tag_ms.append((time.perf_counter() - t) * 1000)
        assert r.ids == [pid], (tag, r.ids)
    rss_mb = psutil.Process().memory_info().rss / 2**20
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lib.close()

    ref = fts5(folder / "library.sqlite", QUERIES, reps)
    full = summary(warm)
    out = {
        "benchmark": "search",
        "papers": count,
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "import_s_without_index": round(import_s, 1) if reuse is None else None,
        "bulk_indexing": {
            "papers_per_s_median": round(statistics.median(rates)) if rates else None,
            "all_runs": [round(r) for r in rates],
            "full_rebuild_s": round(rebuild_s, 1) if rebuild_s else None,
            "target_papers_per_s": 1500,
            "target_full_rebuild_s": 70,
        },
        "full_query": {
            **full,
            "target_p95_ms": 100,
            "cold_first_pass": summary(cold),
            "queries": len(QUERIES),
            "warm_passes": reps,
        },
        "fts5_reference": ref,
        "p95_ratio_to_fts5": round(full["p95_ms"] / max(ref["p95_ms"], 1e-6), 2),
        "target_p95_ratio": 3,
        "as_you_type": {**summary(typed), "target_p95_ms": 60},
        "change_to_searchable": {
            "note": summary(note_ms),
            "tag": summary(tag_ms),
            "target_ms": 300,
        },
        "memory": {
            "rss_mb_after_searching": round(rss_mb, 1),
            "peak_rss_mb": round(peak_mb, 1),
            "target_mb": 400,
        },
        "hits_per_query": totals,
    }
    if tmp is not None:
        tmp.cleanup()
    return out


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
