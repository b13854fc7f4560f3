"""Faults: the server restarting mid-session (the window says "reconnecting…" and resumes
by itself), a client killed mid-write (the server stays consistent), and a URL without
the password refused where the server demands one (scram-sha-256 on a socket)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy.exc import DBAPIError

from app.cli import main
from app.errors import LibraryError
from app.library import Library
from tests.app.team import cluster
from tests.conftest import SEEDS, require

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def own():
    """A cluster of this test's own, with a team library in database ``postgres``."""
    require("PostgreSQL's initdb and pg_ctl", cluster.available(), "apt-get install postgresql")
    c = cluster.Cluster().start()
    try:
        yield c
    finally:
        c.destroy()


def test_a_server_restart_mid_session(qtbot, open_window, own):
    assert main(["team", "init", own.url()]) == 0
    lib = Library.open(own.url())
    try:
        lib.import_files([SEEDS["003"]])
        window = open_window(lib)
        try:
            own.stop()
            qtbot.waitUntil(
                lambda: window.status.currentMessage().startswith("reconnecting"), timeout=10_000
            )
            with pytest.raises((LibraryError, DBAPIError)):  # reported, never half-written
                lib.add_tags([window.model.id_at(0)], ["while-down"])
            own.start()
            qtbot.waitUntil(
                lambda: not window.status.currentMessage().startswith("reconnecting"),
                timeout=15_000,
            )
            pid = window.model.id_at(0)
            window.table.selectRow(0)
            other = Library.open(own.url())
            try:
                other.add_tags([pid], ["after-restart"])
            finally:
                other.close()
            qtbot.waitUntil(lambda: "after-restart" in window.reader.toPlainText(), timeout=2000)
            assert lib.get(pid).tags == ["after-restart"]
        finally:
            window.shutdown()
    finally:
        lib.close()


def test_a_url_without_the_password_is_refused(pg_admin, tmp_path, monkeypatch):
    require("PostgreSQL's initdb and pg_ctl", cluster.available(), "apt-get install postgresql")
    c = cluster.Cluster(auth="scram-sha-256", password="s3cret-pw").start()
    try:
        with pytest.raises(LibraryError) as refused:
            Library.open(c.url())
        assert "cannot connect" in str(refused.value) and "password" in str(refused.value)
        assert "s3cret" not in str(refused.value)
        # With the password in a libpq password file (never in Paperdesk), it opens.
        passfile = tmp_path / "pgpass"
        passfile.write_text("*:*:*:postgres:s3cret-pw\n")
        passfile.chmod(0o600)
        monkeypatch.setenv("PGPASSFILE", str(passfile))
        assert main(["team", "init", c.url()]) == 0
        with Library.open(c.url()) as lib:
            assert lib.member == "postgres" and lib.count() == 0
    finally:
        c.destroy()


KILLED = textwrap.dedent(
    """
    import sys
    from app.library import Library
    with Library.open(sys.argv[1]) as lib:
        ids = lib.paper_ids()
        print("ready", flush=True)
        while True:  # big tag writes, one transaction each, until killed
            lib.add_tags(ids, ["bulk"])
            lib.remove_tags(ids, ["bulk"])
    """
)


def test_a_client_killed_mid_write_leaves_the_server_consistent(team):
    with Library.open(team.admin) as lib:
        lib.import_files([SEEDS["001"]])
        n = lib.count()
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED, team.admin],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    with Library.open(team.admin) as lib:
        import time

        start = lib.last_change()
        deadline = time.monotonic() + 30
        while lib.last_change() < start + 3 * n and time.monotonic() < deadline:
            lib.store.count()  # a read; the writer goes on meanwhile
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        proc.stdout.close()
        # Whatever was in flight rolled back whole: the papers carry the tag all or none,
        # and the feed holds one row per paper for every committed tag write.
        with Library.open(team.admin) as after:
            tagged = [p for p in after.list_papers() if "bulk" in p.tags]
            assert len(tagged) in (0, n)
            rows = [r for r in after.changes_since(start) if r[2] == "tag"]
            assert len(rows) % n == 0 and rows
            after.add_tags(after.paper_ids(limit=1), ["still-works"])  # no lock left behind
