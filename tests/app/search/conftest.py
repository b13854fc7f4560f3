"""Search fixtures: real libraries and real Whoosh indexes under temporary folders."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import update

from app.library import Library
from app.search.whoosh.schema import ANALYZER
from db import Paper, write_session
from tests.conftest import SEED_AS_OF, SEEDS

TEXT_FIELDS = ("title", "abstract", "tags", "note", "authors")

NAMES = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Tian Li", "Yann LeCun", "Li Wei"]


def arxiv_of(pid: int) -> str:
    return f"2401.{pid:05d}"


def fill_issue11_fields(lib: Library) -> None:
    """Issue 11's columns, as the importers fill them: authors (a JSON list), arXiv ids,
    comments (unknown for every fifth paper), the organisation's Hub name. A real write
    to the database; the index is then rebuilt from it."""
    with write_session(lib.engine) as s:
        for p in lib.list_papers():
            names = [NAMES[(p.id + k) % len(NAMES)] for k in range(1 + p.id % 3)]
            values = {
                "authors": json.dumps(names),
                "arxiv_id": arxiv_of(p.id),
                "comments": None if p.id % 5 == 0 else p.id % 7,
                # The seeds show no upvote boxes (their numbers are comments): give the
                # corpus known upvotes, unknown for every eleventh paper.
                "upvotes": None if p.id % 11 == 0 else p.id % 6,
            }
            if p.organization:
                values["organization_id"] = re.sub(r"\W+", "", p.organization).lower() + "-hub"
            s.execute(update(Paper).where(Paper.id == p.id).values(**values))
    lib.reindex()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Library:
    """Both seed pages, plus tags, notes, stars and reads on a few papers (read-only use)."""
    lib = Library.open(tmp_path_factory.mktemp("search") / "lib")
    lib.import_files([SEEDS["001"], SEEDS["003"]], as_of=SEED_AS_OF)
    erasure = [p.id for p in lib.list_papers() if "erasure" in p.title.lower()]
    lib.add_tags(erasure[:3], ["Concept erasure"])
    lib.add_tags(erasure[1:2] + [1, 2], ["to read"])
    lib.set_note(3, "Compare with the zebrafish tracking paper.")
    lib.set_note(erasure[0], "Strong baseline for erasure benchmarks.")
    lib.set_starred(erasure[:2] + [4])
    lib.set_read([1, 4, 5])
    fill_issue11_fields(lib)
    yield lib
    lib.close()


def tokens(text: str) -> list[str]:
    return [t.text for t in ANALYZER(text or "")]


def fields_of(p) -> dict[str, list[str]]:
    return {
        "title": tokens(p.title),
        "abstract": tokens(p.abstract),
        "tags": tokens(" ; ".join(p.tags)),
        "note": tokens(p.note),
        "org": tokens(p.organization or "") + tokens(p.organization_id or ""),
        "authors": tokens(" ; ".join(p.authors)),
    }


def has_phrase(toks: list[str], words: list[str]) -> bool:
    n = len(words)
    return any(toks[i : i + n] == words for i in range(len(toks) - n + 1))


def expected(lib: Library, pred) -> set[int]:
    """Ids of the papers for which ``pred(paper, fields)`` holds: the oracle, from SQLite."""
    return {p.id for p in lib.list_papers() if pred(p, fields_of(p))}


def anywhere(f: dict[str, list[str]], word: str) -> bool:
    return any(word in f[name] for name in TEXT_FIELDS)


def found(lib: Library, text: str, **kw) -> set[int]:
    result = lib.search(text, limit=10_000, **kw)
    assert len(result.ids) == len(set(result.ids))
    return set(result.ids)
