"""Hostile input to the real command line (issue 16): every case one clear line and the
right exit code — 2 for a refusal, 70 (with a log) for an unexpected error, never a
traceback, never 1 (which ``check`` uses)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SEEDS

BIG = "99999999999999999999"  # ≥ 2⁶³


def run(lib: Path, *args: str | bytes, stdin=None, stdout=subprocess.PIPE, timeout=60, **kw):
    """``python -m app --library LIB ARGS…`` (arguments may be raw bytes, as a shell
    passes them); the per-user folders point into the library's parent."""
    env = dict(os.environ)
    env["XDG_DATA_HOME"] = str(lib.parent / "xdg-data")
    env.pop("PYTHONWARNINGS", None)
    return subprocess.run(
        [sys.executable, "-m", "app", "--library", str(lib), *args],
        stdin=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=timeout,
        env=env,
        **kw,
    )


def err_line(proc) -> str:
    """The one line on stderr (and never a traceback)."""
    err = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def lib(tmp_path, seeded_template) -> Path:
    """A seeded library folder (323 papers) that no process of this test holds open."""
    path = tmp_path / "lib"
    shutil.copytree(seeded_template, path)
    return path


def set_title(lib: Path, paper_id: int, title: str) -> None:
    """Damage by hand, as a crafted library file would carry it."""
    con = sqlite3.connect(lib / "library.sqlite")
    with con:
        con.execute("UPDATE papers SET title = ? WHERE id = ?", (title, paper_id))
    con.close()


# -- the general rule: unexpected errors ---------------------------------------------------


def test_unexpected_error_is_one_line_a_log_and_exit_70(lib):
    # A value the database layer cannot read back (a crafted file): not a user mistake and
    # not a handled case: one line naming the error and the log, exit 70.
    con = sqlite3.connect(lib / "library.sqlite")
    with con:
        con.execute("UPDATE papers SET published = 'not a date' WHERE id = 1")
    con.close()
    proc = run(lib, "show", "1")
    line = err_line(proc)
    assert proc.returncode == 70, line
    assert line.startswith("paperdesk: unexpected error (") and "details in " in line
    log = Path(line.split("details in ", 1)[1].split(";")[0])
    assert log.is_file() and "Traceback" in log.read_text(encoding="utf-8")


# -- item 8: bytes that are not UTF-8 in arguments -----------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        (b"note", b"set", b"5", b"bad \xff"),
        (b"tag", b"add", b"5", b"-t", b"t\xff"),
        (b"list", b"--tag", b"\xff"),
        (b"export", b"--tag", b"\xff", b"--format", b"csv"),
        (b"search", b"mem\xffory"),
    ],
    ids=["note-set", "tag-add", "list-tag", "export-tag", "search"],
)
def test_non_utf8_text_arguments_are_refused(lib, args):
    proc = run(lib, *args)
    line = err_line(proc)
    assert proc.returncode == 2 and "is not valid UTF-8 text" in line and "\\xff" in line


def test_non_utf8_file_name_imports_and_prints_escaped(lib, tmp_path):
    page = Path(os.fsdecode(bytes(tmp_path) + b"/page\xe9.txt"))
    shutil.copy(SEEDS["001"], page)
    proc = run(lib, "import", "--as-of", "2025-10-30", page)
    assert proc.returncode == 0, proc.stderr
    assert b"page\\xe9.txt: 0 new, 0 merged, 248 unchanged" in proc.stdout
    assert b"Traceback" not in proc.stderr
    as_json = run(lib, "import", "--json", "--as-of", "2025-10-30", page)
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["files"][0]["path"].endswith("page\\xe9.txt")


# -- item 9: ids and counts beyond 2⁶³ -----------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("show", BIG),
        ("tag", "add", BIG, "-t", "x"),
        ("star", BIG),
        ("note", "show", BIG),
        ("related", BIG),
        ("gui", "--select", BIG),
    ],
    ids=["show", "tag-add", "star", "note-show", "related", "gui-select"],
)
def test_huge_ids_are_refused_in_one_line(lib, args):
    proc = run(lib, *args)
    line = err_line(proc)
    assert proc.returncode == 2 and "is not a paper id" in line


def test_huge_limit_means_all(lib):
    proc = run(lib, "list", "--limit", BIG)
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == 323


def test_search_limit_zero_is_refused(lib):
    # "0 match(es)" was a lie: there are matches; a search that may show none is a mistake.
    proc = run(lib, "search", "memory", "--limit", "0")
    line = err_line(proc)
    assert proc.returncode == 2 and "--limit" in line and "1 or more" in line


# -- item 12: output that cannot be written; a backups "folder" that is a file ------------


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
@pytest.mark.parametrize("args", [("export", "--format", "csv"), ("list",)], ids=["export", "list"])
def test_output_to_a_full_device_is_one_line(lib, args):
    with open("/dev/full", "w") as full:
        proc = run(lib, *args, stdout=full)
    line = err_line(proc)
    assert proc.returncode == 2 and "cannot write the output: No space left on device" in line


