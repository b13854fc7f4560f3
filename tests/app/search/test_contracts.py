"""Contracts: our private Whoosh pieces give exactly what Whoosh itself gives.

- The vectorised scorer (app/search/whoosh/fast.py) against Whoosh's own BM25F: the same
  hits and the same scores, on an index of several segments with deletions.
- The bulk segment writer (fastwrite.py, and the worker processes of bulk.py) against the
  stock ``SegmentWriter``: the same postings, field lengths, stored fields and columns.
- Highlight terms come from the engine's analysed query (``SearchResult.terms``).
- The index follows the feed: tag names and colours re-index nothing; ``tag`` rows
  re-index exactly their papers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from whoosh import index as whoosh_index

from app.search import IndexSource, SearchIndex, match_spans
from app.search.rows import papers_by_id
from app.search.whoosh import WhooshEngine
from app.search.whoosh.fast import FastScorer
from app.search.whoosh.query import parse
from app.search.whoosh.schema import INDEX_NAME, TEXT_FIELDS
from db import Change, write_session
from tests.app.search.conftest import arxiv_of, found, tokens

REL = 1e-6  # float32 sums against Whoosh's float64

QUERIES = [
    "erasure",  # one word, every text field (title 2.5, abstract 1, tags 1.5, note 1.2)
    "concept erasure",  # all words must match
    "diffusion models video",
    "zebrafish",  # in a note only
    "read",  # in a tag name ("to read") and abstracts
    "baseline erasure benchmarks",  # a note's words and an abstract's
    "language",  # very common: many hits across every segment
]
AS_YOU_TYPE = ["concept era", "diff", "vid", "lang"]  # the last word a prefix


def _papers(lib) -> list[dict]:
    return [p for batch in papers_by_id(lib.engine, lib.paper_ids(sort="id")) for p in batch]


@pytest.fixture(scope="module")
def segmented(corpus, tmp_path_factory) -> Iterator[WhooshEngine]:
    """The corpus in four segments (three commits of the stock writer, then one of the
    fast writer), with deletions in three of them."""
    folder = tmp_path_factory.mktemp("contract") / "index"
    folder.mkdir()
    engine = WhooshEngine.create(folder)
    papers = _papers(corpus)
    n = len(papers)
    parts = [papers[: n // 4], papers[n // 4 : n // 2], papers[n // 2 : 3 * n // 4]]
    for part in parts:
        with engine.writer() as w:
            w.upsert(part)
    with engine.writer(bulk=True) as w:
        w.upsert(papers[3 * n // 4 :])
        w.delete([p["id"] for p in papers[1 : n // 2 : 7]])  # from the first two segments
    with engine.writer() as w:
        w.delete([p["id"] for p in papers[n // 2 + 3 : 3 * n // 4 : 11]])
    yield engine
    engine.close()


def test_the_contract_index_has_several_segments_with_deletions(segmented):
    with segmented.reading() as r:
        leaves = list(r.searcher.reader().leaf_readers())
        assert len(leaves) >= 4
        assert sum(1 for leaf, _ in leaves if leaf.has_deletions()) >= 2
        assert r.searcher.doc_count() < r.searcher.doc_count_all()


def _whoosh_scores(searcher, query) -> dict[int, float]:
    results = searcher.search(query, limit=None)  # Whoosh's default weighting: BM25F
    return {hit.docnum: hit.score for hit in results}


def _fast_scores(searcher, groups) -> dict[int, float]:
    view = FastScorer(list(TEXT_FIELDS)).view(searcher)
    docs, scores = view.search_all(groups, TEXT_FIELDS, None)
    return dict(zip(docs.tolist(), scores.tolist(), strict=True))


@pytest.mark.parametrize(
    ("text", "as_you_type"), [(q, False) for q in QUERIES] + [(q, True) for q in AS_YOU_TYPE]
)
def test_vectorised_scores_equal_whooshs_bm25f(segmented, text, as_you_type):
    with segmented.reading() as r:
        searcher = r.searcher
        parsed = parse(text, searcher.reader(), as_you_type)
        assert parsed.groups is not None  # plain words: the fast path serves it
        want = _whoosh_scores(searcher, parsed.query)
        got = _fast_scores(searcher, parsed.groups)
    assert want, text  # every query finds something, so the comparison means something
    assert set(got) == set(want)
    for docnum, score in want.items():
        assert got[docnum] == pytest.approx(score, rel=REL), (text, docnum)


def test_vectorised_scores_weight_the_fields_like_whoosh(segmented):
    """One word searched in one field at a time, with and without its boost."""
    with segmented.reading() as r:
        searcher = r.searcher
        view = FastScorer(list(TEXT_FIELDS)).view(searcher)
        from whoosh import query as q

        for fname, boost in TEXT_FIELDS.items():
            word = "lovelace" if fname == "authors" else "erasure"
            want = _whoosh_scores(searcher, q.Term(fname, word, boost=boost))
            scores = view.group_scores({fname: [word]}, TEXT_FIELDS)
            live = view.live & (scores > 0)
            got = {int(d): float(scores[d]) for d in live.nonzero()[0]}
            assert want and set(got) == set(want), fname
            for d, s in want.items():
                assert got[d] == pytest.approx(s, rel=REL), (fname, d)


def test_hits_through_the_engine_equal_whooshs_ranking(segmented):
    with segmented.reading() as r:
        ids = segmented.view(r.searcher).column("id")
        for text in QUERIES:
            query = r.parse(text)
            got = r.search(query, limit=20)
            want = _whoosh_scores(r.searcher, query.native.query)
            by_id = {int(ids[d]): score for d, score in want.items()}
            best = sorted(want.values(), reverse=True)
            assert got.total == len(want) and got.exact
            assert len(got.ids) == min(20, len(want))
            assert got.scores == pytest.approx(best[:20], rel=REL), text
            for pid, score in zip(got.ids, got.scores, strict=True):
                assert by_id[pid] == pytest.approx(score, rel=REL), (text, pid)


# -- the bulk writer against the stock writer --------------------------------------------------


def _contents(folder: Path) -> dict:
    """Everything a reader can see of an index, keyed by paper id (not by docnum)."""
    ix = whoosh_index.open_dir(str(folder), indexname=INDEX_NAME)
    with ix.searcher() as s:
        reader = s.reader()
        pid = {d: s.stored_fields(d)["id"] for d in reader.all_doc_ids()}
        out: dict = {"stored": sorted(tuple(sorted(s.stored_fields(d).items())) for d in pid)}
        for fname in ix.schema.names():
            field = ix.schema[fname]
            if field.scorable:
                out[("lengths", fname)] = {pid[d]: reader.doc_field_length(d, fname) for d in pid}
                out[("total length", fname)] = reader.field_length(fname)
            if field.column_type is not None and reader.has_column(fname):
                col = reader.column_reader(fname)
                out[("column", fname)] = {pid[d]: col[d] for d in pid}
            if fname not in reader.indexed_field_names():
                continue
            for term in reader.lexicon(fname):
                info = reader.term_info(fname, term)
                out[("term info", fname, term)] = (
                    info.weight(),
                    info.doc_frequency(),
                    info.min_length(),
                    info.max_length(),
                    info.max_weight(),
                )
                m = reader.postings(fname, term)
                postings, blocks = [], []
                while m.is_active():
                    if m.supports_block_quality():  # what block skipping relies on
                        blocks.append((m.block_min_length(), m.block_max_length()))
                        blocks.append(m.block_max_weight())
                    postings.append((pid[m.id()], m.weight(), m.value()))
                    m.next()
                out[("postings", fname, term)] = sorted(postings)
                out[("blocks", fname, term)] = blocks
    ix.close()
    return out


def test_bulk_writer_segment_equals_stock_writer_segment(corpus, tmp_path):
    papers = _papers(corpus)
    stock, fast = tmp_path / "stock", tmp_path / "fast"
    for folder, bulk in ((stock, False), (fast, True)):
        folder.mkdir()
        engine = WhooshEngine.create(folder)
        with engine.writer(bulk=bulk) as w:
            w.upsert(papers)
        engine.close()
    a, b = _contents(stock), _contents(fast)
    assert len(a["stored"]) == len(papers)
    assert sum(1 for k in a if k[0] == "postings") > 1000  # a real vocabulary
    assert a.keys() == b.keys()
    for key in a:
        assert a[key] == b[key], key


def _edge_rows() -> list[dict]:
    """Papers for the bulk writer's own paths: non-ASCII words whose lower case changes what
    a word is ("İstanbul"), a word at positions past 1,024, terms and tags in more than one
    posting block (over 128 papers), repeated numbers, and papers without text fields."""
    long = " ".join(["alpha beta"] * 700 + ["omega"] * 3 + ["finis"])  # positions to ~1,400
    rows = []
    for i in range(1, 301):
        rows.append(
            {
                "id": i,
                "title": f"İstanbul ÉCOLE straße ﬁne model{i % 7} common" if i % 3 else "",
                "abstract": long if i % 50 == 0 else f"common words {i} the of model v1.5",
                "tags": ["to read", "Ünïcode"] if i % 2 else [],
                "note": "zebrafish " * (i % 4),
                "authors": ["Ada Lovelace", "Łukasz"] if i % 5 else [],
                "organization": "Org" if i % 4 else None,
                "organization_id": "org-hub" if i % 8 else None,
                "arxiv_id": f"2401.{i:05d}v2" if i % 6 else None,
                "published": datetime(2024, 1 + i % 12, 1 + i % 28, tzinfo=UTC).date(),
                "upvotes": i % 9,
                "comments": None if i % 10 else 3,
                "starred": i % 2 == 0,
                "read": i % 3 == 0,
            }
        )
    return rows


def test_bulk_writer_edge_cases_equal_stock_writer(tmp_path):
    rows = _edge_rows()
    stock, fast = tmp_path / "stock", tmp_path / "fast"
    for folder, bulk in ((stock, False), (fast, True)):
        folder.mkdir()
        engine = WhooshEngine.create(folder)
        with engine.writer(bulk=bulk) as w:
            w.upsert(rows)
        engine.close()
    a, b = _contents(stock), _contents(fast)
    assert len(a["stored"]) == len(rows)
    assert len(a[("postings", "abstract", b"common")]) > 128  # more than one block
    assert len(a[("postings", "tag", b"to read")]) > 128
    assert ("postings", "title", "İstanbul".lower().encode()) in a  # lower-cased whole
    assert ("postings", "abstract", b"finis") in a  # (one position, past 1,024)
    assert a.keys() == b.keys()
    for key in a:
        assert a[key] == b[key], key


def test_worker_process_segments_equal_stock_writer_segments(corpus, tmp_path):
    """The path of every large rebuild: ``python -m app.search.whoosh.bulk`` workers."""
    papers = _papers(corpus)
    stock, workers = tmp_path / "stock", tmp_path / "workers"
    stock.mkdir()
    workers.mkdir()
    engine = WhooshEngine.create(stock)
    with engine.writer() as w:
        w.upsert(papers)
    engine.close()
    engine = WhooshEngine.create(workers)
    engine.bulk_index(corpus.db_path, [p["id"] for p in papers])
    engine.close()
    assert _contents(stock) == _contents(workers)


def test_a_failed_write_commits_nothing(corpus, tmp_path):
    folder = tmp_path / "index"
    folder.mkdir()
    engine = WhooshEngine.create(folder)
    papers = _papers(corpus)
    with engine.writer() as w:
        w.upsert(papers[:10])
    with pytest.raises(RuntimeError), engine.writer() as w:
        w.delete([p["id"] for p in papers[:5]])
        w.upsert(papers[10:20])
        raise RuntimeError("the database went away half way")
    with engine.reading() as r:
        assert sorted(r.indexed_ids()) == sorted(p["id"] for p in papers[:10])
    engine.close()


# -- highlight terms come from the analysed query ----------------------------------------------


def _marked(fragment: str) -> set[str]:
    return {m.lower() for m in re.findall(r"<b>(.*?)</b>", fragment)}


def test_result_terms_are_the_analysed_query_per_field(corpus):
    r = corpus.search("Concept ERASURE")
    assert r.terms["title"] == r.terms["abstract"] == {"concept", "erasure"}
    r = corpus.search('title:erasure "diffusion models" -video')
    assert r.terms["title"] == {"erasure", "diffusion", "models"}
    assert r.terms["abstract"] == {"diffusion", "models"}  # title: words only in title
    assert all("video" not in t for t in r.terms.values())  # excluded words never marked


def test_as_you_type_terms_are_the_words_the_prefix_expanded_to(corpus):
    r = corpus.search("concept era", as_you_type=True, limit=10_000)
    assert r.ids
    expanded = r.terms["abstract"] - {"concept"}
    assert "erasure" in expanded and all(w.startswith("era") for w in expanded)
    # Each is a real word of some abstract (the index's lexicon), not a pattern.
    words = {w for p in corpus.list_papers() for w in tokens(p.abstract)}
    assert expanded <= words


def test_highlights_mark_exactly_the_result_terms(corpus):
    r = corpus.search("concept eras*", limit=30)
    assert r.hits
    marked_any = False
    for h in r.hits:
        for fname, fragment in h.highlights.items():
            words = _marked(fragment)
            assert words <= r.terms[fname], (fname, words)
            marked_any = marked_any or bool(words)
    assert marked_any
    # The prefix stands for whole words: "eras*" marks "erasure", never the bare prefix.
    assert any("erasure" in _marked(" ".join(h.highlights.values())) for h in r.hits)


def test_match_spans_mark_what_the_engine_highlights(corpus):
    """What a reader marks with ``match_spans(text, result.terms[field])`` is exactly what
    the engine's own highlight marks (the whole title; no prefix guessing)."""
    import html

    r = corpus.search("concept erasure", limit=10)
    assert r.hits
    for h in r.hits:
        title = corpus.get(h.paper_id).title
        spans = [title[a:b] for a, b in match_spans(title, r.terms["title"])]
        marked = [
            html.unescape(m) for m in re.findall(r"<b>(.*?)</b>", h.highlights.get("title", ""))
        ]
        assert spans == marked, title
        assert all(w.lower() in {"concept", "erasure"} for w in spans)


