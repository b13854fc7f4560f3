"""Flat posting arrays beside a segment, memory-mapped, so that a query seen for the first
time reads arrays instead of decoding Whoosh's pickled posting blocks in Python.

Written by the bulk writer (fastwrite.py) for its positional text fields when it writes a
segment, and from Whoosh's postings for other segments (``fast.write_sidecar``, after a
commit). Whoosh's files stay the index of record. Files (``<segment id>.pdk_*``: Whoosh
removes them with their segment, our clean-up treats them as the segment's):

- ``pdk_docs.npy`` int32, ``pdk_tf.npy`` float32: every posting's docnum and term
  frequency (Whoosh's weight), term after term, docnums ascending within a term;
- ``pdk_pos.npy`` uint32: every posting's word positions, in the same order;
- ``pdk_terms.npy`` int64 (T, 3), sorted by ``pdk_keys.npy`` (uint64 hashes of field and
  term): each term's first posting, its number of postings and its first position;
- ``pdk_meta.json``, written last: the format version, the segment id, the counts, the
  stamp (the sizes of the segment's ``.trm`` and ``.pst`` files it was derived from).

Derived data, and distrusted: a sidecar whose meta or array shapes do not match its segment
is ignored; each term read is checked against Whoosh's own document frequency for it and
for order and range, and any mismatch sends the whole segment back to Whoosh's decoding
(fast.py). A missing or broken sidecar only costs speed, never a result.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterable
from hashlib import blake2b
from typing import Any

import numpy as np

_log = logging.getLogger(__name__)

VERSION = 1
PREFIX = ".pdk_"  # after the segment id: Whoosh's segment file pattern matches it
ARRAYS = ("docs", "tf", "pos", "keys", "terms")


def key(field: str, term: bytes) -> int:
    """The 64-bit hash of a (field, term bytes) pair (stable across processes)."""
    return int.from_bytes(blake2b(field.encode("utf-8") + b"\0" + term, digest_size=8).digest())


def _name(segid: str, what: str) -> str:
    return f"{segid}{PREFIX}{what}" + (".json" if what == "meta" else ".npy")


class Writer:
    """Streams the fields of one segment into the sidecar's files, a batch of terms at a
    time (memory: one batch, not a second copy of the postings); ``finish`` writes the
    small tables and the meta. A failure leaves no sidecar, and never fails the segment."""

    def __init__(self, folder: str | None, segid: str) -> None:
        self.folder = folder
        self.segid = segid
        self.keys: list[int] = []
        self.counts: list[int] = []
        self.pos_counts: list[int] = []
        self.sizes = {"docs": 0, "tf": 0, "pos": 0}
        self.raw: dict[str, Any] = {}
        # this process's own file names: two processes may write one segment's sidecar
        self._raw = f".{os.getpid()}.raw"
        self._tmp = f".{os.getpid()}.tmp"
        if folder is not None:
            try:
                for what in self.sizes:
                    self.raw[what] = open(self._path(what, self._raw), "wb")  # noqa: SIM115
            except OSError as exc:
                self._fail(exc)

    def _path(self, what: str, ext: str) -> str:
        assert self.folder is not None
        return os.path.join(self.folder, f"{self.segid}{PREFIX}{what}{ext}")

    def _fail(self, exc: BaseException) -> None:
        _log.warning("search index sidecar of %s not written: %s", self.segid, exc)
        self.discard()

    def discard(self) -> None:
        for f in self.raw.values():
            f.close()
        self.raw = {}
        if self.folder is not None:
            for what in (*ARRAYS, "meta"):
                for ext in (self._raw, self._tmp, ".npy", ".json"):
                    try:
                        os.unlink(self._path(what, ext))
                    except OSError:
                        pass
        self.folder = None

    def add_arrays(
        self, keys: list[int], counts: Any, pos_counts: Any, docs: Any, tf: Any, pos: Any
    ) -> None:
        """Many terms' postings laid end to end: ``keys`` (see ``key``), each term's number
        of postings and of positions, then every posting's docnum, frequency, positions."""
        if self.folder is None or not keys:
            return
        try:
            self._write(docs, tf, pos)
            self.keys += keys
            self.counts += np.asarray(counts, dtype=np.int64).tolist()
            self.pos_counts += np.asarray(pos_counts, dtype=np.int64).tolist()
        except Exception as exc:
            self._fail(exc)

    def _write(self, docs: Any, tf: Any, pos: Any) -> tuple[Any, Any]:
        """Append postings' docnums, frequencies and positions; returns docs and positions."""
        d = np.asarray(docs, dtype=np.int32)
        t = np.asarray(tf, dtype=np.float32)
        q = np.asarray(pos, dtype=np.uint32)
        self.raw["docs"].write(d.tobytes())
        self.raw["tf"].write(t.tobytes())
        self.raw["pos"].write(q.tobytes())
        self.sizes["docs"] += len(d)
        self.sizes["tf"] += len(t)
        self.sizes["pos"] += len(q)
        return d, q

    def add_term(self, field: str, term: bytes, docs: Any, tf: Any, pos: Any) -> None:
        """One term's postings given whole (docnums ascending, positions in posting order)."""
        if self.folder is None:
            return
        try:
            d, q = self._write(docs, tf, pos)
            self.keys.append(key(field, term))
            self.counts.append(len(d))
            self.pos_counts.append(len(q))
        except Exception as exc:
            self._fail(exc)

    def finish(self, doc_count: int) -> None:
        """Write the files (the meta last: without it the rest is ignored)."""
        if self.folder is None:
            return
        if not self.keys:
            self.discard()
            return
        try:
            self._finish(doc_count)
        except Exception as exc:
            self._fail(exc)

    def _finish(self, doc_count: int) -> None:
        assert self.folder is not None
        keys = np.asarray(self.keys, dtype=np.uint64)
        counts = np.asarray(self.counts, dtype=np.int64)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        pcounts = np.asarray(self.pos_counts, dtype=np.int64)
        pstarts = np.concatenate(([0], np.cumsum(pcounts)[:-1]))
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        dup = np.flatnonzero(keys[1:] == keys[:-1])
        table = np.stack([starts, counts, pstarts], axis=1)[order]
        if len(dup):  # two terms with one hash: neither is read from here (Whoosh serves them)
            drop = np.union1d(dup, dup + 1)
            keys = np.delete(keys, drop)
            table = np.delete(table, drop, axis=0)
        dtypes = {"docs": np.int32, "tf": np.float32, "pos": np.uint32}
        for what, dtype in dtypes.items():
            self.raw[what].close()
            header = {
                "descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
                "fortran_order": False,
                "shape": (self.sizes[what],),
            }
            # each file whole or absent (two processes may write one segment's sidecar)
            tmp = self._path(what, self._tmp)
            with open(tmp, "wb") as out:
                np.lib.format.write_array_header_1_0(out, header)
                with open(self._path(what, self._raw), "rb") as raw:
                    shutil.copyfileobj(raw, out, 1 << 20)
            os.replace(tmp, self._path(what, ".npy"))
            os.unlink(self._path(what, self._raw))
        self.raw = {}
        for what, arr in (("keys", keys), ("terms", table)):
            tmp = self._path(what, self._tmp)
            with open(tmp, "wb") as f:
                np.save(f, arr, allow_pickle=False)
            os.replace(tmp, self._path(what, ".npy"))
        shapes = {what: [n] for what, n in self.sizes.items()}
        shapes.update(keys=list(keys.shape), terms=list(table.shape))
        meta = {
            "version": VERSION,
            "segment": self.segid,
            "docs": doc_count,
            "stamp": stamp(self.folder, self.segid),
            "shapes": shapes,
        }
        path = self._path("meta", ".json")
        tmp = self._path("meta", self._tmp)
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(meta, f)
        os.replace(tmp, path)


