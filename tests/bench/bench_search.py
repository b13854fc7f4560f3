"""Search benchmark that tells the truth (issue 15), on a held-out-style synthetic library.

Run: python -m tests.bench.bench_search [N] [--reuse DIR] [--skip-import] [--warm K]
[--rebuild] prints JSON. N papers (default 100,000). --reuse DIR keeps the library between
runs (--skip-import then reuses the one already there; --rebuild only times a full rebuild
of it: papers/s, and the peak memory of each process).

Measures, each next to its target:
- end to end ``paperdesk import`` of one N-paper page (tests/bench/synth.py's held-out
  generator), searchable when it returns: wall and CPU time, peak RSS of the largest process
  and of the whole process tree (the indexing workers included);
- a full rebuild (``lib.reindex()``), papers/s;
- 40+ queries of every kind (plain words, hyphenated and dotted words, phrases, NOT/-word,
  OR, title:/tag:/author:, rare words, date/upvote ranges): each query's COLD run is its
  first run in a fresh process (one new process per query, after the library is open and a
  query of unrelated words has run, so that what is measured is the query, not the open),
  then ``K`` warm runs of it; p50/p95 per kind and overall. In the same process, the same
  query on an SQLite FTS5 table of the same corpus, cold (a new connection) and warm;
- as you type: every prefix of a few queries, typed a character at a time, in a fresh
  process; p95.
The machine may be shared: wall and CPU time are both given, and FTS5 runs in the same
processes as the reference.
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# (kind, Paperdesk query, FTS5 MATCH, extra SQL condition on papers p)
QUERIES: list[tuple[str, str, str, str]] = [
    ("plain", "language models reasoning", '"language" "models" "reasoning"', ""),
    ("plain", "latent space communication", '"latent" "space" "communication"', ""),
    ("plain", "contrastive learning", '"contrastive" "learning"', ""),
    ("plain", "diffusion models", '"diffusion" "models"', ""),
    ("plain", "video generation benchmark", '"video" "generation" "benchmark"', ""),
    ("plain", "reinforcement learning agents", '"reinforcement" "learning" "agents"', ""),
    ("plain", "robot manipulation policy", '"robot" "manipulation" "policy"', ""),
    ("plain", "data", '"data"', ""),
    ("hyphen", "zero-shot segmentation", '"zero shot" "segmentation"', ""),
    ("hyphen", "vision-language models", '"vision language" "models"', ""),
    ("hyphen", "text-to-image generation", '"text to image" "generation"', ""),
    ("hyphen", "chain-of-thought", '"chain of thought"', ""),
    ("hyphen", "state-of-the-art results", '"state of the art" "results"', ""),
    ("hyphen", "GPT-4o", '"gpt 4o"', ""),
    ("hyphen", "v1.5", '"v1 5"', ""),
    ("hyphen", "Llama-3.1 fine-tuning", '"llama 3 1" "fine tuning"', ""),
    ("phrase", '"language model"', '"language model"', ""),
    ("phrase", '"large language models"', '"large language models"', ""),
    ("phrase", '"neural networks" training', '"neural networks" "training"', ""),
    ("phrase", '"in the wild"', '"in the wild"', ""),
    ("phrase", '"point cloud"', '"point cloud"', ""),
    ("not", "diffusion -video", '"diffusion" NOT "video"', ""),
    ("not", "language models NOT reasoning", '"language" "models" NOT "reasoning"', ""),
    ("not", "agents -reinforcement -robot", '"agents" NOT "reinforcement" NOT "robot"', ""),
    ("not", "benchmark -zero-shot", '"benchmark" NOT "zero shot"', ""),
    ("or", "segmentation OR detection", '"segmentation" OR "detection"', ""),
    ("or", "audio OR speech recognition", '("audio" OR "speech") AND "recognition"', ""),
    ("or", "graph OR tree OR sequence", '"graph" OR "tree" OR "sequence"', ""),
    ("or", "(robot OR embodied) policy", '("robot" OR "embodied") AND "policy"', ""),
    ("field", "title:diffusion", 'title: "diffusion"', ""),
    ("field", "title:benchmark models", 'title: "benchmark" "models"', ""),
    ("field", "tag:reading", 'tags: "reading"', ""),
    ("field", "author:li", 'authors: "li"', ""),
    ("field", "author:wei video", 'authors: "wei" "video"', ""),
    ("field", 'title:"language models"', 'title: "language models"', ""),
    ("rare", "quilzanapmun", '"quilzanapmun"', ""),
    ("rare", "kabelstanyx agents", '"kabelstanyx" "agents"', ""),
    ("rare", "zebrafish", '"zebrafish"', ""),
    ("rare", "unicorn horns", '"unicorn" "horns"', ""),
    ("range", "diffusion year:2025", '"diffusion"', "p.published >= '2025-01-01'"),
    ("range", "language models upvotes:>=100", '"language" "models"', "p.upvotes >= 100"),
    ("range", "zero-shot date:>=2024-06-01", '"zero shot"', "p.published >= '2024-06-01'"),
    ("range", '"large language models" upvotes:>=50', '"large language models"', "p.upvotes >= 50"),
    ("range", "title:video upvotes:10..200", 'title: "video"', "p.upvotes BETWEEN 10 AND 200"),
]  # fmt: skip

TYPED = [
    "language models reasoning",
    "zero-shot segmentation",
    "diffusion video",
    "reinforcement learning",
    "contrastive",
    "quilzanapmun",
]
TAGS = ["reading", "to read", "survey", "baseline"]
NAMES = ["Li Wei", "Ada Lovelace", "Tian Li", "Wei Zhang", "Grace Hopper", "Alan Turing"]


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))]


def summary(values: list[float]) -> dict:
    if not values:
        return {}
    return {
        "p50_ms": round(statistics.median(values), 1),
        "p95_ms": round(pct(values, 95), 1),
        "max_ms": round(max(values), 1),
        "n": len(values),
    }


# -- the corpus and the import ---------------------------------------------------------------


def _tree_rss(pid: int) -> int:
    import psutil

    try:
        p = psutil.Process(pid)
        procs = [p, *p.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for q in procs:
        try:
            total += q.memory_info().rss
        except psutil.Error:
            pass
    return total


def _is_worker(pid: int) -> bool:
    """An indexing worker (after its exec: a child between fork and exec still shows its
    parent's memory)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"app.search.whoosh.bulk" in f.read()
    except OSError:
        return False


def _tree_pids(pid: int) -> list[int]:
    import psutil

    try:
        return [pid, *(q.pid for q in psutil.Process(pid).children(recursive=True))]
    except psutil.Error:
        return []


def import_page(folder: Path, n: int) -> dict:
    """``paperdesk import`` of one n-paper page: wall, CPU, peak RSS (it returns searchable)."""
    from tests.bench.synth import AS_OF, write_heldout_page

    with tempfile.TemporaryDirectory() as tmp:
        page = write_heldout_page(Path(tmp) / "page.txt", n)
        main = "import sys; from app.cli import main; sys.exit(main(sys.argv[1:]))"
        cmd = [sys.executable, "-c", main, "--library", str(folder), "import"]
        cmd += [str(page), "--as-of", AS_OF.isoformat()]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        peak_tree = 0
        hwm: dict[int, int] = {}
        seen: list[float] = []  # when the indexing workers were seen running
        while p.poll() is None:
            peak_tree = max(peak_tree, _tree_rss(p.pid))
            pids = [p.pid, *(q for q in _tree_pids(p.pid)[1:] if _is_worker(q))]
            if len(pids) > 1:
                seen.append(time.perf_counter() - t0)
            for pid in pids:
                hwm[pid] = max(hwm.get(pid, 0), _vm_hwm(pid))
            time.sleep(0.05)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if p.returncode != 0:
            raise SystemExit(f"import failed: {p.stderr.read().decode()[-500:]}")  # type: ignore[union-attr]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "wall_s": round(wall, 1),
        "cpu_s_all_processes": round(cpu, 1),
        # VmHWM sampled while each runs: ru_maxrss of children also counts this process's
        # own memory (the generated page) that a child shares between fork and exec
        "peak_rss_mb_largest_process": round(max(hwm.values(), default=0) / 1024, 1),
        "peak_rss_mb_process_tree": round(peak_tree / 2**20, 1),
        "peak_mb_import_process": round(hwm.get(p.pid, 0) / 1024, 1),
        "index_workers_from_to_s": [round(seen[0], 1), round(seen[-1], 1)] if seen else None,
        "peak_mb_each_worker": sorted(
            (round(v / 1024, 1) for k, v in hwm.items() if k != p.pid and v), reverse=True
        ),
        "target_wall_s": 45,
        "target_mb": 500,
    }


