"""Crash safety, concurrent writers, backups, hostile surroundings — done for real:
subprocesses killed with SIGKILL, two processes racing, a disk that fills up."""

from __future__ import annotations

import json
import os
import select
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

N_CRASH = 6_000  # more than one insert batch: a kill can fall between two batches


def cli(lib: Path, *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "app", "--library", str(lib), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


class Paused:
    """``python -m app ARG...`` run by ``tests.app.crashpoint``: it reports what it does to
    the database and stops at ``pause`` ("insert:2": after the second insert batch), where
    the test kills it or lets it go on."""

    def __init__(self, lib: Path, pause: str, *args: str) -> None:
        report_r, report_w = os.pipe()
        resume_r, self._resume = os.pipe()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.app.crashpoint", str(report_w), str(resume_r)]
            + [pause, "--", "--library", str(lib), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            pass_fds=(report_w, resume_r),
        )
        os.close(report_w)
        os.close(resume_r)
        self._report = report_r
        self._buffer = b""
        self.events: list[dict] = []

    def wait_for(self, **match: object) -> dict:
        """Read reports until one has ``match``'s items; fail if the command ends first."""
        while True:
            while b"\n" not in self._buffer:
                ready, _, _ = select.select([self._report], [], [], 120)
                assert ready, f"no report within 120 s while waiting for {match}"
                chunk = os.read(self._report, 65536)
                if not chunk:
                    out, err = self.proc.communicate(timeout=120)
                    raise AssertionError(f"the command ended before {match}: {out}{err}")
                self._buffer += chunk
            line, self._buffer = self._buffer.split(b"\n", 1)
            report = json.loads(line)
            self.events.append(report)
            if match.items() <= report.items():
                return report

    def resume(self) -> None:
        os.write(self._resume, b"\n")

    def finish(self, timeout: float = 300) -> tuple[str, str]:
        """Let it run to the end: its stdout and stderr."""
        os.close(self._resume)
        out, err = self.proc.communicate(timeout=timeout)
        while chunk := os.read(self._report, 65536):
            self._buffer += chunk
        self.events += [json.loads(line) for line in self._buffer.splitlines()]
        self._buffer = b""
        return out, err

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate()
        for fd in (self._report, self._resume):
            try:
                os.close(fd)
            except OSError:
                pass


@pytest.fixture
def paused():
    started: list[Paused] = []

    def start(lib: Path, pause: str, *args: str) -> Paused:
        started.append(Paused(lib, pause, *args))
        return started[-1]

    yield start
    for p in started:
        p.close()


@pytest.fixture(scope="module")
def big_page(tmp_path_factory) -> Path:
    return write_page(tmp_path_factory.mktemp("pages") / "big.txt", N_CRASH, seed=7)


def integrity(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


@pytest.mark.parametrize(
    ("kill_at", "kept"),
    [
        ("insert:1", 0),  # the first batch of papers written, the transaction still open
        ("insert:2", 0),  # every paper written, not yet committed
        ("commit:1", N_CRASH),  # committed; the search index has not seen the papers yet
    ],
)
def test_sigkill_during_import_leaves_all_or_nothing(tmp_path, big_page, paused, kill_at, kept):
    lib_dir = tmp_path / "lib"
    Library.open(lib_dir).close()  # created and migrated: the kill hits the import itself
    proc = paused(lib_dir, kill_at, "import", str(big_page), "--as-of", "2025-10-30")
    proc.wait_for(paused=kill_at.split(":")[0])
    proc.proc.send_signal(signal.SIGKILL)
    assert proc.proc.wait(timeout=60) == -signal.SIGKILL
    integrity(lib_dir / "library.sqlite")
    with Library.open(lib_dir) as lib:
        assert lib.count() == kept
        report = maintenance.check(lib)
        assert report.ok, report.problems
        again = lib.import_file(big_page, as_of=SEED_AS_OF)
        assert again.status == "imported" and lib.count() == N_CRASH
        assert (again.new, again.unchanged) == ((N_CRASH, 0) if kept == 0 else (0, N_CRASH))
        # The index follows the database: every paper is searchable, however the kill fell.
        last = lib.get(max(lib.paper_ids()))
        assert last.id in lib.search(f'"{last.title}"', limit=5).ids
        assert maintenance.check(lib).ok


def test_two_imports_started_together_both_succeed(tmp_path, big_page, paused):
    """The second import waits for the first one's write lock instead of failing."""
    lib_dir = tmp_path / "lib"
    Library.open(lib_dir).close()
    a = paused(lib_dir, "insert:1", "import", str(big_page), "--json")
    a.wait_for(paused="insert")  # a holds the write lock, in the middle of its file
    b = paused(lib_dir, "none", "import", str(SEEDS["001"]), str(SEEDS["003"]), "--json")
    b.wait_for(event="want")  # b asks for the lock while a holds it
    a.resume()
    out_a, err_a = a.finish()
    out_b, err_b = b.finish()
    assert (a.proc.returncode, err_a) == (0, "") and (b.proc.returncode, err_b) == (0, "")
    assert json.loads(out_a)["new"] == N_CRASH and json.loads(out_b)["new"] == 323
    a_commits = [e["t"] for e in a.events if e.get("event") == "committing"]
    b_locks = [e["t"] for e in b.events if e.get("event") == "begin"]
    assert a_commits and b_locks and min(b_locks) >= a_commits[0]  # b waited for a
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
