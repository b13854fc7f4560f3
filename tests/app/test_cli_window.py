"""Command-line fixes of issue 14: repeated -t, --version, a mistyped --library, note set's
report, the trash commands and the terminal-only progress bar."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from tests.conftest import SEEDS


@pytest.fixture
def cli(tmp_path, capsys):
    lib = str(tmp_path / "lib")

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--library", lib, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def loaded(cli):
    assert cli("import", str(SEEDS["001"]), "--as-of", "2025-10-30")[0] == 0
    return cli


def _tags_of(cli, pid: int) -> list[str]:
    return json.loads(cli("show", str(pid), "--json")[1])["tags"]


def test_repeated_t_applies_every_tag(loaded):
    code, out, _ = loaded("tag", "add", "1", "2", "-t", "alpha", "-t", "beta")
    assert code == 0 and out.strip() == "4 tag(s) added"
    assert _tags_of(loaded, 1) == _tags_of(loaded, 2) == ["alpha", "beta"]
    loaded("tag", "add", "1", "-t", "gamma", "delta", "-t", "eps")
    assert _tags_of(loaded, 1) == ["alpha", "beta", "delta", "eps", "gamma"]
    code, out, _ = loaded("tag", "remove", "1", "-t", "alpha", "-t", "gamma", "eps")
    assert code == 0 and out.strip() == "3 tag(s) removed"
    assert _tags_of(loaded, 1) == ["beta", "delta"]


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("paperdesk ") and out.split()[1][0].isdigit()


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["show", "1"],
        ["search", "diffusion"],
        ["related", "1"],
        ["export", "--format", "md"],
        ["check"],
        ["gui", "--screenshot", "x.png"],
    ],
)
def test_mistyped_library_refused_by_reading_commands(tmp_path, capsys, args):
    typo = tmp_path / "libary"
    code = main(["--library", str(typo), *args])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and f"{typo}: no library there" in err
    assert not typo.exists()  # nothing was created


def test_existing_folder_without_library_refused_too(tmp_path, capsys, monkeypatch):
    empty = tmp_path / "Documents"
    empty.mkdir()
    assert main(["--library", str(empty), "list"]) == 2
    assert list(empty.iterdir()) == []
    monkeypatch.setenv("PAPERDESK_LIBRARY", str(empty))
    assert main(["list"]) == 2
    assert "no library there" in capsys.readouterr().err


def test_writing_commands_create_the_library(tmp_path, capsys):
    new = tmp_path / "new"
    assert main(["--library", str(new), "import", str(SEEDS["001"])]) == 0
    assert (new / "library.sqlite").is_file()
    capsys.readouterr()
    assert main(["--library", str(new), "list", "--limit", "1"]) == 0
    assert capsys.readouterr().out.strip()


def test_note_set_says_what_it_did(loaded):
    code, out, _ = loaded("note", "set", "3", "read it")
    assert (code, out) == (0, "note of paper 3 saved (7 characters)\n")
    code, out, _ = loaded("note", "set", "3", "")
    assert (code, out) == (0, "note of paper 3 removed\n")
    assert loaded("note", "show", "3")[1] == ""


def _ids(cli, *args: str) -> list[int]:
    return [p["id"] for p in json.loads(cli("list", "--json", *args)[1])]


def test_trash_restore_empty_trash(loaded):
    total = len(_ids(loaded))
    loaded("tag", "add", "1", "2", "-t", "keep")
    code, out, _ = loaded("trash", "1", "2", "3")
    assert code == 0 and out.startswith("3 papers moved to the Trash")
    assert loaded("trash", "1")[1].startswith("0 papers")  # already there
    assert len(_ids(loaded)) == total - 3 and 1 not in _ids(loaded)
    assert sorted(_ids(loaded, "--trashed")) == [1, 2, 3]
    assert json.loads(loaded("show", "1", "--json")[1])["trashed"] is True
    tags = json.loads(loaded("tag", "list", "--json")[1])
    assert tags == [{"name": "keep", "count": 0, "color": None}]  # counts leave the Trash out
    code, out, _ = loaded("restore", "2")
    assert code == 0 and out.startswith("1 paper restored")
    assert 2 in _ids(loaded) and json.loads(loaded("show", "2", "--json")[1])["trashed"] is False
    code, out, _ = loaded("empty-trash")
    assert code == 0 and out.strip() == "2 papers deleted for good"
    assert loaded("show", "1")[0] == 2
    assert _ids(loaded, "--trashed") == [] and len(_ids(loaded)) == total - 2


def test_trashed_papers_out_of_search_related_and_export(loaded, tmp_path):
    hits = json.loads(loaded("search", "diffusion", "--json", "--limit", "500")[1])
    first = hits["hits"][0]["id"]
    loaded("trash", str(first))
    again = json.loads(loaded("search", "diffusion", "--json", "--limit", "500")[1])
    assert first not in [h["id"] for h in again["hits"]]
    assert again["total"] == hits["total"] - 1
    other = again["hits"][0]["id"]
    related = json.loads(loaded("related", str(other), "--json", "--limit", "50")[1])
    assert first not in [h["id"] for h in related["hits"]]
    out = tmp_path / "all.json"
    loaded("export", "--format", "json", "-o", str(out))
    exported = json.loads(out.read_text(encoding="utf-8"))
    papers = exported["papers"] if isinstance(exported, dict) else exported
    assert first not in [p["id"] for p in papers]
    loaded("export", "--format", "json", "--query", "diffusion", "-o", str(out))
    exported = json.loads(out.read_text(encoding="utf-8"))
    papers = exported["papers"] if isinstance(exported, dict) else exported
    assert first not in [p["id"] for p in papers] and papers


def test_progress_only_on_a_terminal(tmp_path, capsys):
    """Piped (here: captured) runs print no progress; on a terminal a bar shows."""
    import os
    import pty
    import subprocess
    import sys

    lib = str(tmp_path / "quiet")
    assert main(["--library", lib, "import", str(SEEDS["001"])]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "papers read" not in out
    assert main(["--library", lib, "reindex"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and out.startswith("search index rebuilt")

    # On a terminal (a pseudo-terminal as standard error): the bar is drawn there.
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app",
            "--library",
            str(tmp_path / "tty"),
            "import",
            str(SEEDS["001"]),
            str(SEEDS["003"]),
        ],
        stdout=subprocess.PIPE,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    assert proc.stdout is not None
    with proc.stdout:
        out = proc.stdout.read().decode()
    assert proc.wait(timeout=120) == 0
    os.close(leader)
    text = seen.decode("utf-8", "replace")
    assert "papers read" in text or "importing" in text
    assert "323 new" in out  # the summary still goes to standard output


def test_the_window_on_a_mistyped_library_asks_or_refuses(tmp_path, capsys):
    """Offscreen no one can be asked: refused in one line, nothing created."""
    typo = tmp_path / "libary"
    assert main(["--library", str(typo), "gui"]) == 2
    err = capsys.readouterr().err
    assert "no library there" in err and "the window was not opened" in err
    assert not typo.exists()
