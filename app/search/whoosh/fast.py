"""Vectorised BM25F over Whoosh's postings, for the common queries (plain words, and the
prefix of the word being typed).

Why: Whoosh scores one posting at a time in Python; a three-word query over 100,000
abstracts takes ~0.5-1.5 s that way. Here each term's posting blocks are decoded straight
into numpy arrays (docnums, term weights) and scored in bulk with the same formula Whoosh's
``BM25F`` uses (per field, weighted by the field's boost, summed). AND/OR/NOT, fields,
phrases (positions checked in bulk), unscored terms (tags, flags) and ranges run here too;
what is left (e.g. ``org:`` phrases) goes through Whoosh's own matchers.

Reads ``W3LeafMatcher`` block internals of whoosh-reloaded 2.7.5, which is pinned exactly.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from itertools import chain
from math import log
from pickle import loads
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from app.search.whoosh import sidecar

B, K1 = 0.75, 1.2  # Whoosh's BM25F defaults
_BYTE_LENGTH = np.array([byte_to_length(i) for i in range(256)], dtype=np.float32)
_POSTINGS_CACHE = 6_000_000  # postings kept decoded (~50 MB), for as-you-type repeats
_VALUES_CACHE = 600_000  # postings kept with their positions (~60 MB), for phrases

Group = dict[str, list[str]]  # field -> terms: a document matches the group if any matches


class SegmentData:
    """Per-segment arrays (segments never change except for deletions)."""

    def __init__(self, reader: Any, fields: list[str]) -> None:
        self.reader = reader
        n = reader.doc_count_all()
        self.n = n
        self.lengths: dict[str, np.ndarray] = {}
        for f in fields:
            col = reader._perdoc._cached_reader(f"_{f}_len", LENGTHS_COLUMN)
            raw = np.zeros(n, dtype=np.uint8) if col is None else np.fromiter(col, np.uint8, n)
            self.lengths[f] = _BYTE_LENGTH[raw]
        storage = reader.storage()
        folder = storage.folder if isinstance(storage, FileStorage) else None
        self.sidecar = sidecar.load(folder, reader.segment().segment_id(), n)
        self.columns: dict[str, np.ndarray] = {}
        for name in ("id", "published", "upvotes", "comments"):
            if reader.has_column(name):
                self.columns[name] = np.fromiter(reader.column_reader(name), np.int64, n)
            else:
                self.columns[name] = np.zeros(n, dtype=np.int64)


class FastScorer:
    """Bulk scoring over one searcher's segments; caches survive new searchers."""

    def __init__(self, fields: list[str]) -> None:
        self.fields = fields
        self._lock = threading.Lock()
        self._segments: dict[str, SegmentData] = {}
        self._postings: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._values: OrderedDict[tuple, tuple[np.ndarray, np.ndarray, list]] = OrderedDict()
        self._sizes: dict[int, int] = {}

    # -- per searcher ----------------------------------------------------------------------

    def view(self, searcher: Any) -> View:
        leaves = []
        live = set()
        for reader, base in searcher.reader().leaf_readers():
            sid = reader.segment().segment_id()
            live.add(sid)
            seg = self._segments.get(sid)
            if seg is None or seg.reader is not reader:
                seg = SegmentData(reader, self.fields) if seg is None else _rebind(seg, reader)
                self._segments[sid] = seg
            leaves.append((seg, base, sid))
        for sid in list(self._segments):
            if sid not in live:
                del self._segments[sid]
        return View(self, searcher, leaves)

    def postings(self, seg: SegmentData, sid: str, field: str, term: Any) -> tuple[np.ndarray, ...]:
        """(docnums, weights) of ``term`` in one segment: from its sidecar when it has one
        (memory-mapped, nothing decoded), else Whoosh's blocks decoded (and cached)."""
        flat = _from_sidecar(seg, field, term)
        if flat is not None:
            return flat[0], flat[1]
        key = (sid, field, term)
        with self._lock:
            hit = self._postings.get(key)
            if hit is not None:
                self._postings.move_to_end(key)
                return hit
        ids, weights, _ = _decode(seg.reader, field, term)
        self._keep(self._postings, key, (ids, weights), _POSTINGS_CACHE)
        return ids, weights

    def positions(self, seg: SegmentData, sid: str, field: str, term: str) -> tuple[Any, ...]:
        """(docnums, weights, positions) for phrases: positions are the sidecar's
        ``(flat positions, each posting's first)``, or Whoosh's encoded value per posting."""
        flat = _from_sidecar(seg, field, term)
        if flat is not None:
            ids, tf, pstart = flat
            counts = tf.astype(np.int64)
            firsts = pstart + np.concatenate(([0], np.cumsum(counts)[:-1]))
            assert seg.sidecar is not None
            return ids, tf, _Flat(seg.sidecar.pos, firsts, counts)
        key = (sid, field, term)
        with self._lock:
            hit = self._values.get(key)
            if hit is not None:
                self._values.move_to_end(key)
                return hit
        ids, weights, values = _decode(seg.reader, field, term, values=True)
        self._keep(self._values, key, (ids, weights, values), _VALUES_CACHE)
        return ids, weights, values

    def _keep(self, cache: OrderedDict, key: tuple, item: tuple, limit: int) -> None:
        with self._lock:
            cache[key] = item
            self._sizes[id(cache)] = self._sizes.get(id(cache), 0) + len(item[0])
            while self._sizes[id(cache)] > limit and len(cache) > 1:
                _, old = cache.popitem(last=False)
                self._sizes[id(cache)] -= len(old[0])