def test_backup_when_backups_is_a_file(lib):
    shutil.rmtree(lib / "backups", ignore_errors=True)
    (lib / "backups").write_text("not a folder", encoding="utf-8")
    proc = run(lib, "backup")
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "Traceback" not in err
    assert "backups: is not a folder" in err.strip().splitlines()[-1]
    assert (lib / "backups").read_text(encoding="utf-8") == "not a folder"


# -- item 15: FIFOs and endless files; the note size limit ---------------------------------


def test_fifo_given_to_import_is_refused_and_the_rest_imported(lib, tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    proc = run(lib, "import", "--as-of", "2025-10-30", fifo, SEEDS["003"], timeout=30)
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert "Traceback" not in err and "pipe.txt: is not a regular file" in err
    assert b"003" in proc.stdout  # the file after it was read


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_note_file_that_is_not_a_regular_file_is_refused(lib, tmp_path, kind):
    if kind == "fifo":
        source = tmp_path / "note.fifo"
        os.mkfifo(source)
    else:
        source = Path("/dev/zero")
    proc = run(lib, "note", "set", "1", "--file", source, timeout=30)
    line = err_line(proc)
    assert proc.returncode == 2 and "is not a regular file" in line


def test_note_size_limit_is_stated(lib, tmp_path):
    big = tmp_path / "big.md"
    with big.open("wb") as fh:
        fh.truncate(11 * 2**20)  # sparse: 11 MB of NULs on disk in no time
    proc = run(lib, "note", "set", "1", "--file", big)
    line = err_line(proc)
    assert proc.returncode == 2 and "a note is at most 10 MB" in line
    # from standard input too, without reading it all
    with big.open("rb") as fh:
        proc = run(lib, "note", "set", "1", "-", stdin=fh)
    line = err_line(proc)
    assert proc.returncode == 2 and "a note is at most 10 MB" in line
    assert run(lib, "note", "show", "1").stdout == b""


# -- item 23: terminal escapes --------------------------------------------------------------

EVIL = "Evil \x07\x1b[31mred\x1b[0m \u202egnp.exe\u202c title"


def run_on_terminal(lib: Path, *args: str) -> str:
    """The command with its standard output on a pseudo-terminal; what the terminal got
    (read as it comes: a terminal's buffer is small)."""
    import pty
    import threading

    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the other side is closed and drained
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        proc = run(lib, *args, stdout=slave)
    finally:
        os.close(slave)
        reader.join(timeout=30)
        os.close(master)
    assert proc.returncode == 0, proc.stderr
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


@pytest.mark.parametrize(
    "args",
    [("list",), ("show", "1"), ("search", "memory", "--limit", "400"), ("tag", "list")],
    ids=["list", "show", "search", "tag-list"],
)
def test_control_and_bidi_characters_are_escaped_on_a_terminal(lib, args):
    set_title(lib, 1, EVIL)
    con = sqlite3.connect(lib / "library.sqlite")
    with con:  # the abstract too, so that search finds it by a common word
        con.execute("UPDATE papers SET abstract = 'memory ' || abstract WHERE id = 1")
    con.close()
    assert run(lib, "tag", "add", "1", "-t", "\x1b[2Jwipe").returncode == 0
    shown = run_on_terminal(lib, *args)
    for raw in ("\x07", "\x1b", "\u202e"):
        assert raw not in shown
    if args[0] == "tag":
        assert "\\x1b[2Jwipe" in shown
    else:
        assert "Evil \\x07\\x1b[31mred\\x1b[0m \\u202egnp.exe\\u202c title" in shown


def test_json_stays_exact_on_a_terminal_and_text_exact_in_a_pipe(lib):
    set_title(lib, 1, EVIL)
    shown = run_on_terminal(lib, "show", "1", "--json")
    assert json.loads(shown)["title"] == EVIL
    piped = run(lib, "show", "1")
    assert piped.stdout.decode("utf-8").splitlines()[0] == EVIL


# -- item 17: list --json is written as a stream, the same text as the whole list ----------


@pytest.mark.parametrize("args", [(), ("--limit", "1"), ("--limit", "0"), ("--sort", "title")])
def test_list_json_streams_the_exact_text_of_the_whole_list(lib, args):
    from app.library import Library

    proc = run(lib, "list", "--json", *args)
    assert proc.returncode == 0, proc.stderr
    opened = Library.open(lib)
    try:
        descending = "title" not in args
        limit = int(args[1]) if args[:1] == ("--limit",) else None
        sort = args[1] if args[:1] == ("--sort",) else "added"
        whole = [p.to_json() for p in opened.list_papers(None, sort, descending, limit)]
    finally:
        opened.close()
    assert len(whole) == {(): 323, ("--limit", "1"): 1, ("--limit", "0"): 0}.get(args, 323)
    expected = json.dumps(whole, ensure_ascii=False, indent=2) + "\n"
    assert proc.stdout.decode("utf-8") == expected  # byte for byte what json.dump wrote
