"""Sidecars (app/search/whoosh/sidecar.py) of every segment, not only bulk-written ones:
a commit of the stock writer gets one (``WhooshEngine.write_sidecars``), a missing or
stale one is written again, and with or without them, unreadable, wrong or stale, a search
gives the same hits and scores as Whoosh (words, phrases, hyphens, fields, NOT, OR)."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from app.search.rows import papers_by_id
from app.search.whoosh import WhooshEngine, sidecar
from app.search.whoosh.fast import FastScorer
from app.search.whoosh.query import parse
from app.search.whoosh.schema import TEXT_FIELDS
from tests.app.search.test_contracts import QUERIES, TREES, _whoosh_exact

REL = 1e-6
FIELDS = [*TEXT_FIELDS, "org"]
# plain words, phrases, hyphenated words, fields, negation, OR
CHECKED = QUERIES + TREES + ['"video generation"', "diffusion -video", "title:erasure"]


@pytest.fixture(scope="module")
def built(corpus, tmp_path_factory) -> Path:
    """The corpus in three segments: two of the stock writer, one of the bulk writer."""
    folder = tmp_path_factory.mktemp("sidecar") / "index"
    folder.mkdir()
    engine = WhooshEngine.create(folder)
    papers = [p for b in papers_by_id(corpus.engine, corpus.paper_ids(sort="id")) for p in b]
    n = len(papers)
    with engine.writer() as w:
        w.upsert(papers[: n // 3])
    with engine.writer() as w:
        w.upsert(papers[n // 3 : 2 * n // 3])
    with engine.writer(bulk=True) as w:
        w.upsert(papers[2 * n // 3 :])
        w.delete([p["id"] for p in papers[1:n:9]])
    engine.close()
    return folder


def _copy(built: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "index"
    shutil.copytree(built, folder)
    return folder


def _results(folder: Path) -> dict[str, dict[int, float]]:
    """Each query's hits (docnum -> score) by the vectorised path over ``folder``."""
    engine = WhooshEngine(folder)
    out = {}
    with engine.reading() as r:
        view = FastScorer(FIELDS).view(r.searcher)
        for text in CHECKED:
            parsed = parse(text, r.searcher.reader())
            assert parsed.tree is not None, text
            docs, scores = view.evaluate(parsed.tree, None)
            out[text] = dict(zip(docs.tolist(), scores.tolist(), strict=True))
    engine.close()
    return out


def _whoosh(folder: Path) -> dict[str, dict[int, float]]:
    engine = WhooshEngine(folder)
    with engine.reading() as r:
        out = {t: _whoosh_exact(r.searcher, parse(t, r.searcher.reader()).query) for t in CHECKED}
    engine.close()
    return out


def _same(got: dict, want: dict) -> None:
    for text in CHECKED:
        assert want[text], text  # every query finds something
        assert set(got[text]) == set(want[text]), text
        for d, s in want[text].items():
            assert got[text][d] == pytest.approx(s, rel=REL), (text, d)


def _used(folder: Path) -> list[bool]:
    """For each segment: is its sidecar in use?"""
    engine = WhooshEngine(folder)
    with engine.reading() as r:
        view = FastScorer(FIELDS).view(r.searcher)
        view.phrase_scores("abstract", ["concept", "erasure"], 1.0)
        used = [seg.sidecar is not None and not seg.sidecar.broken for seg, _, _ in view.leaves]
    engine.close()
    return used


def _sidecar_files(folder: Path, what: str) -> list[Path]:
    return sorted(folder.glob(f"*{sidecar.PREFIX}{what}.*"))


def test_every_segment_gets_a_sidecar_the_bulk_writer_and_the_commit_write(built):
    assert len(_sidecar_files(built, "meta")) == 3
    assert _used(built) == [True, True, True]


def test_same_hits_and_scores_with_and_without_the_sidecars(built, tmp_path):
    bare = _copy(built, tmp_path)
    for f in bare.glob(f"*{sidecar.PREFIX}*"):
        f.unlink()
    assert _used(bare) == [False, False, False]
    want = _whoosh(built)
    _same(_results(built), want)
    _same(_results(bare), want)


def test_a_missing_sidecar_is_written_again_at_the_next_commit(built, tmp_path, corpus):
    folder = _copy(built, tmp_path)
    for f in folder.glob(f"*{sidecar.PREFIX}*"):
        f.unlink()
    engine = WhooshEngine(folder)
    assert engine.write_sidecars() == 3
    engine.close()
    assert _used(folder) == [True, True, True]
    _same(_results(folder), _whoosh(built))


def test_an_unreadable_sidecar_falls_back_with_one_line(built, tmp_path, caplog):
    folder = _copy(built, tmp_path)
    for f in _sidecar_files(folder, "docs"):
        f.write_bytes(b"\x93NUMPY garbage")
    with caplog.at_level(logging.WARNING, logger="app.search.whoosh.sidecar"):
        assert _used(folder) == [False, False, False]
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3 and all("sidecar" in m and "ignored" in m for m in lines)
    _same(_results(folder), _whoosh(built))


def test_wrong_postings_in_a_sidecar_are_caught_and_whoosh_serves(built, tmp_path, caplog):
    """Arrays of the right shape holding wrong postings (docnums reversed, one term's
    count changed): the per-term checks against Whoosh's statistics catch them."""
    folder = _copy(built, tmp_path)
    for f in _sidecar_files(folder, "docs"):
        docs = np.load(f)
        np.save(f, docs[::-1].copy())
    for f in _sidecar_files(folder, "terms"):
        terms = np.load(f)
        terms[:, 1] += 1
        np.save(f, terms)
    with caplog.at_level(logging.WARNING, logger="app.search.whoosh.sidecar"):
        got = _results(folder)
    assert any("sidecar ignored" in r.getMessage() for r in caplog.records)
    _same(got, _whoosh(built))


@pytest.mark.parametrize("change", ["docs", "segment", "version", "stamp"])
def test_a_stale_sidecar_is_not_used(built, tmp_path, change):
    folder = _copy(built, tmp_path)
    for f in _sidecar_files(folder, "meta"):
        meta = json.loads(f.read_text())
        if change == "docs":
            meta["docs"] += 1
        elif change == "segment":
            meta["segment"] = "MAIN_other"
        elif change == "version":
            meta["version"] = -1
        else:
            meta["stamp"]["pst"] += 1  # the segment's postings changed size
        f.write_text(json.dumps(meta))
    assert _used(folder) == [False, False, False]
    _same(_results(folder), _whoosh(built))
    engine = WhooshEngine(folder)
    assert engine.write_sidecars() == 3  # a stale sidecar is replaced
    engine.close()
    assert _used(folder) == [True, True, True]


def test_clean_up_removes_the_sidecar_of_a_segment_no_longer_in_the_index(built, tmp_path):
    folder = _copy(built, tmp_path)
    orphan = folder / f"MAIN_gone{sidecar.PREFIX}docs.npy"
    orphan.write_bytes(b"x")
    engine = WhooshEngine(folder)
    assert orphan.name in engine.clean_up()
    engine.close()
    assert len(_sidecar_files(folder, "meta")) == 3
