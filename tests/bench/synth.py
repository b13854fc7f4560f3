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


# -- a held-out-style corpus: varied vocabulary, not the samples' own word statistics -------

HYPHENATED = [
    "zero-shot", "few-shot", "vision-language", "text-to-image", "text-to-video",
    "state-of-the-art", "end-to-end", "self-supervised", "multi-modal", "long-context",
    "chain-of-thought", "fine-tuning", "in-context", "real-time", "open-source",
    "mixture-of-experts", "pre-training", "cross-lingual", "low-rank", "large-scale",
    "image-to-3d", "retrieval-augmented", "diffusion-based", "test-time", "token-level",
]  # fmt: skip
DOTTED = [
    "GPT-4o", "GPT-4", "v1.5", "v2.0", "Llama-3.1", "Qwen2.5", "Claude-3.5", "SD-1.5",
    "o1-mini", "Gemini-1.5", "YOLOv8", "BERT-base", "DeepSeek-R1", "SAM-2", "CLIP-ViT",
]  # fmt: skip
_SYLLABLES = "ka lo mi ren tor vex quil zan dro phe sta gri mun bel cor nyx ul ap".split()


def _pseudo_words(rng: random.Random, n: int) -> list[str]:
    """``n`` made-up technical words (a long tail of rare terms no sample page holds)."""
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(out)


def heldout_papers(n: int, seed: int = 7):
    """Yield ``n`` (title, abstract, meta_lines): sample sentences with a fifth of their
    words swapped for Zipf-distributed words (sample vocabulary + 30,000 made-up ones),
    hyphenated terms and dotted model names mixed in; unique titles."""
    rng = random.Random(seed)
    titles, sentences, words, orgs = _corpus()
    abstract_words = sorted({w for s in sentences for w in s.split() if w.isalpha()})
    vocab = words + abstract_words + _pseudo_words(rng, 30_000)
    rng.shuffle(vocab)
    weights = [1.0 / (r + 10) for r in range(len(vocab))]  # Zipf-like: a few common words
    cum = list(__import__("itertools").accumulate(weights))

    def zipf(k: int) -> list[str]:
        return rng.choices(vocab, cum_weights=cum, k=k)

    def mutate(sentence: str) -> str:
        toks = sentence.split()
        for _ in range(max(1, len(toks) // 5)):
            toks[rng.randrange(len(toks))] = zipf(1)[0]
        if rng.random() < 0.25:
            toks.insert(rng.randrange(len(toks) + 1), rng.choice(HYPHENATED))
        if rng.random() < 0.06:
            toks.insert(rng.randrange(len(toks) + 1), rng.choice(DOTTED))
        return " ".join(toks)

    for i in range(n):
        head = rng.choice(titles).split(":")[0].split()
        head = [zipf(1)[0] if rng.random() < 0.3 else w for w in head]
        extra = zipf(rng.randint(1, 3))
        if rng.random() < 0.2:
            extra.append(rng.choice(HYPHENATED + DOTTED))
        title = f"{' '.join(head)}: {' '.join(extra)} {i}"
        abstract = " ".join(mutate(rng.choice(sentences)) for _ in range(rng.randint(4, 9)))
        meta = None
        if rng.random() < 0.9:
            day = AS_OF - timedelta(days=rng.randint(0, 900))
            who = f"  • {rng.randint(1, 30)} authors" if rng.random() < 0.95 else rng.choice(orgs)
            when = f"{MONTHS[day.month - 1]} {day.day}, {day.year}"
            up = rng.choice(["", "", f" {rng.randint(1, 300)}"])
            meta = [who, "·", when + up]
        yield title, abstract, meta


def write_heldout_page(path: Path, n: int, seed: int = 7) -> Path:
    out = ["Get trending papers in your email inbox!", "", "Subscribe", "", "Daily Papers", ""]
    for title, abstract, meta in heldout_papers(n, seed):
        out += [title, "", abstract, ""]
        if meta:
            out += [*meta, ""]
    path.write_text("\n".join(out), encoding="utf-8")
    return path
