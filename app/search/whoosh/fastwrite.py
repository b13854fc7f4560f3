"""A faster segment writer for bulk indexing (whoosh-reloaded 2.7.5, pinned exactly).

Whoosh's ``SegmentWriter`` analyses each field through generator stages and sends every
posting through a size-accounting pool that pickles and sorts tuples (~140 bytes a posting
held in memory), then looks up each posting's field length through three layers of column
readers. Here, per segment:

- text fields with positions are tokenized in one regex pass per field (lower-cased in one
  call when the text is ASCII); each word becomes a term id through one dictionary, and a
  field keeps only a flat ``array`` of term ids (4 bytes a word) and its documents' word
  counts;
- fields without positions or weights (numbers, booleans, ids, tag names: Whoosh's
  ``Existence`` format) keep flat arrays of (term id, docnum), 8 bytes a posting, with the
  terms of repeated values cached;
- when the segment is written, the postings are grouped with numpy (a stable argsort by
  term rank, then split), encoded to Whoosh's ``Positions`` bytes, and written as whole
  blocks, with the field lengths read once into arrays.

Other fields take Whoosh's own analysis. Same codec, same files: readers cannot tell the
difference (tests/app/search/test_contracts.py compares them with the stock writer's).
"""

from __future__ import annotations

import zlib
from array import array
from pickle import dumps
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC
from whoosh.fields import NUMERIC
from whoosh.formats import Existence, Positions
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte, to_sortable
from whoosh.writing import SegmentWriter

from app.search.whoosh import sidecar
from app.search.whoosh.schema import ANALYZER

# Documents per segment in bulk mode: it bounds a worker's memory (a 100,000-paper import:
# two workers, two segments each, ~140 MB per worker; with 50,000, ~200 MB, and the three
# processes together over 500 MB), and fewer, larger segments make faster searches.
SEGMENT_DOCS = 25_000


class _Vocab(dict):
    """Word -> term id, a new id for a word seen first (ids 0..n-1 in order of arrival);
    the stop words hold the first ids, so that a kept word's id is ``>= len(stops)``."""

    def __missing__(self, word: str) -> int:
        tid = self[word] = len(self)
        return tid


class _TextField:
    """One positional text field's words: term ids laid end to end, document by document."""

    __slots__ = ("docnums", "lengths", "tids")

    def __init__(self) -> None:
        self.tids = array("I")
        self.docnums = array("I")
        self.lengths = array("I")


class _ExistField:
    """One ``Existence`` field's postings: (term id, docnum) pairs, in document order."""

    __slots__ = ("cache", "docnums", "terms", "tids", "weight")

    def __init__(self, weight: float) -> None:
        self.terms: dict[bytes, int] = {}
        self.tids = array("I")
        self.docnums = array("I")
        self.weight = weight
        self.cache: dict[Any, list[int]] = {}  # a value -> its term ids (repeated values)


class _TermPool:
    """The postings of one segment (see the module's docstring); ``postings`` holds lists
    of (docnum, weight, value bytes) for the terms of any other field."""

    def __init__(self) -> None:
        self.fieldnames: set[str] = set()
        self.postings: dict[tuple[str, bytes], list[tuple[int, float, bytes | None]]] = {}
        self.vocab = _Vocab((w, i) for i, w in enumerate(sorted(ANALYZER.stops)))
        self.nstops = len(self.vocab)
        self.text: dict[str, _TextField] = {}
        self.exist: dict[str, _ExistField] = {}

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, tbytes, docnum, weight, vbytes = item
        key = (fieldname, tbytes)
        bucket = self.postings.get(key)
        if bucket is None:
            self.postings[key] = [(docnum, weight, vbytes)]
            self.fieldnames.add(fieldname)
        else:
            bucket.append((docnum, weight, vbytes))

    def add_text(self, fieldname: str, docnum: int, text: str) -> int:
        """Tokenize ``text`` as ``ANALYZER`` does (positions, stop words dropped without a
        gap) and add its words; the field length (the number of words)."""
        find = ANALYZER.expression.findall
        # lower() first only for ASCII: elsewhere lower-casing may change what \w matches
        words = find(text.lower()) if text.isascii() else [w.lower() for w in find(text)]
        if not words:
            return 0
        keep = self.nstops.__le__
        tids = list(filter(keep, map(self.vocab.__getitem__, words)))
        if not tids:
            return 0
        tf = self.text.get(fieldname)
        if tf is None:
            tf = self.text[fieldname] = _TextField()
            self.fieldnames.add(fieldname)
        tf.tids.extend(tids)
        tf.docnums.append(docnum)
        tf.lengths.append(len(tids))
        return len(tids)

    def add_exist(self, fieldname: str, field: Any, docnum: int, value: Any) -> None:
        """The postings of an ``Existence`` field's value (as ``field.index`` gives them)."""
        ef = self.exist.get(fieldname)
        cacheable = type(value) in (int, bool)
        ckey = (type(value), value)
        got = ef.cache.get(ckey) if ef is not None and cacheable else None
        if got is None:
            got = []
            plain = True
            for tbytes, _freq, weight, vbytes in _index(field, value):
                if ef is None:
                    ef = self.exist[fieldname] = _ExistField(weight)
                    self.fieldnames.add(fieldname)
                if vbytes or weight != ef.weight:  # not plain existence: the general way
                    self.add((fieldname, tbytes, docnum, weight, vbytes))
                    plain = False
                    continue
                tid = ef.terms.get(tbytes)
                if tid is None:
                    tid = ef.terms[tbytes] = len(ef.terms)
                got.append(tid)
            if ef is None:
                return
            if cacheable and plain and len(ef.cache) < 4096:
                ef.cache[ckey] = got
        assert ef is not None
        ef.tids.extend(got)
        ef.docnums.extend([docnum] * len(got))

    def cleanup(self) -> None:
        self.postings = {}
        self.text = {}
        self.exist = {}


