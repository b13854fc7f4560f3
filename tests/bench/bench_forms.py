"""Form-reader benchmark: parse only (no library, no index).

Run: python -m tests.bench.bench_forms [N] [HTML_MB]   — prints JSON.

1. N papers (default 100,000) as the Hub's ``/api/daily_papers`` JSON (items shaped as in
   the 2024-10-25 sample: nested authors with user objects, arXiv-wrapped abstracts), read
   whole into a list (``read_stream``) and in batches of 5,000 (``iter_stream``).
2. A Daily Papers list page as saved HTML of about HTML_MB megabytes (default 30), shaped as
   the 2024-08-01 sample: the ``data-target="DailyPapers"`` ``data-props`` attribute
   (HTML-escaped JSON) plus one ``<article>`` card per paper.

Targets (issue 11 item 6; these figures are the parse part only): 100k Hub JSON parse+store
≤ 10 s and ≤ 500 MB; a 30 MB HTML page ≤ 5 s. Each case runs in a fresh subprocess so that its
peak memory (VmHWM) is its own. The JSON is read from its file in 1 MB chunks
(``hub_json.read_stream``); the HTML file is read whole, then parsed; times include reading.
"""

from __future__ import annotations

import html
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

AS_OF = date(2026, 3, 14)
_WORDS = (
    "model language large training data learning method results benchmark context "
    "attention transformer inference efficient scaling evaluation task performance"
).split()


def _abstract(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(120, 220))]
    lines = [" ".join(words[i : i + 12]) for i in range(0, len(words), 12)]
    return "\n".join(lines) + "."


def _item(rng: random.Random, n: int) -> dict:
    pid = f"24{n // 90000 % 12 + 1:02d}.{n % 90000 + 10000:05d}"
    authors = []
    for k in range(rng.randint(3, 12)):
        # One name in ten still escaped (``D&#39;Mello``), as the Hub's data sometimes has.
        family = f"D&#39;Name{n}" if (n + k) % 10 == 0 else f"Name{n}"
        author: dict = {"_id": f"{n:012x}{k:012x}", "name": f"Author{k} {family}"}
        if k % 3 == 0:
            author["user"] = {
                "_id": f"{k:024x}",
                "avatarUrl": "/avatars/x.svg",
                "isPro": False,
                "fullname": f"Author{k}",
                "user": f"user{k}",
                "type": "user",
            }
            author["status"] = "claimed_verified"
            author["statusLastChangedAt"] = "2024-10-25T09:30:02.067Z"
        author["hidden"] = k == 5
        authors.append(author)
    title = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(5, 12))).title()
    item = {
        "paper": {
            "id": pid,
            "authors": authors,
            "publishedAt": "2024-10-22T17:59:30.000Z",
            "title": title,
            "summary": _abstract(rng),
            "upvotes": rng.randint(0, 300),
            "discussionId": f"{n:024x}",
        },
        "publishedAt": "2024-10-25T00:57:09.392Z",
        "title": title,
        "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{pid}.png",
        "numComments": rng.randint(0, 9),
        "submittedBy": {"avatarUrl": "/avatars/x.svg", "fullname": "AK", "name": "akhaliq"},
    }
    if n % 7 == 0:
        item["organization"] = {"_id": "x", "name": "acme", "fullname": "Acme Research"}
    return item


def hub_json_text(n: int) -> str:
    rng = random.Random(11)
    return json.dumps([_item(rng, i) for i in range(n)], separators=(",", ":"))


