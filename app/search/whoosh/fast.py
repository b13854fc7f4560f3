"""Vectorised BM25F over Whoosh's postings, for the common queries (plain words, and the
prefix of the word being typed).

Why: Whoosh scores one posting at a time in Python; a three-word query over 100,000
abstracts takes ~0.5-1.5 s that way. Here each term's posting blocks are decoded straight
into numpy arrays (docnums, term weights) and scored in bulk with the same formula Whoosh's
``BM25F`` uses (per field, weighted by the field's boost, summed). Phrases, OR/NOT, fields
and ranges still go through Whoosh's own matchers.

Reads ``W3LeafMatcher`` block internals of whoosh-reloaded 2.7.5, which is pinned exactly.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from math import log
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

B, K1 = 0.75, 1.2  # Whoosh's BM25F defaults
_BYTE_LENGTH = np.array([byte_to_length(i) for i in range(256)], dtype=np.float32)
_POSTINGS_CACHE = 6_000_000  # postings kept decoded (~50 MB), for as-you-type repeats

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
        self._cached = 0

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

    def postings(self, sid: str, reader: Any, field: str, term: str) -> tuple[np.ndarray, ...]:
        key = (sid, field, term)
        with self._lock:
            hit = self._postings.get(key)
            if hit is not None:
                self._postings.move_to_end(key)
                return hit
        ids, weights = _decode(reader, field, term)
        with self._lock:
            self._postings[key] = (ids, weights)
            self._cached += len(ids)
            while self._cached > _POSTINGS_CACHE and self._postings:
                _, (old, _w) = self._postings.popitem(last=False)
                self._cached -= len(old)
        return ids, weights


def _rebind(seg: SegmentData, reader: Any) -> SegmentData:
    seg.reader = reader
    return seg


def _decode(reader: Any, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    """All postings of ``term`` in one segment as (docnums, weights), deletions included."""
    try:
        btext = reader._text_to_bytes(field, term)
        m = reader._terms.matcher(field, btext, reader.schema[field].format)
    except (KeyError, TypeError, TermNotFound):  # not in this segment
        return np.empty(0, np.int64), np.empty(0, np.float32)
    ids_parts, w_parts = [], []
    while not m._atend and m._blocklength:
        # One block: a pickled (delta-coded ids, weights, values) tuple; decode it whole.
        if m._data is None:
            m._read_data()
        raw_ids, raw_w = m._data[0], m._data[1]
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
        return np.empty(0, np.int64), np.empty(0, np.float32)
    return np.concatenate(ids_parts), np.concatenate(w_parts)


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
                    ids, tf = self.scorer.postings(sid, seg.reader, field, term)
                    if not len(ids):
                        continue
                    fl = seg.lengths[field][ids]
                    s = idf * (tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl))
                    scores[base + ids] += boost * s
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
