"""A faster segment writer for bulk indexing (whoosh-reloaded 2.7.5, pinned exactly).

Whoosh's ``SegmentWriter`` analyses each field through generator stages and sends every
posting through a size-accounting pool that pickles and sorts tuples (~140 bytes a posting
held in memory), then looks up each posting's field length through three layers of column
readers. For bulk work the text fields with positions are tokenized here in one regex pass
per field, and each term's postings are kept packed in one ``array`` (docnum, count,
positions: ~12 bytes a posting), encoded to Whoosh's ``Positions`` bytes only when the
segment is written, with the field lengths read once into lists. Other fields take
Whoosh's own analysis. Same codec, same files: readers cannot tell the difference
(tests/app/search/test_contracts.py compares them with the stock writer's).
"""

from __future__ import annotations

from array import array
from pickle import dumps
from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.formats import Positions
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from app.search.whoosh import sidecar
from app.search.whoosh.schema import ANALYZER

SEGMENT_DOCS = 50_000  # documents per segment in bulk mode (bounds the memory used)


class _TermPool:
    """Postings grouped by (field, term), in document order as they arrive: packed
    ``array("I")`` of (docnum, count, positions...) for positional text fields, lists of
    (docnum, weight, value bytes) for the rest."""

    def __init__(self) -> None:
        self.fieldnames: set[str] = set()
        self.postings: dict[tuple[str, bytes], list[tuple[int, float, bytes | None]]] = {}
        self.packed: dict[tuple[str, str], array] = {}

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
        gap) and add its postings; the field length (the number of words)."""
        stops = ANALYZER.stops
        words: dict[str, list[int]] = {}
        pos = 0
        for tok in ANALYZER.expression.findall(text):
            w = tok.lower()
            if w in stops:
                continue
            got = words.get(w)
            if got is None:
                words[w] = [pos]
            else:
                got.append(pos)
            pos += 1
        packed = self.packed
        for w, poses in words.items():
            key = (fieldname, w)
            bucket = packed.get(key)
            if bucket is None:
                bucket = packed[key] = array("I")
            bucket.append(docnum)
            bucket.append(len(poses))
            bucket.extend(poses)
        if words:
            self.fieldnames.add(fieldname)
        return pos

    def terms(self) -> list[tuple[str, bytes, Any]]:
        """Every (field, term bytes, bucket), in the order a segment is written."""
        out: list[tuple[str, bytes, Any]] = [(f, t, b) for (f, t), b in self.postings.items()]
        out += [(f, w.encode("utf-8"), b) for (f, w), b in self.packed.items()]
        out.sort(key=lambda x: (x[0], x[1]))
        return out

    def cleanup(self) -> None:
        self.postings = {}
        self.packed = {}


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


class BulkSegmentWriter(SegmentWriter):
    """``SegmentWriter`` with its own tokenizing, a packed term pool, a direct write."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        self.pool.cleanup()  # the PostingPool SegmentWriter made, replaced by ours
        self.pool: Any = _TermPool()
        self._fast = {name for name, field in self.schema.items() if _fast_field(field)}

    def add_document(self, **fields: Any) -> None:
        if any(name.startswith("_") for name in fields):
            return super().add_document(**fields)  # boosts or custom stored values
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        pool: _TermPool = self.pool
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
                if fieldname in self._fast and isinstance(value, str):
                    length = pool.add_text(fieldname, docnum, value)
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
        lengths: dict[str, list[int]] = {}
        table = [byte_to_length(i) for i in range(256)]
        current = None
        folder = getattr(self.storage, "folder", None) or None
        # the same postings as flat arrays (sidecar.py)
        flat = sidecar.Writer(folder, self.newsegment.segment_id())
        fb = sidecar.FieldBuilder()
        headers = array("q")
        try:
            for fieldname, tbytes, bucket in pool.terms():
                if fieldname != current:
                    if current is not None:
                        fw.finish_field()
                        flat.add_field(fb, headers)
                        fb, headers = sidecar.FieldBuilder(), array("q")
                    current = fieldname
                    fw.start_field(fieldname, schema[fieldname])
                    col = pdr._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
                    lengths[fieldname] = [table[b] for b in col] if col is not None else []
                lens = lengths[fieldname]
                fw.start_term(tbytes)
                if isinstance(bucket, array):
                    start = fb.add(fieldname, tbytes, bucket)
                    fb.counts.append(_write_packed(fw._postwriter, bucket, lens, headers, start))
                else:
                    add = fw.add
                    for docnum, weight, vbytes in bucket:
                        add(docnum, weight, vbytes or b"", lens[docnum] if lens else 0)
                fw.finish_term()
            if current is not None:
                fw.finish_field()
                flat.add_field(fb, headers)
            fw.close()
            pdr.close()
            pool.cleanup()
        except BaseException:
            flat.discard()
            raise
        flat.finish(self.docnum)


_ONE = [pack_uint(1) + dumps([p], 2) for p in range(1024)]  # most postings: one position


def _write_packed(pw: Any, bucket: array, lens: list[int], headers: array, base: int) -> int:
    """One term's packed postings, written as whole blocks: what ``add_posting`` does one
    posting at a time (the same block contents, statistics and block boundaries). Each
    posting's offset (``base`` + its place in ``bucket``) goes to ``headers``, for the
    sidecar; the number of postings."""
    ids: list[int] = []
    weights: list[float] = []
    values: list[bytes] = []
    i, end = 0, len(bucket)
    while i < end:
        docnum, n = bucket[i], bucket[i + 1]
        headers.append(base + i)
        ids.append(docnum)
        weights.append(float(n))
        if n == 1 and bucket[i + 2] < 1024:
            values.append(_ONE[bucket[i + 2]])
        else:
            poses = bucket[i + 2 : i + 2 + n]
            deltas = [poses[0]] + [poses[k] - poses[k - 1] for k in range(1, n)]
            values.append(pack_uint(n) + dumps(deltas, 2))  # Positions.encode
        i += 2 + n
    limit = pw._blocklimit
    for start in range(0, len(ids), limit):
        if start:
            pw._write_block()  # a full block, followed by more (as add_posting does)
            pw._new_block()
        chunk = ids[start : start + limit]
        pw._ids.extend(chunk)
        w = weights[start : start + limit]
        pw._weights.extend(w)
        pw._values.extend(values[start : start + limit])
        pw._maxweight = max(pw._maxweight, max(w))
        got = [lens[d] for d in chunk if lens[d]] if lens else []
        if got:
            lo = min(got)
            pw._minlength = lo if pw._minlength is None else min(pw._minlength, lo)
            pw._maxlength = max(pw._maxlength, max(got))
    return len(ids)
