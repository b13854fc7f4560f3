"""Property test: any title, note and tag text exports to every format without a crash and
without a partial file; the JSON backup carries them back exactly."""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.errors import BadTagName, RefusedFile
from app.export import FORMATS, Selection, export
from app.library import Library
from tests.app.test_pageparse import ABSTRACT

LINE = st.text(
    st.characters(blacklist_categories=("Cs", "Zl", "Zp", "Cc")), min_size=1, max_size=80
)


@settings(deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(title=LINE, note=st.text(max_size=300), tag=LINE)
def test_any_text_exports_cleanly_to_every_format(title, note, tag):
    with tempfile.TemporaryDirectory() as tmp, Library.open(Path(tmp) / "lib") as lib:
        try:
            result = lib.import_text(f"{title}\n{ABSTRACT}\n")
        except RefusedFile:
            assume(False)
        (pid,) = result.paper_ids
        lib.set_note(pid, note)
        try:
            lib.add_tags([pid], [tag])
        except BadTagName:
            pass
        paper = lib.get(pid)
        for fmt in FORMATS:
            dest = Path(tmp) / f"out.{fmt}"
            export(lib, Selection(), fmt, dest)
            assert dest.stat().st_size > 0
        assert sorted(p.name for p in Path(tmp).iterdir() if p.name.startswith("out")) == sorted(
            f"out.{fmt}" for fmt in FORMATS
        )
        data = json.loads((Path(tmp) / "out.json").read_text(encoding="utf-8"))
        (back,) = data["papers"]
        assert (back["title"], back["note"], back["tags"]) == (paper.title, note, paper.tags)
        with open(Path(tmp) / "out.csv", encoding="utf-8-sig", newline="") as fh:
            assert len(list(csv.DictReader(fh))) == 1
