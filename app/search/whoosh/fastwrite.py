"""A faster segment writer for bulk indexing (whoosh-reloaded 2.7.5, pinned exactly).

Whoosh's ``SegmentWriter`` sends every posting through a size-accounting pool that pickles
and sorts tuples, then looks up each posting's field length through three layers of column
readers. For bulk work we keep postings grouped by term in memory (bounded: the caller
starts a new segment every ``SEGMENT_DOCS`` documents) and write them with the field
lengths read once into lists. Same codec, same files: readers cannot tell the difference.
"""

from __future__ import annotations

from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

SEGMENT_DOCS = 25_000  # documents per segment in bulk mode (bounds the memory used)


class _TermPool:
    """Postings grouped by (field, term), in document order as they arrive."""

    def __init__(self) -> None:
        self.fieldnames: set[str] = set()
        self.postings: dict[tuple[str, bytes], list[tuple[int, float, bytes | None]]] = {}

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, tbytes, docnum, weight, vbytes = item
        key = (fieldname, tbytes)
        bucket = self.postings.get(key)
        if bucket is None:
            self.postings[key] = [(docnum, weight, vbytes)]
            self.fieldnames.add(fieldname)
        else:
            bucket.append((docnum, weight, vbytes))

    def cleanup(self) -> None:
        self.postings = {}


class BulkSegmentWriter(SegmentWriter):
    """``SegmentWriter`` with an in-memory term pool and a direct postings write."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        self.pool.cleanup()  # the PostingPool SegmentWriter made, replaced by ours
        self.pool: Any = _TermPool()

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        pdr = self.per_document_reader()
        fw = self.fieldwriter
        schema = self.schema
        pool: _TermPool = self.pool  # type: ignore[assignment]
        lengths: dict[str, list[int]] = {}
        table = [byte_to_length(i) for i in range(256)]
        current = None
        for fieldname, tbytes in sorted(pool.postings):
            if fieldname != current:
                if current is not None:
                    fw.finish_field()
                current = fieldname
                fw.start_field(fieldname, schema[fieldname])
                col = pdr._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
                lengths[fieldname] = [table[b] for b in col] if col is not None else []
            lens = lengths[fieldname]
            fw.start_term(tbytes)
            add = fw.add
            for docnum, weight, vbytes in pool.postings[(fieldname, tbytes)]:
                add(docnum, weight, vbytes or b"", lens[docnum] if lens else 0)
            fw.finish_term()
        if current is not None:
            fw.finish_field()
        fw.close()
        pdr.close()
        pool.cleanup()