def html_text(megabytes: float) -> tuple[str, int]:
    rng = random.Random(12)
    items: list[dict] = []
    cards: list[str] = []
    size, target = 0, int(megabytes * 1_000_000)
    while size < target:
        item = _item(rng, len(items))
        items.append(item)
        pid = item["paper"]["id"]
        card = (
            f'<div><article class="relative flex flex-col"><a href="/papers/{pid}" class="b">'
            f'<img src="{item["thumbnail"]}" alt=""></a><div class="c">Submitted by <img alt="">'
            f' akhaliq</div><div class="d"><a href="/login?next=%2Fpapers%2F{pid}">'
            f'<div class="leading-none">{item["paper"]["upvotes"]}</div></a><h3>'
            f'<a href="/papers/{pid}">{html.escape(item["title"])}</a></h3>'
            f'<ul><li title="user1"><img alt="" src="/avatars/x.svg"></li><li>'
            f'<div class="ml-1">·</div> {len(item["paper"]["authors"])} authors</li></ul>'
            f'<a href="/papers/{pid}#community"><svg viewBox="0 0 24 24"><path d="M21 15"></path>'
            f"</svg> {item['numComments']}</a></div></article></div>\n"
        )
        cards.append(card)
        # the card plus this item's share of the escaped data-props
        size += len(card) + int(len(json.dumps(item)) * 1.25)
    props = {"canSubmit": False, "date": "2024-08-01T00:00:00.000Z", "dailyPapers": items}
    attr = html.escape(json.dumps(props, separators=(",", ":")), quote=True)
    page = (
        "<!DOCTYPE html><html><head><title>Daily Papers - Hugging Face</title></head><body>"
        '<main><div class="SVELTE_HYDRATER contents" data-target="DailyPapers" '
        f'data-props="{attr}"><section>{"".join(cards)}</section></div></main></body></html>'
    )
    return page, len(items)


def _child(kind: str, path: str) -> None:
    from app.importers import html_page, hub_json

    start, cpu = time.perf_counter(), time.process_time()
    if kind == "json":  # streamed from the file, every paper kept (read_stream)
        with open(path, encoding="utf-8") as stream:
            form = hub_json.read_stream(stream, AS_OF)
        papers, problems = len(form.papers), form.problems
    elif kind == "json-batches":  # streamed, papers handed on 5,000 at a time (iter_stream)
        problems = []
        batch: list = []
        papers = 0
        with open(path, encoding="utf-8") as stream:
            for paper in hub_json.iter_stream(stream, problems):
                batch.append(paper)
                if len(batch) == 5000:  # where a writer would store the batch
                    papers += len(batch)
                    batch = []
        papers += len(batch)
    else:  # the file's text, then the parse (reading is part of the time)
        form = html_page.read(Path(path).read_text(encoding="utf-8"), AS_OF)
        papers, problems = len(form.papers), form.problems
    out = {
        "seconds": round(time.perf_counter() - start, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
        "papers": papers,
        "problems": len(problems),
        "peak_mb": _peak_mb(),
    }
    print(json.dumps(out))


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss on Linux, it does not
    inherit the parent's peak across fork and exec)."""
    try:
        for row in Path("/proc/self/status").read_text().splitlines():
            if row.startswith("VmHWM:"):
                return round(int(row.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _run(kind: str, path: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_forms", "--child", kind, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        _child(argv[1], argv[2])
        return
    n = int(argv[0]) if argv else 100_000
    megabytes = float(argv[1]) if len(argv) > 1 else 30.0
    with tempfile.TemporaryDirectory() as tmp:
        json_path = Path(tmp) / "daily_papers.json"
        json_path.write_text(hub_json_text(n), encoding="utf-8")
        html_page_text, html_papers = html_text(megabytes)
        html_path = Path(tmp) / "daily.html"
        html_path.write_text(html_page_text, encoding="utf-8")
        del html_page_text
        result = {
            "hub_json": {
                "input_mb": round(json_path.stat().st_size / 1e6, 1),
                "papers_in": n,
                **_run("json", json_path),
                "target": "parse+store <= 10 s, <= 500 MB (this is parse only)",
            },
            "hub_json_in_batches": {
                "input_mb": round(json_path.stat().st_size / 1e6, 1),
                "papers_in": n,
                **_run("json-batches", json_path),
                "note": "iter_stream, 5,000 papers per batch: the writer's memory floor",
            },
            "html": {
                "input_mb": round(html_path.stat().st_size / 1e6, 1),
                "papers_in": html_papers,
                **_run("html", html_path),
                "target": "<= 5 s",
            },
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