class _Flat:
    """A term's positions in a sidecar: posting j's are ``pos[firsts[j]:][:counts[j]]``."""

    __slots__ = ("counts", "firsts", "pos")

    def __init__(self, pos: np.ndarray, firsts: np.ndarray, counts: np.ndarray) -> None:
        self.pos = pos
        self.firsts = firsts
        self.counts = counts


def _from_sidecar(
    seg: SegmentData, field: str, term: Any
) -> tuple[np.ndarray, np.ndarray, int] | None:
    """A text field's term from the segment's sidecar, checked against Whoosh's document
    frequency of it in this segment; None: Whoosh's postings serve it."""
    sc = seg.sidecar
    if sc is None or sc.broken or not isinstance(term, str):
        return None
    try:
        btext = term.encode("utf-8")
        df = seg.reader._terms.doc_frequency(field, btext)
    except (KeyError, TypeError, TermNotFound):
        return None
    except Exception:
        return None
    return sc.find(field, btext, df)


def _rebind(seg: SegmentData, reader: Any) -> SegmentData:
    seg.reader = reader
    return seg


def _decode(
    reader: Any, field: str, term: Any, values: bool = False
) -> tuple[np.ndarray, np.ndarray, list]:
    """All postings of ``term`` in one segment as (docnums, weights), deletions included;
    with ``values``, each posting's encoded positions too."""
    try:
        btext = reader._text_to_bytes(field, term)
        m = reader._terms.matcher(field, btext, reader.schema[field].format)
    except (KeyError, TypeError, TermNotFound):  # not in this segment
        return np.empty(0, np.int64), np.empty(0, np.float32), []
    ids_parts, w_parts = [], []
    vals: list = []
    while not m._atend and m._blocklength:
        # One block: a pickled (delta-coded ids, weights, values) tuple; decode it whole.
        if m._data is None:
            m._read_data()
        raw_ids, raw_w = m._data[0], m._data[1]
        if values:
            vals.extend(m._data[2])
        ids = np.asarray(raw_ids, dtype=np.int64)
        ids_parts.append(ids if m._byteids else np.cumsum(ids))
        if raw_w is None:
            w_parts.append(np.ones(len(ids), dtype=np.float32))
        elif isinstance(raw_w, float):
            w_parts.append(np.full(len(ids), raw_w, dtype=np.float32))
        else:
            w_parts.append(np.asarray(raw_w, dtype=np.float32))
        m._next_block()
    if not ids_parts:
        return np.empty(0, np.int64), np.empty(0, np.float32), []
    return np.concatenate(ids_parts), np.concatenate(w_parts), vals


def write_sidecar(reader: Any, fields: list[str], folder: str) -> None:
    """Write the sidecar (sidecar.py) of a segment that has none (one the stock writer or
    a merge made) from Whoosh's own postings: slow (positions decoded one posting at a
    time), so done after a commit for small segments; a rebuild writes the rest."""
    out = sidecar.Writer(folder, reader.segment().segment_id())
    schema = reader.schema
    for field in fields:
        if field not in schema or not schema[field].format.supports("positions"):
            continue
        for tbytes in list(reader.lexicon(field)):
            ids, tf, values = _decode(reader, field, tbytes.decode("utf-8"), values=True)
            out.add_term(field, tbytes, ids, tf, _positions(values)[1])
    out.finish(reader.doc_count_all())


def _position_keys(values: list, idx: np.ndarray, offset: int) -> np.ndarray:
    """For the postings ``idx`` (row r = the r-th of them), ``(r << 32) | (position -
    offset)`` of every position: a phrase's words line up where these keys are equal.
    Each value is Whoosh's ``Positions`` encoding: a 4-byte count, then a pickled list of
    position deltas."""
    if isinstance(values, _Flat):
        return _flat_keys(values, idx, offset)
    counts, pos = _positions([values[j] for j in idx.tolist()])
    if not len(pos):
        return pos
    pos = pos - offset
    rows = np.repeat(np.arange(len(idx), dtype=np.int64), counts)
    keep = pos >= 0
    return (rows[keep] << 32) | pos[keep]