def _index(field: Any, value: Any) -> Any:
    """``field.index(value)``; for a whole number in a ``NUMERIC`` field, the same terms
    made without a generator and a conversion per shift."""
    if type(field) is NUMERIC and field.shift_step and type(value) is int:
        x = to_sortable(field.numtype, field.bits, field.signed, field.prepare_number(value))
        pack = field._struct.pack
        return [
            (_SHIFTS[shift] + pack(x >> shift), 1, 1.0, b"")
            for shift in range(0, field.bits, field.shift_step)
        ]
    return field.index(value)


_SHIFTS = [bytes([s]) for s in range(256)]  # whoosh's pack_byte(shift)


def _fast_field(field: Any) -> bool:
    """A text field this writer tokenizes itself: ``ANALYZER`` with positions, no boost."""
    fmt = field.format
    return (
        type(fmt) is Positions
        and fmt.field_boost == 1.0
        and getattr(field, "analyzer", None) == ANALYZER
        and field.scorable
        and not field.stored
        and not field.vector
        and not field.separate_spelling()
        and field.column_type is None
    )


def _exist_field(field: Any) -> bool:
    """A field whose postings are plain existence (no weights beyond the boost, no values,
    no lengths): numbers, booleans, ids, keywords."""
    return (
        type(field.format) is Existence
        and not field.scorable
        and not field.vector
        and not field.separate_spelling()
    )


