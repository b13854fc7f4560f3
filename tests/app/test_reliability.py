"""Crash safety, concurrent writers, backups, hostile surroundings — done for real:
subprocesses killed with SIGKILL, two processes racing, a disk that fills up."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event

from app import maintenance
from app.errors import LibraryError
from app.library import Library
from app.locking import WindowLock
from app.records import utcnow
from db import Meta, write_session
from tests.bench.synth import write_page
from tests.conftest import SEED_AS_OF, SEEDS

N_CRASH = 20_000


def cli(lib: Path, *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "app", "--library", str(lib), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


@pytest.fixture(scope="module")
def big_page(tmp_path_factory) -> Path:
    return write_page(tmp_path_factory.mktemp("pages") / "big.txt", N_CRASH, seed=7)


def integrity(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


@pytest.mark.parametrize("attempt", range(3))
def test_sigkill_during_import_leaves_all_or_nothing(tmp_path, big_page, attempt):
    lib_dir = tmp_path / "lib"
    Library.open(lib_dir).close()  # created and migrated: the kill hits the import itself
    proc = cli(lib_dir, "import", str(big_page), "--as-of", "2025-10-30")
    delay = random.Random(attempt).uniform(0.3, 3.0)
    try:
        proc.wait(timeout=delay)  # returns early if the import finished first
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
    proc.communicate()
    integrity(lib_dir / "library.sqlite")
    with Library.open(lib_dir) as lib:
        assert lib.count() in (0, N_CRASH)
        report = maintenance.check(lib)
        assert report.ok, report.problems
        again = lib.import_file(big_page, as_of=SEED_AS_OF)
        assert again.status == "imported" and lib.count() == N_CRASH


def test_two_imports_started_together_both_succeed(tmp_path, big_page):
    lib_dir = tmp_path / "lib"
    Library.open(lib_dir).close()
    a = cli(lib_dir, "import", str(big_page), "--json")
    b = cli(lib_dir, "import", str(SEEDS["001"]), str(SEEDS["003"]), "--json")
    out_a, err_a = a.communicate(timeout=300)
    out_b, err_b = b.communicate(timeout=300)
    assert (a.returncode, err_a) == (0, "") and (b.returncode, err_b) == (0, "")
    assert json.loads(out_a)["new"] == N_CRASH
    with Library.open(lib_dir) as lib:
        assert lib.count() == N_CRASH + 323


def test_cli_writes_while_a_window_holds_the_library(seeded):
    with WindowLock(seeded.path):
        with pytest.raises(LibraryError, match="already open in another Paperdesk window"):
            WindowLock(seeded.path).acquire()
        done = subprocess.run(
            [sys.executable, "-m", "app", "--library", str(seeded.path), "star", "1"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    assert seeded.get(1).starred
    WindowLock(seeded.path).acquire().release()  # free again once the window closed


def test_backup_on_demand_daily_and_rotation(seeded):
    copies = [maintenance.backup(seeded) for _ in range(maintenance.BACKUPS_KEPT + 2)]
    kept = sorted((seeded.path / "backups").glob("library-*.sqlite"))
    assert len(kept) == maintenance.BACKUPS_KEPT and copies[-1] in kept
    with sqlite3.connect(copies[-1]) as conn:
        assert conn.execute("SELECT count(*) FROM papers").fetchone() == (323,)
    # A day later, opening the library takes a daily backup.
    with write_session(seeded.engine) as s:
        s.merge(Meta(key="last_backup", value=(utcnow() - timedelta(days=2)).isoformat()))
    with Library.open(seeded.path):
        pass
    assert len(list((seeded.path / "backups").glob("*-daily.sqlite"))) == 1


def test_backup_command_and_restore(tmp_path, capsys):
    from app.cli import main

    lib_dir = tmp_path / "lib"
    assert main(["--library", str(lib_dir), "import", str(SEEDS["001"])]) == 0
    capsys.readouterr()
    assert main(["--library", str(lib_dir), "backup"]) == 0
    copy = Path(capsys.readouterr().out.strip())
    # Restore as README says: copy the backup over library.sqlite while Paperdesk is closed.
    restored = tmp_path / "restored"
    restored.mkdir()
    (restored / "library.sqlite").write_bytes(copy.read_bytes())
    with Library.open(restored) as lib:
        assert lib.count() == 248


def test_disk_full_is_a_clear_refusal_and_nothing_is_corrupted(seeded, tmp_path, big_page):
    page_count = sqlite3.connect(seeded.db_path).execute("PRAGMA page_count").fetchone()[0]

    # The database file cannot grow by more than a few pages: SQLite's own "disk full".
    @event.listens_for(seeded.engine, "connect")
    def _cap(dbapi_conn, _record):
        dbapi_conn.execute(f"PRAGMA max_page_count = {page_count + 20}")

    seeded.engine.dispose()
    result = seeded.import_file(big_page, as_of=SEED_AS_OF)
    assert result.status == "refused" and "full" in result.reason
    event.remove(seeded.engine, "connect", _cap)
    seeded.engine.dispose()
    assert seeded.count() == 323
    integrity(seeded.db_path)


def test_check_finds_and_reports_a_corrupt_database(seeded, capsys):
    from app.cli import main

    path = seeded.path
    seeded.close()
    db = path / "library.sqlite"
    with sqlite3.connect(db) as conn:  # fold the WAL in, then damage a page in the middle
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(db.read_bytes())
    page = 4096
    for start in range(len(data) // 2 // page * page, len(data), page * 7):
        data[start : start + 12] = b"\x0d\xff\xff\x7f\xff" + b"\xff" * 7  # b-tree headers
    assert len(data) > 40 * page
    db.write_bytes(bytes(data))
    code = main(["--library", str(path), "check"])
    out, err = capsys.readouterr()
    assert code in (1, 2), (out, err)
    assert "Traceback" not in out + err
    assert ("problem" in out) or ("library" in err)


def test_a_second_window_on_the_same_library_is_refused(seeded):
    with WindowLock(seeded.path):  # as the first window holds it
        done = subprocess.run(
            [sys.executable, "-m", "app", "--library", str(seeded.path), "gui"],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"paperdesk: {seeded.path}: this library is already open in another Paperdesk window "
        f"(pid {os.getpid()}); switch to that window or close it first"
    ]


def test_read_only_library_folder_is_a_clear_message_and_nothing_changes(seeded):
    """The folder and file made immutable (``chattr +i``): read-only even for root."""
    import shutil

    lib_dir = seeded.path
    seeded.close()
    db = lib_dir / "library.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = db.read_bytes()
    targets = [str(db), str(lib_dir)]
    if not shutil.which("chattr") or subprocess.run(["chattr", "+i", *targets]).returncode:
        pytest.skip("this file system cannot make a folder read-only for root (chattr +i)")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "app", "--library", str(lib_dir), "star", "1"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        subprocess.run(["chattr", "-i", *targets], check=True)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"paperdesk: {lib_dir}: the library folder is read-only; Paperdesk needs to write "
        "there (fix its permissions, or copy the library to a writable folder)"
    ]
    assert db.read_bytes() == before