class Sidecar:
    """One segment's memory-mapped arrays (see the module's docstring)."""

    def __init__(self, arrays: dict[str, np.ndarray], n: int) -> None:
        self.docs = arrays["docs"]
        self.tf = arrays["tf"]
        self.pos = arrays["pos"]
        self.keys = arrays["keys"]
        self.terms = arrays["terms"]
        self.n = n
        self.broken = False

    def find(self, field: str, term: bytes, df: int) -> tuple[np.ndarray, np.ndarray, int] | None:
        """(docnums, term frequencies, first position) of a term, or None when the sidecar
        does not hold it (or holds something else than Whoosh's ``df`` postings)."""
        if self.broken:
            return None
        h = key(field, term)
        i = int(np.searchsorted(self.keys, h))
        if i >= len(self.keys) or int(self.keys[i]) != h:
            return None
        start, count, pstart = (int(x) for x in self.terms[i])
        if count != df or start < 0 or start + count > len(self.docs):
            self._distrust(f"term count {count} != {df}")
            return None
        docs = self.docs[start : start + count]
        tf = self.tf[start : start + count]
        if count and (
            int(docs[0]) < 0
            or int(docs[-1]) >= self.n
            or (count > 1 and not bool(np.all(docs[1:] > docs[:-1])))
            or pstart < 0
            or pstart + int(tf.sum()) > len(self.pos)
        ):
            self._distrust("postings out of order or range")
            return None
        return docs, tf, pstart

    def _distrust(self, why: str) -> None:
        _log.warning("search index sidecar ignored (%s); decoding Whoosh's postings", why)
        self.broken = True


def stamp(folder: str, segid: str) -> dict[str, int]:
    """The sizes of the segment's Whoosh term and posting files: a sidecar derived from
    other files than these is stale."""
    out = {}
    for ext in ("trm", "pst"):
        try:
            out[ext] = os.path.getsize(os.path.join(folder, f"{segid}.{ext}"))
        except OSError:
            out[ext] = -1
    return out


def load(folder: str | None, segid: str, n: int) -> Sidecar | None:
    """The sidecar of segment ``segid`` (``n`` documents) in ``folder``, or None when it is
    missing, of another version, or does not match the segment."""
    if folder is None:
        return None
    try:
        with open(os.path.join(folder, _name(segid, "meta")), encoding="utf-8") as f:
            meta = json.load(f)
        if (
            not isinstance(meta, dict)
            or meta.get("version") != VERSION
            or meta.get("segment") != segid
            or meta.get("docs") != n
        ):
            return None
        if meta.get("stamp") != stamp(folder, segid):
            _log.warning("search index sidecar of %s is stale; decoding Whoosh's postings", segid)
            return None
        arrays = {}
        for what in ARRAYS:
            arr = np.load(os.path.join(folder, _name(segid, what)), mmap_mode="r")
            if list(arr.shape) != meta["shapes"][what]:
                return None
            arrays[what] = arr
        want = {"docs": np.int32, "tf": np.float32, "pos": np.uint32, "keys": np.uint64}
        if any(arrays[w].dtype != t for w, t in want.items()) or arrays["terms"].dtype != np.int64:
            return None
        if arrays["terms"].ndim != 2 or len(arrays["docs"]) != len(arrays["tf"]):
            return None
        return Sidecar(arrays, n)
    except FileNotFoundError:
        return None
    except Exception as exc:  # damaged: Whoosh's postings serve this segment
        _log.warning("search index sidecar of %s ignored: %s", segid, exc)
        return None


def names(segid: str) -> Iterable[str]:
    return [_name(segid, w) for w in (*ARRAYS, "meta")]