class BulkSegmentWriter(SegmentWriter):
    """``SegmentWriter`` with its own tokenizing, a packed term pool, a direct write."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        self.pool.cleanup()  # the PostingPool SegmentWriter made, replaced by ours
        self.pool: Any = _TermPool()
        self._fast = {name for name, field in self.schema.items() if _fast_field(field)}
        self._exist = {name for name, field in self.schema.items() if _exist_field(field)}

    def add_document(self, **fields: Any) -> None:
        if any(name.startswith("_") for name in fields):
            return super().add_document(**fields)  # boosts or custom stored values
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        pool: _TermPool = self.pool
        fast = self._fast
        exist = self._exist
        fieldnames = sorted(fields)
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if fieldname in fast and isinstance(value, str):
                    length = pool.add_text(fieldname, docnum, value)
                elif fieldname in exist:
                    pool.add_exist(fieldname, field, docnum, value)
                elif field.indexed:
                    scorable = field.scorable
                    for tbytes, freq, weight, vbytes in field.index(value):
                        if scorable:
                            length += freq
                        pool.add((fieldname, tbytes, docnum, weight, vbytes))
                perdocwriter.add_field(fieldname, field, value if field.stored else None, length)
                column = field.column_type
                if column:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(value))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        pdr = self.per_document_reader()
        fw = self.fieldwriter
        schema = self.schema
        pool: _TermPool = self.pool  # type: ignore[assignment]
        table = np.array([byte_to_length(i) for i in range(256)], dtype=np.int64)
        folder = getattr(self.storage, "folder", None) or None
        # the positional postings also as flat arrays (sidecar.py)
        flat = sidecar.Writer(folder, self.newsegment.segment_id())
        words: list[str] | None = None
        rank: np.ndarray | None = None
        others: dict[str, list[tuple[bytes, Any]]] = {}
        for (f, t), b in pool.postings.items():
            others.setdefault(f, []).append((t, b))
        try:
            for fieldname in sorted(pool.fieldnames):
                fw.start_field(fieldname, schema[fieldname])
                col = pdr._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
                lens = table[np.fromiter(col, dtype=np.uint8)] if col is not None else None
                if fieldname in pool.text:
                    if words is None:  # term ids in the order of their words' bytes
                        byid = [""] * len(pool.vocab)
                        for w, i in pool.vocab.items():
                            byid[i] = w
                        ranked = sorted(range(len(byid)), key=byid.__getitem__)
                        words = [byid[i] for i in ranked]
                        rank = np.empty(len(byid), dtype=np.uint32)
                        rank[ranked] = np.arange(len(byid), dtype=np.uint32)
                        del byid, ranked
                    assert rank is not None
                    _write_text(fw, fieldname, pool.text.pop(fieldname), words, rank, lens, flat)
                else:
                    terms: list[tuple[bytes, Any]] = others.pop(fieldname, [])
                    ef = pool.exist.pop(fieldname, None)
                    idl: list[int] = []
                    dl: list[int] = []
                    ll: list[int] | None = None
                    if ef is not None:
                        grouped, sdocs = _group_exist(ef)
                        terms += grouped
                        idl, dl = sdocs.tolist(), _deltas(sdocs)
                        ll = lens[sdocs].tolist() if lens is not None else None
                    terms.sort(key=lambda x: x[0])
                    for tbytes, bucket in terms:
                        fw.start_term(tbytes)
                        if isinstance(bucket, tuple):
                            assert ef is not None
                            a, b = bucket
                            lb = ll[a:b] if ll is not None else None
                            _write_blocks(
                                fw._postwriter, idl[a:b], dl[a:b], None, ef.weight, None, lb
                            )
                        else:
                            add = fw.add
                            for docnum, weight, vbytes in bucket:
                                n = int(lens[docnum]) if lens is not None else 0
                                add(docnum, weight, vbytes or b"", n)
                        fw.finish_term()
                fw.finish_field()
            fw.close()
            pdr.close()
            pool.cleanup()
        except BaseException:
            flat.discard()
            raise
        flat.finish(self.docnum)


def _group_exist(ef: _ExistField) -> tuple[list[tuple[bytes, Any]], np.ndarray]:
    """An ``Existence`` field's postings grouped by term: (term bytes, (first, end)) into
    the docnums sorted by term (returned too)."""
    tids = np.frombuffer(ef.tids, dtype=np.uint32)
    docs = np.frombuffer(ef.docnums, dtype=np.uint32)
    order = np.argsort(tids, kind="stable")  # documents stay in order within a term
    docs = docs[order].astype(np.int64)
    counts = np.bincount(tids, minlength=len(ef.terms)).tolist()
    ends = np.cumsum(counts).tolist()
    out = []
    for tbytes, tid in ef.terms.items():
        if counts[tid]:
            out.append((tbytes, (ends[tid] - counts[tid], ends[tid])))
    return out, docs


def _deltas(docs: np.ndarray) -> list[int]:
    """Each docnum minus the one before (the first as it is): whoosh3's delta_encode."""
    d = docs.astype(np.int64)
    if len(d) > 1:
        d[1:] -= d[:-1].copy()
    return d.tolist()


_ONE = [pack_uint(1) + dumps([p], 2) for p in range(1024)]  # most postings: one position


TOKENS_BATCH = 1 << 18  # words of a text field grouped at a time (bounds the memory used)


