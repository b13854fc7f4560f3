"""The postings sidecar (app/search/whoosh/sidecar.py): the bulk writer leaves one beside its
segment, the fast path reads it, and its results are Whoosh's own; a missing, stale or
damaged sidecar only sends the segment back to Whoosh's decoding, never changes a result."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from app.search.rows import papers_by_id
from app.search.whoosh import WhooshEngine
from app.search.whoosh.fast import FastScorer
from app.search.whoosh.query import parse
from app.search.whoosh.schema import TEXT_FIELDS

REL = 1e-6
QUERIES = [
    "erasure",
    "concept erasure",
    "diffusion models video",
    '"concept erasure"',
    '"large language models"',
    "vision-language",
    "diffusion -video",
    "erasure OR zebrafish",
    'title:"concept erasure"',
]


def _papers(lib) -> list[dict]:
    return [p for batch in papers_by_id(lib.engine, lib.paper_ids(sort="id")) for p in batch]


@pytest.fixture
def bulk_index(corpus, tmp_path) -> Path:
    """The corpus in one segment of the bulk writer, plus one of the stock writer."""
    folder = tmp_path / "index"
    folder.mkdir()
    engine = WhooshEngine.create(folder)
    papers = _papers(corpus)
    with engine.writer(bulk=True) as w:
        w.upsert(papers[:-5])
    with engine.writer() as w:
        w.upsert(papers[-5:])
    engine.close()
    return folder


def _results(folder: Path) -> tuple[dict, list]:
    """Each query's (docnum -> score) through the fast path, and the segments' sidecars."""
    engine = WhooshEngine(folder)
    out = {}
    with engine.reading() as r:
        view = FastScorer([*TEXT_FIELDS, "org"]).view(r.searcher)
        for text in QUERIES:
            parsed = parse(text, r.searcher.reader())
            assert parsed.tree is not None, text
            docs, scores = view.evaluate(parsed.tree, None)
            out[text] = dict(zip(docs.tolist(), scores.tolist(), strict=True))
        sidecars = [seg.sidecar for seg, _, _ in view.leaves]
        whoosh = {
            text: {h.docnum: h.score for h in r.searcher.search(parse(text).query, limit=None)}
            for text in QUERIES
        }
    engine.close()
    return out, [sidecars, whoosh]


def _same(got: dict, want: dict) -> None:
    for text, scores in want.items():
        assert scores, text  # something to compare
        assert set(got[text]) == set(scores), text
        for d, s in scores.items():
            assert got[text][d] == pytest.approx(s, rel=REL), (text, d)


def test_the_bulk_writer_leaves_a_sidecar_the_fast_path_reads(bulk_index):
    got, (sidecars, whoosh) = _results(bulk_index)
    assert len(sidecars) == 2
    # the stock writer's small segment gets one after its commit (test_sidecar_refresh.py)
    assert all(s is not None for s in sidecars)
    assert not any(s.broken for s in sidecars if s is not None)
    _same(got, whoosh)


def test_phrases_from_the_sidecar_equal_whooshs(bulk_index, tmp_path):
    got, (_, whoosh) = _results(bulk_index)
    plain = tmp_path / "plain"
    shutil.copytree(bulk_index, plain)
    for meta in plain.glob("*.pdk_meta.json"):
        meta.unlink()
    without, (sidecars, _) = _results(plain)
    assert all(s is None for s in sidecars)
    _same(got, without)
    _same(without, whoosh)


@pytest.mark.parametrize("damage", ["meta", "shape", "counts", "docs", "garbage"])
def test_a_damaged_sidecar_never_changes_a_result(bulk_index, damage):
    _, (_, whoosh) = _results(bulk_index)
    metas = bulk_index.glob("*.pdk_meta.json")  # the bulk writer's segment: the larger
    meta_path = max(metas, key=lambda p: json.loads(p.read_text(encoding="utf-8"))["docs"])
    seg = meta_path.name.split(".", 1)[0]
    if damage == "meta":
        meta_path.write_text("{not json", encoding="utf-8")
    elif damage == "shape":
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta["shapes"]["docs"] = [1]
        meta_path.write_text(json.dumps(meta), encoding="utf-8")
    elif damage == "counts":
        path = bulk_index / f"{seg}.pdk_terms.npy"
        terms = np.load(path)
        terms[:, 1] += 1  # every term claims one posting more than Whoosh has
        np.save(path, terms)
    elif damage == "docs":
        path = bulk_index / f"{seg}.pdk_docs.npy"
        docs = np.load(path)
        np.save(path, docs[::-1].copy())  # out of order, out of step with the terms
    else:
        (bulk_index / f"{seg}.pdk_docs.npy").write_bytes(b"\x00garbage" * 10)
    got, (sidecars, _) = _results(bulk_index)
    _same(got, whoosh)
    if damage in ("counts", "docs"):
        assert any(s is not None and s.broken for s in sidecars)  # noticed and set aside


def test_sidecar_files_go_with_their_segment(corpus, tmp_path):
    """A rewrite of the index (here: an optimize, which merges every segment into one)
    removes the old segments' sidecars with them."""
    folder = tmp_path / "index"
    folder.mkdir()
    engine = WhooshEngine.create(folder)
    with engine.writer(bulk=True) as w:
        w.upsert(_papers(corpus))
    assert list(folder.glob("*.pdk_meta.json"))
    ix = engine._index()
    ix.optimize()
    engine.close()
    assert not list(folder.glob("*.pdk_*"))
