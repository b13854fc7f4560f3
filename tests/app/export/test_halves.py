"""A large export formatted by two processes (``app.export.halves``) is byte for byte the
export one process writes, in every entry format, and a worker that cannot start or fails
costs only time. The threshold is lowered so the seeded library (323 papers) splits."""

from __future__ import annotations

import json
import sys

import pytest

from app.export import export, halves
from app.export.selection import Selection

ENTRY_FORMATS = ("bibtex", "biblatex", "csl-json", "ris")


def _export(lib, fmt, path, min_papers, monkeypatch) -> bytes:
    monkeypatch.setattr(halves, "MIN_PAPERS", min_papers)
    export(lib, Selection(), fmt, path)
    return path.read_bytes()


@pytest.mark.parametrize("fmt", ENTRY_FORMATS)
def test_two_processes_write_what_one_writes(seeded, tmp_path, monkeypatch, fmt):
    one = _export(seeded, fmt, tmp_path / "one", 10**9, monkeypatch)
    two = _export(seeded, fmt, tmp_path / "two", 10, monkeypatch)
    assert two == one
    assert _entries(fmt, one) == seeded.count() > 300  # every paper, not a part


def _entries(fmt: str, text: bytes) -> int:
    if fmt == "csl-json":
        return len(json.loads(text))
    if fmt == "ris":
        return text.count(b"\nER  - ")
    return text.count(b"\n}\n")


def test_a_worker_that_cannot_start_costs_only_time(seeded, tmp_path, monkeypatch):
    one = _export(seeded, "bibtex", tmp_path / "one", 10**9, monkeypatch)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    assert _export(seeded, "bibtex", tmp_path / "two", 10, monkeypatch) == one


def test_a_worker_that_fails_costs_only_time(seeded, tmp_path, monkeypatch, caplog):
    one = _export(seeded, "csl-json", tmp_path / "one", 10**9, monkeypatch)
    monkeypatch.setenv("PYTHONHOME", str(tmp_path / "nowhere"))  # its interpreter cannot start
    assert _export(seeded, "csl-json", tmp_path / "two", 10, monkeypatch) == one
    assert "export worker failed" in caplog.text


def test_the_split_keeps_the_selections_order(seeded, tmp_path, monkeypatch):
    ids = sorted(seeded.paper_ids())[::-1][:50]  # an explicit, reversed order
    monkeypatch.setattr(halves, "MIN_PAPERS", 10)
    export(seeded, Selection(ids=tuple(ids)), "csl-json", tmp_path / "x.json")
    keys = [item["id"] for item in json.loads((tmp_path / "x.json").read_text())]
    made = seeded.citation_keys(ids)
    assert keys == [made[i] for i in ids]