def _positions(values: list) -> tuple[np.ndarray, np.ndarray]:
    """Whoosh's encoded positions of some postings (a 4-byte count, then a pickled list of
    deltas each): each posting's count, and every position, posting after posting."""
    lists = [loads(v[4:] if v.endswith(b".") else v[4:] + b".") for v in values]
    counts = np.fromiter(map(len, lists), np.int64, len(lists))
    flat = np.fromiter(chain.from_iterable(lists), np.int64, int(counts.sum()))
    if not len(flat):
        return counts, flat
    cs = np.cumsum(flat)
    ends = np.cumsum(counts)
    before = np.concatenate(([0], cs[ends[:-1] - 1])) if len(ends) > 1 else np.zeros(1, np.int64)
    return counts, cs - np.repeat(before, counts)


def _flat_keys(flat: _Flat, idx: np.ndarray, offset: int) -> np.ndarray:
    """:func:`_position_keys` from a sidecar's flat positions, without a Python loop."""
    counts = flat.counts[idx]
    total = int(counts.sum())
    if not total:
        return np.empty(0, np.int64)
    ends = np.cumsum(counts)
    # index of every position: the posting's first, plus its rank within the posting
    shift = np.repeat(flat.firsts[idx] - (ends - counts), counts)
    pos = flat.pos[shift + np.arange(total, dtype=np.int64)].astype(np.int64) - offset
    rows = np.repeat(np.arange(len(idx), dtype=np.int64), counts)
    keep = pos >= 0
    return (rows[keep] << 32) | pos[keep]


