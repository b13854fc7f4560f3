"""Deterministic synthetic Daily Papers pages built from the bundled sample papers.

``write_page(path, n, seed)`` writes a spaced-layout page of ``n`` distinct papers whose
words, sentences and metadata are drawn from the samples, so word statistics look real.
Used by the import, search and window benchmarks.
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta
from pathlib import Path

from app.pageparse import parse_page
from app.paths import sample_pages

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
AS_OF = date(2025, 10, 30)


def _corpus():
    titles, sentences, orgs = [], [], ["spiralworks Spiral Works", "google Google", "meta Meta AI"]
    for path in sample_pages():
        for p in parse_page(path.read_text(encoding="utf-8-sig"), AS_OF).papers:
            titles.append(p.title)
            sentences += [s for s in re.split(r"(?<=[.!?])\s+", p.abstract) if len(s) > 30]
    words = sorted({w for t in titles for w in t.split() if w.isalpha() and len(w) > 2})
    return titles, sentences, words, orgs


def papers(n: int, seed: int = 1):
    """Yield ``n`` (title, abstract, meta_lines) with unique titles."""
    rng = random.Random(seed)
    titles, sentences, words, orgs = _corpus()
    for i in range(n):
        base = rng.choice(titles)
        extra = " ".join(rng.choice(words) for _ in range(3))
        title = f"{base.split(':')[0]}: {extra} {i}"
        abstract = " ".join(rng.choice(sentences) for _ in range(rng.randint(5, 9)))
        meta = None
        if rng.random() < 0.9:
            day = AS_OF - timedelta(days=rng.randint(0, 900))
            who = f"  • {rng.randint(1, 30)} authors" if rng.random() < 0.95 else rng.choice(orgs)
            when = f"{MONTHS[day.month - 1]} {day.day}, {day.year}"
            up = rng.choice(["", "", f" {rng.randint(1, 300)}"])
            meta = [who, "·", when + up]
        yield title, abstract, meta


def page_text(n: int, seed: int = 1) -> str:
    out = ["Get trending papers in your email inbox!", "", "Subscribe", "", "Daily Papers", ""]
    for title, abstract, meta in papers(n, seed):
        out += [title, "", abstract, ""]
        if meta:
            out += [*meta, ""]
    return "\n".join(out)


def write_page(path: Path, n: int, seed: int = 1) -> Path:
    path.write_text(page_text(n, seed), encoding="utf-8")
    return path
