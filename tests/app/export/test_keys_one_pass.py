"""Citation keys made in one pass (issue 12) are exactly the keys the first algorithm made:
the same base many times (past the 702 letter suffixes), stored keys taking suffixes (in
any case), one base's candidate being another's base, non-ASCII names, no authors, damaged
author lists, no year — asked for a part of the library first, then for all of it."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from datetime import date, datetime, timezone
from itertools import count

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.export import keys
from app.export.keys import _SUFFIXES, base_key
from app.library import Library
from app.store.records import json_list
from db import CitationKey, Paper, read_session, write_session


def old_ensure(s: Session, ids: Sequence[int]) -> dict[int, str]:
    """The first algorithm (a first-free search per paper, chunked reads), reading and
    storing the keys in their own table (0009)."""
    have: dict[int, str] = {}
    missing: list[int] = []
    for start in range(0, len(ids), 20_000):
        chunk = list(ids[start : start + 20_000])
        stmt = select(Paper.id, CitationKey.key).outerjoin(CitationKey).where(Paper.id.in_(chunk))
        for pid, key in s.execute(stmt):
            if key is None:
                missing.append(pid)
            else:
                have[pid] = key
    if not missing:
        return have
    taken = {k.lower() for k in s.scalars(select(CitationKey.key))}
    made: list[dict[str, object]] = []
    missing.sort()
    for start in range(0, len(missing), 20_000):
        chunk = missing[start : start + 20_000]
        rows = s.execute(
            select(Paper.id, Paper.authors, Paper.published, Paper.title).where(Paper.id.in_(chunk))
        ).all()
        for pid, authors, published, title in sorted(rows):
            base = base_key(json_list(authors), published, title)
            key = next(
                (base + x for x in _SUFFIXES if (base + x).lower() not in taken),
                None,
            ) or next(f"{base}{n}" for n in count(1) if f"{base}{n}".lower() not in taken)
            taken.add(key.lower())
            have[pid] = key
            made.append({"paper_id": pid, "key": key})
    if made:
        s.execute(insert(CitationKey), made)
    return have


STORED = {  # keys given by hand before any was made: the made ones must step round them
    "tian2024scicodeb": 5001,
    "TIAN2024SCICODED": 5002,  # keys are unique without regard to case
    "tian2024scicode1": 5003,  # a numbered candidate, past the letters
    "smith2023aa": 5004,  # smith2023's 27th candidate, and another paper's own base
    "anon": 5005,
}


def _rows() -> list[dict]:
    now = datetime(2025, 1, 1, tzinfo=timezone.utc)
    specs: list[tuple[str | None, date | None, str]] = []
    specs += [
        (json.dumps(["Minyang Tian"]), date(2024, 7, 1), f"SciCode: part {i}") for i in range(760)
    ]
    specs += [
        (json.dumps(["Anna Smith", "B Other"]), date(2023, 1, 2), f"The {i}") for i in range(40)
    ]
    specs += [(json.dumps(["Anna Smith"]), date(2023, 3, 3), f"Aa again {i}") for i in range(3)]
    specs += [
        (json.dumps(["José Müller"]), date(2022, 5, 5), "Über Modelle 1"),
        (json.dumps(["Jose Muller"]), date(2022, 5, 6), "Uber Modelle 2"),
        (json.dumps(["Łukasz Nowak"]), None, "Ωmega Ωmega"),
        (json.dumps(["张伟"]), date(2021, 1, 1), "日本語の論文"),
        (json.dumps(["Team 42"]), date(2020, 2, 2), "Numbers first"),
        (json.dumps(["Ludwig van Beethoven"]), None, "On the Ninth"),
        (json.dumps(["Martin Luther King Jr."]), date(1963, 8, 28), "A Dream"),
        (json.dumps(["   "]), date(2024, 1, 1), "Blank author"),
        (None, None, "No authors at all"),
        ("[]", date(2024, 1, 1), "An empty list"),
        ("not json", date(2024, 1, 1), "Damaged authors"),
        (None, None, "2024"),
        (None, None, "the of and"),
    ]
    specs += [(None, None, f"anon {i}") for i in range(30)]
    specs += [(json.dumps(["A" * 80 + " " + "B" * 80]), date(2024, 1, 1), "W" * 50 + " long")]
    ids = random.Random(12).sample(range(1, 20_000), len(specs))  # added order is not id order
    out = []
    for pid, (authors, published, title) in zip(ids, specs, strict=True):
        out.append(
            {
                "id": pid,
                "title": title,
                "title_key": f"{title.casefold()}#{pid}",
                "authors": authors,
                "published": published,
                "added_at": now,
                "updated_at": now,
            }
        )
    for key, pid in STORED.items():
        out.append(
            {
                "id": pid,
                "title": f"Stored {key}",
                "title_key": f"stored {key}".casefold(),
                "added_at": now,
                "updated_at": now,
            }
        )
    return out


def _library(path) -> Library:
    lib = Library.open(path)
    with write_session(lib.engine) as s:
        s.execute(insert(Paper), _rows())
        s.execute(insert(CitationKey), [{"paper_id": i, "key": k} for k, i in STORED.items()])
    return lib


def _keys(lib: Library) -> dict[int, str | None]:
    with read_session(lib.engine) as s:
        rows = s.execute(select(Paper.id, CitationKey.key).outerjoin(CitationKey))
        return {pid: key for pid, key in rows}


@pytest.mark.parametrize("by_id", [20_000, 1], ids=["asked-by-id", "keyless-scan"])
def test_one_pass_keys_equal_the_first_algorithms(tmp_path, monkeypatch, by_id):
    monkeypatch.setattr(keys, "_BY_ID", by_id)  # both ways of reading the keyless papers
    old, new = _library(tmp_path / "old"), _library(tmp_path / "new")
    try:
        every = sorted(_keys(old))
        part = every[::3] + [999_999]  # an unknown id is left out
        for ask in (part, every):
            want, _ = old.store.write(lambda s, ask=ask: old_ensure(s, ask), derived=True)
            got, _ = new.store.write(lambda s, ask=ask: keys.ensure(s, ask), derived=True)
            assert got == want
            assert _keys(new) == _keys(old)
        made = _keys(new)
        assert None not in made.values() and len({k.lower() for k in made.values()}) == len(made)
        assert sum(k.lower().startswith("tian2024scicode") for k in made.values()) == 760 + 3
        assert "tian2024scicode50" in made.values()  # past zz: numbered
        assert "muller2022uber" in made.values() and "muller2022ubera" in made.values()
        assert "p422020numbers" in made.values()
    finally:
        old.close()
        new.close()


@pytest.mark.parametrize("fmt", ["biblatex", "csl-json", "ris"])
def test_first_export_writes_the_keys_it_stores(tmp_path, fmt):
    """The first export makes and stores the keys: its file holds exactly the stored keys,
    as a repeat export (which makes none) does."""
    from app.export import Selection, export

    lib = _library(tmp_path / "lib")
    try:
        first, again = tmp_path / f"first.{fmt}", tmp_path / f"again.{fmt}"
        export(lib, Selection(), fmt, first)
        stored = _keys(lib)
        assert None not in stored.values()
        export(lib, Selection(), fmt, again)
        assert first.read_text(encoding="utf-8") == again.read_text(encoding="utf-8")
        text = first.read_text(encoding="utf-8")
        assert all(key in text for key in stored.values())
    finally:
        lib.close()


def test_a_first_export_whose_keys_cannot_be_stored_writes_nothing(tmp_path):
    """Storing the keys fails (a trigger refuses them): the export raises, no file is
    left, and no key is stored — nothing half-written."""
    from sqlalchemy import text

    from app.export import Selection, export

    lib = _library(tmp_path / "lib")
    try:
        with write_session(lib.engine) as s:
            s.execute(
                text(
                    "CREATE TRIGGER no_keys BEFORE INSERT ON citation_keys "
                    "BEGIN SELECT RAISE(ABORT, 'keys refused'); END"
                )
            )
        dest = tmp_path / "refs.bib"
        with pytest.raises(Exception, match="keys refused"):
            export(lib, Selection(), "biblatex", dest)
        assert not dest.exists() and not list(tmp_path.glob(".refs.bib.*"))
        assert set(_keys(lib).values()) == set(STORED) | {None}
    finally:
        lib.close()