def decorate(folder: Path) -> None:
    """Tags (through the library, as a user adds them), author names and upvotes (as the
    Hub JSON importer stores them) on the corpus, so that tag:, author: and upvotes: have
    work (the rebuild then indexes them)."""
    from app.library import Library

    lib = Library.open(folder)
    ids = lib.paper_ids(limit=1_000_000)
    for k, tag in enumerate(TAGS):
        lib.add_tags(ids[k :: 37 + 11 * k], [tag])
    lib.close()
    con = sqlite3.connect(folder / "library.sqlite")
    con.executemany(
        "UPDATE papers SET authors = ?, upvotes = ? WHERE id = ?",
        [
            (json.dumps([NAMES[(i + k) % len(NAMES)] for k in range(1 + i % 3)]), i * 37 % 301, i)
            for i in ids
        ],
    )
    con.commit()
    con.close()


def build_fts(folder: Path) -> Path:
    """The reference: the same text in an SQLite FTS5 table (unicode61, like our analysis)."""
    fts_file = folder / "fts5-reference.sqlite"
    if fts_file.exists():
        return fts_file
    con = sqlite3.connect(fts_file)
    con.execute(f"ATTACH DATABASE '{folder / 'library.sqlite'}' AS lib")
    con.execute("CREATE VIRTUAL TABLE fts USING fts5(title, abstract, tags, note, authors)")
    con.execute(
        "INSERT INTO fts(rowid, title, abstract, tags, note, authors) "
        "SELECT p.id, p.title, p.abstract, "
        "(SELECT group_concat(t.name, ' ; ') FROM lib.paper_tags pt "
        " JOIN lib.tags t ON t.id = pt.tag_id WHERE pt.paper_id = p.id), "
        "(SELECT body FROM lib.notes n WHERE n.paper_id = p.id), "
        "(SELECT group_concat(value, ' ; ') FROM json_each(p.authors)) FROM lib.papers p"
    )
    con.commit()
    con.close()
    return fts_file