class View:
    """One searcher's documents as dense arrays (global docnums = segment base + docnum)."""

    def __init__(self, scorer: FastScorer, searcher: Any, leaves: list) -> None:
        self.scorer = scorer
        self.searcher = searcher
        self.leaves = leaves
        self.n = sum(seg.n for seg, _, _ in leaves)
        live = np.ones(self.n, dtype=bool)
        for seg, base, _ in leaves:
            deleted = seg.reader.deleted_docs_set if seg.reader.has_deletions() else ()
            if deleted:
                live[base + np.fromiter(deleted, np.int64, len(deleted))] = False
        self.live = live
        self.doc_count = searcher.doc_count_all()

    def column(self, name: str) -> np.ndarray:
        return (
            np.concatenate([seg.columns[name] for seg, _, _ in self.leaves])
            if self.leaves
            else np.empty(0, np.int64)
        )

    def group_scores(self, group: Group, boosts: dict[str, float]) -> np.ndarray:
        """Each document's BM25F score for a group of alternatives (0 = no match)."""
        scores = np.zeros(self.n, dtype=np.float32)
        n_all = self.doc_count or 1
        for field, terms in group.items():
            avgfl = self.searcher.avg_field_length(field) or 1.0
            boost = boosts.get(field, 1.0)
            for term in terms:
                df = self.searcher.doc_frequency(field, term)
                if not df:
                    continue
                idf = log(n_all / (df + 1)) + 1.0
                for seg, base, sid in self.leaves:
                    ids, tf = self.scorer.postings(seg, sid, field, term)
                    if not len(ids):
                        continue
                    fl = seg.lengths[field][ids]
                    s = idf * (tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl))
                    scores[base + ids] += boost * s
        return scores

    def phrase_scores(self, field: str, words: list[str], boost: float) -> np.ndarray:
        """Each document's score for a phrase in ``field`` as Whoosh's ``Phrase`` scores it
        (``boost`` times the sum of its words' BM25F), 0 where the words are not adjacent;
        positions checked in bulk, only in documents holding every word."""
        scores = np.zeros(self.n, dtype=np.float32)
        n_all = self.doc_count or 1
        dfs = [self.searcher.doc_frequency(field, w) for w in words]
        if not all(dfs):
            return scores
        avgfl = self.searcher.avg_field_length(field) or 1.0
        idfs = [log(n_all / (df + 1)) + 1.0 for df in dfs]
        for seg, base, sid in self.leaves:
            posts = {w: self.scorer.positions(seg, sid, field, w) for w in set(words)}
            cand = posts[words[0]][0]
            for w in posts:
                cand = np.intersect1d(cand, posts[w][0], assume_unique=True)
            if not len(cand):
                continue
            keys = None
            for i, w in enumerate(words):
                ids, _, values = posts[w]
                k = _position_keys(values, np.searchsorted(ids, cand), i)
                keys = k if keys is None else np.intersect1d(keys, k, assume_unique=True)
                if not len(keys):
                    break
            if keys is None or not len(keys):
                continue
            docs = cand[np.unique(keys >> 32)]
            fl = seg.lengths[field][docs]
            total = np.zeros(len(docs), dtype=np.float32)
            for w, idf in zip(words, idfs, strict=True):
                ids, tf, _ = posts[w]
                t = tf[np.searchsorted(ids, docs)]
                total += idf * (t * (K1 + 1)) / (t + K1 * ((1 - B) + B * fl / avgfl))
            scores[base + docs] += boost * total
        return scores

    def weight_scores(self, field: str, term: Any) -> np.ndarray:
        scores = np.zeros(self.n, dtype=np.float32)
        for seg, base, sid in self.leaves:
            ids, w = self.scorer.postings(seg, sid, field, term)
            if len(ids):
                scores[base + ids] += w
        return scores

    def search_all(
        self, groups: list[Group], boosts: dict[str, float], allowed: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Docnums matching every group (and ``allowed``), and their summed scores."""
        total = np.zeros(self.n, dtype=np.float32)
        mask = self.live.copy()
        if allowed is not None:
            mask &= allowed
        for g in groups:
            s = self.group_scores(g, boosts)
            mask &= s > 0
            total += s
        docs = np.flatnonzero(mask)
        return docs, total[docs]

    def evaluate(self, tree: Any, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Docnums matching a query tree (see ``Parsed.tree``) and their scores, as
        Whoosh scores them: AND and OR sum their matching parts, NOT keeps the positive."""
        mask, scores = self._node(tree)
        mask &= self.live
        if allowed is not None:
            mask &= allowed
        docs = np.flatnonzero(mask)
        return docs, scores[docs]

    def _node(self, node: Any) -> tuple[np.ndarray, np.ndarray]:
        kind = node[0]
        if kind == "g":
            s = self.group_scores(node[1], node[2])
            return s > 0, s
        if kind == "p":  # a phrase: ("p", field, words, boost)
            s = self.phrase_scores(node[1], node[2], node[3])
            return s > 0, s
        if kind == "k":  # an unscored field's term (tag, flags, ids): Whoosh scores its weight
            s = self.weight_scores(node[1], node[2])
            return s > 0, s
        if kind == "all":
            return np.ones(self.n, dtype=bool), np.ones(self.n, dtype=np.float32)
        if kind == "null":
            return np.zeros(self.n, dtype=bool), np.zeros(self.n, dtype=np.float32)
        if kind == "w":  # a part Whoosh runs: its matches with Whoosh's scores
            scores = np.zeros(self.n, dtype=np.float32)
            found = self.searcher.search(node[1], limit=None)
            for score, docnum in found.top_n:
                scores[docnum] = score
            mask = np.zeros(self.n, dtype=bool)
            docs = np.fromiter(found.docs(), np.int64)
            mask[docs] = True
            return mask, np.where(mask, np.maximum(scores, np.float32(1e-30)), 0).astype(np.float32)
        if kind == "r":
            _, name, lo, hi, lx, hx = node
            col = self.column(name)
            # Unknown values (no date: 0; no count: below 0) match no range, as in Whoosh,
            # where such a document has no term of the field.
            mask = col > 0 if name == "published" else col >= 0
            if lo is not None:
                mask &= (col > lo) if lx else (col >= lo)
            if hi is not None:
                mask &= (col < hi) if hx else (col <= hi)
            return mask, mask.astype(np.float32)
        if kind == "not":
            mask, scores = self._node(node[1])
            neg, _ = self._node(node[2])
            return mask & ~neg, scores
        parts = [self._node(child) for child in node[1]]
        scores = np.zeros(self.n, dtype=np.float32)
        if kind == "and":
            mask = np.ones(self.n, dtype=bool)
            for m, s in parts:
                mask &= m
                scores += s
        else:  # "or"
            mask = np.zeros(self.n, dtype=bool)
            for m, s in parts:
                mask |= m
                scores += np.where(m, s, 0)
        return mask, np.where(mask, scores, 0).astype(np.float32)


def top(
    docs: np.ndarray, scores: np.ndarray, limit: int, key: np.ndarray | None = None
) -> np.ndarray:
    """Indices into ``docs`` of the best ``limit``: by score, or by ``key`` (then score),
    highest first; ties go to the lower docnum so results are stable."""
    if not len(docs) or limit <= 0:
        return np.empty(0, np.int64)
    if key is None:
        primary = scores
    else:
        primary = key[docs].astype(np.float64)
    if len(docs) > limit:
        cut = np.argpartition(-primary, limit - 1)[:limit]
        # argpartition picks arbitrary members among ties at the border: widen to all ties
        border = primary[cut].min()
        cut = np.flatnonzero(primary >= border)
    else:
        cut = np.arange(len(docs))
    order = np.lexsort((docs[cut], -scores[cut], -primary[cut]))
    return cut[order][:limit]