def _write_text(
    fw: Any,
    fieldname: str,
    tf: _TextField,
    by_rank: list[str],
    rank: np.ndarray,
    lens: np.ndarray | None,
    flat: sidecar.Writer,
) -> None:
    """One positional text field's postings, grouped with numpy and written term by term
    in the order of the terms' bytes (``rank``: a term id's place in that order, ``by_rank``
    the words in it), a range of terms of at most ~``TOKENS_BATCH`` words at a time; the
    same postings to the sidecar."""
    rk = rank[np.frombuffer(tf.tids, dtype=np.uint32)]
    tf.tids = array("I")
    counts = np.frombuffer(tf.lengths, dtype=np.uint32).astype(np.int64)
    starts = np.cumsum(counts) - counts  # each document's first word (every one has some)
    docnums = np.frombuffer(tf.docnums, dtype=np.uint32)
    cum = np.cumsum(np.bincount(rk, minlength=len(by_rank)))
    lo = 0
    while lo < len(by_rank):
        done = int(cum[lo - 1]) if lo else 0
        hi = max(lo + 1, int(np.searchsorted(cum, done + TOKENS_BATCH, side="right")))
        if int(cum[hi - 1]) > done:
            idx = np.flatnonzero((rk >= lo) & (rk < hi))  # in word order
            order = idx[np.argsort(rk[idx], kind="stable")]  # by term, document, position
            del idx
            _write_terms(fw, fieldname, rk[order], order, starts, docnums, by_rank, lens, flat)
        lo = hi


def _write_terms(
    fw: Any,
    fieldname: str,
    stids: np.ndarray,
    order: np.ndarray,
    starts: np.ndarray,
    docnums: np.ndarray,
    by_rank: list[str],
    lens: np.ndarray | None,
    flat: sidecar.Writer,
) -> None:
    """Write the postings of some terms: their words (``order``: the words' places in the
    field, grouped by term rank ``stids``)."""
    sdoc = np.searchsorted(starts, order, side="right") - 1
    pos = (order - starts[sdoc]).astype(np.uint32)
    n = len(stids)
    # a posting: a run of one (term, document); a term: a run of postings
    newterm = np.empty(n, dtype=bool)
    newterm[0] = True
    np.not_equal(stids[1:], stids[:-1], out=newterm[1:])
    newpost = newterm.copy()
    newpost[1:] |= sdoc[1:] != sdoc[:-1]
    pstart = np.flatnonzero(newpost)
    freq = np.diff(np.append(pstart, n))
    pdocs = docnums[sdoc[pstart]]  # each posting's docnum
    del sdoc
    tstart_tok = np.flatnonzero(newterm)
    term_tids = stids[tstart_tok]
    tpost = np.searchsorted(pstart, tstart_tok)  # each term's first posting
    tnpost = np.diff(np.append(tpost, len(pstart)))
    first = pos[pstart].astype(np.int64)
    single = (freq == 1) & (first < 1024)
    delta = pos.astype(np.int64)
    delta[1:] -= delta[:-1].copy()
    delta[pstart] = first
    weights = freq.astype(np.float32)
    pw = fw._postwriter
    tp = tpost.tolist()
    tn = tnpost.tolist()
    terms = [by_rank[t].encode("utf-8") for t in term_tids.tolist()]
    k = 0
    while k < len(tp):  # a batch of terms at a time: their values only held in memory
        k1 = int(np.searchsorted(tpost, tp[k] + VALUES_BATCH, side="left"))
        k1 = max(k1, k + 1)
        p0 = tp[k]
        p1 = tp[k1 - 1] + tn[k1 - 1]
        values = _values(delta, pstart[p0:p1], freq[p0:p1], first[p0:p1], single[p0:p1])
        bdocs = pdocs[p0:p1]
        idl, dl, wl = bdocs.tolist(), _deltas(bdocs), weights[p0:p1].tolist()
        ll = lens[bdocs].tolist() if lens is not None else None
        for j in range(k, k1):
            fw.start_term(terms[j])
            a, b = tp[j] - p0, tp[j] + tn[j] - p0
            lb = ll[a:b] if ll is not None else None
            _write_blocks(pw, idl[a:b], dl[a:b], wl[a:b], None, values[a:b], lb)
            fw.finish_term()
        k = k1
    keys = [sidecar.key(fieldname, t) for t in terms]
    pos_counts = np.add.reduceat(freq, tpost)
    flat.add_arrays(keys, tnpost, pos_counts, pdocs, weights, pos)


VALUES_BATCH = 1 << 16  # postings whose Whoosh values are made at a time
_ONES = np.array([*_ONE, b""], dtype=object)


def _values(
    delta: np.ndarray, pstart: np.ndarray, freq: np.ndarray, first: np.ndarray, single: np.ndarray
) -> Any:
    """Whoosh's ``Positions`` values of some postings (``pack_uint(freq)`` and the pickle
    of the position deltas), as an object array."""
    values = _ONES[np.where(single, first, len(_ONE))]
    multi = np.flatnonzero(~single)
    if len(multi):
        f = freq[multi]
        s = pstart[multi]
        offs = np.cumsum(f) - f
        idx = np.repeat(s - offs, f) + np.arange(int(f.sum()))
        dl = delta[idx].tolist()
        at = 0
        for i, n in zip(multi.tolist(), f.tolist(), strict=True):
            values[i] = pack_uint(n) + dumps(dl[at : at + n], 2)
            at += n
    return values