# -- one query in a fresh process ------------------------------------------------------------

CHILD = r"""
import json, sys, time
from pathlib import Path
from tests.bench.bench_search import child
print(json.dumps(child(Path(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3]))))
"""


def _fts_sql(cond: str) -> str:
    where = f" AND {cond}" if cond else ""
    return (
        "SELECT f.rowid, bm25(fts, 2.5, 1.0, 1.5, 1.2, 1.5) AS r FROM fts f "
        f"JOIN lib.papers p ON p.id = f.rowid WHERE fts MATCH ?{where} ORDER BY r LIMIT 50"
    )


def _fts_open(folder: Path) -> sqlite3.Connection:
    con = sqlite3.connect(folder / "fts5-reference.sqlite")
    con.execute(f"ATTACH DATABASE '{folder / 'library.sqlite'}' AS lib")
    return con


def _timed(fn) -> tuple[float, float, object]:
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000, out


def child(folder: Path, job: dict, warm: int) -> dict:
    """In a fresh process: open, one unrelated query, then the job's query cold and warm."""
    from app.library import Library

    lib = Library.open(folder)
    lib.search("okapi")  # the open's own work (searcher, columns) is not the query's
    wait = getattr(lib.index, "wait_warm", None)
    if wait is not None:
        wait()  # the background warm-up after open, as a user's first keystroke would find
    out: dict = {}
    if job["kind"] == "typed":
        text = job["q"]
        cold, cpu = [], []
        for i in range(1, len(text) + 1):
            w, c, _ = _timed(lambda i=i: lib.search(text[:i], as_you_type=True, limit=50))
            cold.append(w)
            cpu.append(c)
        lib.close()
        return {"typed_ms": cold, "typed_cpu_ms": cpu}
    w, c, r = _timed(lambda: lib.search(job["q"], limit=50))
    out["cold_ms"], out["cold_cpu_ms"] = w, c
    out["total"], out["exact"] = r.total, r.total_is_exact
    out["note"] = getattr(r, "note", None)
    out["warm_ms"] = [_timed(lambda: lib.search(job["q"], limit=50))[0] for _ in range(warm)]
    lib.close()
    sql = _fts_sql(job["cond"])
    con = _fts_open(folder)  # a new connection: its page cache is empty
    w, c, rows = _timed(lambda: con.execute(sql, (job["match"],)).fetchall())
    out["fts_cold_ms"], out["fts_cold_cpu_ms"], out["fts_hits"] = w, c, len(rows)  # type: ignore[arg-type]
    out["fts_warm_ms"] = [
        _timed(lambda: con.execute(sql, (job["match"],)).fetchall())[0] for _ in range(warm)
    ]
    con.close()
    return out