# -- the index follows the feed ----------------------------------------------------------------


def _tocs(lib) -> set[str]:
    return {p.name for p in (lib.path / "index").glob("*.toc")}


def _feed(lib, rows: list[tuple[int | None, str]]) -> None:
    """Append change-feed rows as a writer of the store does (a real database write)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    with write_session(lib.engine) as s:
        s.execute(insert(Change), [{"paper_id": p, "kind": k, "at": now} for p, k in rows])


def _last_segment_docs(lib) -> int:
    ix = whoosh_index.open_dir(str(lib.path / "index"), indexname=INDEX_NAME)
    try:
        return ix._segments()[-1].doc_count_all()
    finally:
        ix.close()


def test_library_satisfies_the_index_source_protocol(library):
    assert isinstance(library, IndexSource)
    idx = SearchIndex(library.path, library)
    try:
        idx.sync()
        assert idx.stamp()["seq"] == library.last_change()
    finally:
        idx.close()


@pytest.mark.parametrize("kind", ["color", "tags"])
def test_tag_name_and_colour_rows_reindex_nothing(seeded, kind):
    seeded.add_tags([1, 2, 3], ["Vision"])
    seeded.index.sync()
    before = _tocs(seeded)
    try:
        _feed(seeded, [(None, kind)])
    except IntegrityError:  # pragma: no cover - until the migration adding the kind is in
        pytest.skip(f"this database does not know the feed kind {kind!r} yet")
    seeded.index.sync()
    assert seeded.index.stamp()["seq"] == seeded.last_change()  # caught up...
    assert _tocs(seeded) == before  # ...without a single index commit


def test_tag_rows_reindex_exactly_their_papers(seeded):
    seeded.index.sync()
    _feed(seeded, [(5, "tag"), (9, "tag"), (None, "tags"), (9, "tag")])
    seeded.index.sync()
    assert _last_segment_docs(seeded) == 2
    assert found(seeded, "is:unread OR is:read") == set(seeded.paper_ids())


def test_sync_is_safe_from_several_threads(seeded):
    import threading

    seeded.index.sync()
    seeded.set_note(7, "capybara")
    seeded.set_note(8, "capybara")
    errors: list[BaseException] = []

    def run() -> None:
        try:
            seeded.index.sync()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(seeded.index.indexed_ids()) == sorted(seeded.paper_ids())
    assert found(seeded, "capybara") == {7, 8}


def test_the_bulk_worker_runs_as_python_m(corpus, tmp_path):
    """Started as ``python -m app.search.whoosh.bulk``: never by re-running a main module."""
    import json
    import subprocess
    import sys

    folder = tmp_path / "index"
    folder.mkdir()
    WhooshEngine.create(folder).close()
    ids = corpus.paper_ids(sort="id")[:50]
    done = subprocess.run(
        [sys.executable, "-m", "app.search.whoosh.bulk", str(corpus.db_path), str(folder)],
        input=json.dumps(ids),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert sum(int(x.split()[1]) for x in lines if x.startswith("progress ")) == 50
    assert lines[-1].startswith("done ")


# -- the vectorised path for AND/OR/NOT, authors and one-word fields ---------------------------

TREES = [
    "lovelace",  # an author's name, by plain words
    "author:turing",
    "erasure OR unlearning",
    "(erasure OR lovelace) -diffusion",
    "title:erasure OR note:zebrafish",
    "concept NOT (video OR hopper)",
    "org:spiral OR author:hopper",
    "diff* OR eras*",
    # Parts Whoosh runs inside the vectorised tree (phrases, flags, tags, ids) and ranges
    # read from the columns:
    '"concept erasure" OR lovelace',
    'tag:"concept erasure" OR is:starred',
    "-diffusion",
    "is:unread has:note OR zebrafish",
    "upvotes:>=10 OR comments:<=2",
    "year:2024 erasure",
    "date:..2023-12-31 OR author:hopper",
    "comments:>=3 -has:tag",
    f"arxiv:{arxiv_of(12)} OR erasure",
    # Phrases with positions checked in bulk, hyphenated words (a phrase of their parts),
    # phrases in one field, and unscored terms (tags, flags) read from their postings:
    '"concept erasure"',
    '"diffusion models" video',
    "text-to-image",
    'title:"concept erasure" OR "video generation"',
    '"concept erasure" -"video generation"',
    'tag:"to read"',
    "is:starred erasure",
    "has:note",
]


def _whoosh_exact(searcher, query) -> dict[int, float]:
    """Whoosh's scores, NOT taken as set difference: whoosh-reloaded 2.7.5's ``AndNot``
    with an ``Or`` of several terms on its negative side over several segments keeps
    documents the negative side matches ("concept hopper" ⊂ "concept NOT hopper" here),
    so the positive and negative sides are searched apart."""
    from whoosh import query as q

    if isinstance(query, q.AndNot):
        pos = _whoosh_exact(searcher, query.a)
        neg = _whoosh_exact(searcher, query.b)
        return {d: score for d, score in pos.items() if d not in neg}
    return _whoosh_scores(searcher, query)


def test_whooshs_and_not_is_wrong_where_the_vectorised_path_is_right(segmented):
    """Why NOT queries of words never take Whoosh's path when the fast one can run them."""
    with segmented.reading() as r:
        s = r.searcher
        both = set(_whoosh_scores(s, parse("concept hopper").query))
        stock = set(_whoosh_scores(s, parse("concept NOT (video OR hopper)").query))
        got = set(r.search(r.parse("concept NOT (video OR hopper)"), 10_000).ids)
        ids = segmented.view(s).column("id")
    assert both and both & stock  # Whoosh keeps papers that have "hopper"
    assert not got & {int(ids[d]) for d in both}


