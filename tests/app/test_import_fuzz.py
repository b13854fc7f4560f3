"""Property tests: mutated pages and random bytes import or are refused cleanly — never a
crash, never a half-written file. `HYPOTHESIS_PROFILE=long pytest ...` runs longer."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.library import Library
from tests.conftest import SEED_AS_OF, SEEDS

SEED_LINES = SEEDS["003"].read_text(encoding="utf-8").splitlines()[:120]
JUNK = st.sampled_from(
    [
        "",
        "·",
        "•",
        "  • 3 authors",
        "Oct 30",
        "Feb 30, 2024 9",
        "Subscribe",
        "Daily Papers",
        "spiralworks Spiral Works",
        "\u00a0",
        "\ufeff",
        "<html>",
        "{",
        "\x00",
        "\r",
        "Jul 24 2",
    ]
)
OPS = st.lists(
    st.tuples(
        st.sampled_from(["delete", "duplicate", "swap", "insert", "replace", "truncate"]),
        st.integers(min_value=0, max_value=len(SEED_LINES) - 1),
        st.one_of(JUNK, st.text(max_size=40)),
    ),
    max_size=12,
)


def mutate(ops) -> str:
    lines = list(SEED_LINES)
    for op, i, text in ops:
        i %= max(1, len(lines))
        if not lines:
            lines.append(text)
        elif op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        elif op == "insert":
            lines.insert(i, text)
        elif op == "replace":
            lines[i] = text
        elif op == "truncate":
            lines[i] = lines[i][: len(text)]
    return "\n".join(lines)


def state(db: Path):
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT count(*), coalesce(max(seq), 0) FROM changes"
        ).fetchone(), conn.execute("SELECT count(*) FROM papers").fetchone()


def check_clean(lib: Library, path: Path) -> None:
    before = state(lib.db_path)
    result = lib.import_file(path, as_of=SEED_AS_OF)
    assert result.status in ("imported", "refused")
    if result.status == "refused":
        assert result.reason and "\n" not in result.reason
        assert state(lib.db_path) == before
    else:
        assert result.new + result.merged + result.unchanged > 0
    with sqlite3.connect(lib.db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(ops=OPS, encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]), crlf=st.booleans())
def test_mutated_pages_import_or_refuse_cleanly(ops, encoding, crlf):
    text = mutate(ops)
    if crlf:
        text = text.replace("\n", "\r\n")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.txt"
        path.write_bytes(text.encode(encoding, "surrogatepass"))
        with Library.open(Path(tmp) / "lib") as lib:
            check_clean(lib, path)


@FUZZ
@given(data=st.binary(max_size=4096))
def test_random_bytes_import_or_refuse_cleanly(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "random.bin"
        path.write_bytes(data)
        with Library.open(Path(tmp) / "lib") as lib:
            check_clean(lib, path)