SMALL_BLOCK = 256  # bytes: a block's pickle below this is stored uncompressed
BLOCK_COMPRESSION = 1  # zlib level of the others (Whoosh's 3 costs ~1.5x the time)


class _Block:
    """What ``TermInfo.add_block`` reads of a posting block (as ``W3PostingsWriter``)."""

    __slots__ = ("_maxlength", "_maxweight", "_minlength", "_weights", "ids")

    def __init__(self, ids: list[int], weights: list[float], lo: Any, hi: int, top: float):
        self.ids = ids
        self._weights = weights
        self._minlength = lo
        self._maxlength = hi
        self._maxweight = top

    def __len__(self) -> int:
        return len(self.ids)

    def min_id(self) -> int:
        return self.ids[0]

    def max_id(self) -> int:
        return self.ids[-1]

    def min_length(self) -> Any:
        return self._minlength

    def max_length(self) -> int:
        return self._maxlength

    def max_weight(self) -> float:
        return self._maxweight


def _write_blocks(
    pw: Any,
    idl: list[int],
    deltas: list[int],
    wl: list[float] | None,
    weight: float | None,
    values: Any,
    ll: list[int] | None,
) -> None:
    """One term's postings, written as whole blocks: what ``add_posting`` and
    ``_write_block`` do one posting at a time (the same block contents, statistics and
    boundaries; whoosh3's block format), except that a block whose pickle is smaller than
    ``SMALL_BLOCK`` is stored uncompressed and others at zlib level ``BLOCK_COMPRESSION``
    (a block's info holds its level; Whoosh's reader decompresses any, and skips level 0,
    as Whoosh itself meant to do below 20 bytes). ``idl``: docnums,
    ``deltas`` (see ``_deltas``; each block's first is replaced by its docnum), ``wl`` the
    weights or one ``weight`` for all, ``values`` or none, ``ll`` the field lengths."""
    limit = pw._blocklimit
    postfile = pw._postfile
    terminfo = pw._terminfo
    fixed = pw._format.fixed_value_size()
    n = len(idl)
    w32 = float(np.float32(weight)) if weight is not None else 0.0  # as array("f") holds it
    for start in range(0, n, limit):
        end = min(n, start + limit)
        if not pw._blockcount:
            postfile.write(WHOOSH3_HEADER_MAGIC)
        whole = start == 0 and end == n  # most terms: one block, no copies
        bids = idl if whole else idl[start:end]
        if wl is not None:
            bw = wl if whole else wl[start:end]
            top, least = max(bw), min(bw)
            if least == 1.0 and top == 1.0:  # as W3PostingsWriter._mini_weights
                mini_w: Any = None
            elif least == top:
                mini_w = bw[0]
            else:
                mini_w = tuple(bw)
        else:
            assert weight is not None
            bw = [w32] * (end - start)
            top = weight
            mini_w = None if w32 == 1.0 else w32
        lo: Any = None
        hi = 0
        if ll is not None:
            got = [x for x in (ll if whole else ll[start:end]) if x]
            if got:
                lo, hi = min(got), max(got)
        terminfo.add_block(_Block(bids, bw, lo, hi, top))
        if values is None or fixed == 0:
            vs: Any = None
        elif fixed is None or fixed < 0:
            vs = tuple(values[start:end])
        else:
            vs = b"".join(values[start:end])
        bd = deltas if whole else deltas[start:end]  # (the caller's own copy)
        bd[0] = bids[0]  # each block's deltas start from 0 (whoosh3's delta_encode)
        databytes = dumps((tuple(bd), mini_w, vs), 2)
        comp = min(pw._compression, BLOCK_COMPRESSION) if len(databytes) >= SMALL_BLOCK else 0
        if comp:
            databytes = zlib.compress(databytes, comp)
        info = (end - start, bids[-1], top, comp, length_to_byte(lo), length_to_byte(hi))
        infobytes = dumps(info, 2)
        size = len(infobytes) + len(databytes)
        postfile.write_int(-size if end == n else size)  # the last block: negative
        postfile.write(infobytes)
        postfile.write(databytes)
        pw._blockcount += 1