def run_child(folder: Path, job: dict, warm: int) -> dict:
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": root}
    res = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder), json.dumps(job), str(warm)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if res.returncode:
        raise SystemExit(f"query {job} failed: {res.stderr[-800:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


# -- main ------------------------------------------------------------------------------------


def _vm_hwm(pid: int) -> int:
    """A process's peak resident memory so far (VmHWM), in kB; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rebuild(folder: Path) -> dict:
    """A full rebuild (``lib.reindex()``): papers/s, CPU, peak memory of the process tree and
    of each process (VmHWM: this one's, and each indexing worker's, read while it runs)."""
    import psutil

    from app.library import Library

    lib = Library.open(folder)
    count = lib.count()
    peak = [0]
    hwm: dict[int, int] = {}
    done = threading.Event()

    seen: list[float] = []

    def watch() -> None:
        me = psutil.Process()
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(os.getpid()))
            try:
                kids = [q.pid for q in me.children(recursive=True) if _is_worker(q.pid)]
            except psutil.Error:
                kids = []
            if kids:
                seen.append(time.perf_counter() - t0)
            for pid in kids:
                hwm[pid] = max(hwm.get(pid, 0), _vm_hwm(pid))
            time.sleep(0.05)

    c0 = time.process_time()
    ch0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    th = threading.Thread(target=watch, daemon=True)
    th.start()
    lib.reindex()
    wall = time.perf_counter() - t0
    done.set()
    th.join()
    ch1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() - c0 + (ch1.ru_utime - ch0.ru_utime) + (ch1.ru_stime - ch0.ru_stime)
    segments = len(list(lib.index.folder.glob("*.seg"))) or None
    lib.close()
    return {
        "papers": count,
        "wall_s": round(wall, 1),
        "cpu_s_all_processes": round(cpu, 1),
        "papers_per_s": round(count / wall),
        "peak_rss_mb_process_tree": round(peak[0] / 2**20, 1),
        "peak_mb_this_process": round(_vm_hwm(os.getpid()) / 1024, 1),  # the page too
        "index_workers_from_to_s": [round(seen[0], 1), round(seen[-1], 1)] if seen else None,
        "peak_mb_each_worker": sorted(
            (round(v / 1024, 1) for v in hwm.values() if v), reverse=True
        ),
        "segments_files": segments,
        "target_papers_per_s": 3000,
    }


def main() -> dict:
    args = sys.argv[1:]
    if "-h" in args or "--help" in args:
        print(__doc__)
        sys.exit(0)
    n = int(args[0]) if args and args[0].isdigit() else 100_000
    warm = int(args[args.index("--warm") + 1]) if "--warm" in args else 5
    tmp = None
    if "--reuse" in args:
        folder = Path(args[args.index("--reuse") + 1])
    else:
        tmp = tempfile.TemporaryDirectory()
        folder = Path(tmp.name) / "lib"
    out: dict = {
        "benchmark": "search (issue 15)",
        "papers": n,
        "cpus": os.cpu_count(),
        "load_average_1min_start": round(os.getloadavg()[0], 2),
    }
    if "--rebuild" in args:  # only a full rebuild of the library in --reuse DIR
        if not (folder / "library.sqlite").exists():
            raise SystemExit("--rebuild needs --reuse DIR holding a library (run once without)")
        out["rebuild"] = rebuild(folder)
        out["papers"] = out["rebuild"]["papers"]
        out["load_average_1min_end"] = round(os.getloadavg()[0], 2)
        return out
    if "--skip-import" not in args or not (folder / "library.sqlite").exists():
        if folder.exists():
            import shutil

            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        out["import_end_to_end"] = import_page(folder, n)
        decorate(folder)
        out["rebuild"] = rebuild(folder)
    build_fts(folder)

    results = []
    for kind, q, match, cond in QUERIES:
        r = run_child(folder, {"kind": kind, "q": q, "match": match, "cond": cond}, warm)
        results.append((kind, q, r))
    typed: list[float] = []
    typed_cpu: list[float] = []
    for text in TYPED:
        r = run_child(folder, {"kind": "typed", "q": text}, 0)
        typed += r["typed_ms"]
        typed_cpu += r["typed_cpu_ms"]

    def block(rs: list) -> dict:
        cold = [r["cold_ms"] for _, _, r in rs]
        fcold = [r["fts_cold_ms"] for _, _, r in rs]
        return {
            "cold": summary(cold),
            "cold_cpu": summary([r["cold_cpu_ms"] for _, _, r in rs]),
            "warm": summary([w for _, _, r in rs for w in r["warm_ms"]]),
            "fts5_cold": summary(fcold),
            "fts5_cold_cpu": summary([r["fts_cold_cpu_ms"] for _, _, r in rs]),
            "fts5_warm": summary([w for _, _, r in rs for w in r["fts_warm_ms"]]),
        }

    overall = block(results)
    ratio = overall["cold"]["p95_ms"] / max(overall["fts5_cold"]["p95_ms"], 1e-6)
    out["queries"] = {
        "all": {
            **overall,
            "cold_p95_ratio_to_fts5_cold_p95": round(ratio, 2),
            "targets": {"cold_p95_ms": 50, "cold_p95_ratio_to_fts5": 1.0, "warm_p95_ms": 25},
        },
        "by_kind": {
            k: block([x for x in results if x[0] == k])
            for k in dict.fromkeys(x[0] for x in results)
        },
        "count": len(results),
        "warm_runs_each": warm,
    }
    out["as_you_type"] = {**summary(typed), "cpu": summary(typed_cpu), "target_p95_ms": 40}
    out["per_query"] = [
        {
            "kind": k,
            "q": q,
            "cold_ms": round(r["cold_ms"], 1),
            "warm_p50_ms": round(statistics.median(r["warm_ms"]), 1) if r["warm_ms"] else None,
            "fts5_cold_ms": round(r["fts_cold_ms"], 1),
            "total": r["total"],
            "exact": r["exact"],
            "fts5_top": r["fts_hits"],
            **({"note": r["note"]} if r["note"] else {}),
        }
        for k, q, r in results
    ]
    out["load_average_1min_end"] = round(os.getloadavg()[0], 2)
    if tmp is not None:
        tmp.cleanup()
    return out


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