@pytest.mark.parametrize("text", TREES)
def test_vectorised_boolean_queries_equal_whooshs_bm25f(segmented, text):
    with segmented.reading() as r:
        searcher = r.searcher
        parsed = parse(text, searcher.reader())
        assert parsed.tree is not None and parsed.note is None, text
        want = _whoosh_exact(searcher, parsed.query)
        view = FastScorer([*TEXT_FIELDS, "org"]).view(searcher)
        docs, scores = view.evaluate(parsed.tree, None)
        got = dict(zip(docs.tolist(), scores.tolist(), strict=True))
    assert want, text
    assert set(got) == set(want), text
    for docnum, score in want.items():
        assert got[docnum] == pytest.approx(score, rel=REL), (text, docnum)


def test_bulk_writer_equals_stock_writer_on_issue_11_fields(corpus, tmp_path):
    """The documents carry authors, arXiv ids, comments and both organisation names."""
    papers = _papers(corpus)
    assert all(p["authors"] and p["arxiv_id"] for p in papers)
    assert any(p["comments"] is None for p in papers) and any(p["organization_id"] for p in papers)
    stock, fast = tmp_path / "stock", tmp_path / "fast"
    for folder, bulk in ((stock, False), (fast, True)):
        folder.mkdir()
        engine = WhooshEngine.create(folder)
        with engine.writer(bulk=bulk) as w:
            w.upsert(papers)
        engine.close()
    a, b = _contents(stock), _contents(fast)
    for key in (("column", "comments"), ("lengths", "authors")):
        assert a[key] == b[key] and len(a[key]) == len(papers)
    assert any(k[:2] == ("postings", "arxiv") for k in a)
    assert a == b
