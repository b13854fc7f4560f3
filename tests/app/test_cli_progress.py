"""``reindex`` on a terminal draws a progress bar on standard error (rich); piped, nothing."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys

from app.cli import main
from tests.conftest import SEEDS


def _on_a_terminal(*args: str) -> tuple[str, str, int]:
    """Run ``python -m app ARGS`` with a pseudo-terminal as standard error: (stdout, what
    the terminal showed, exit code)."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", *args], stdout=subprocess.PIPE, stderr=follower, env=env
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
    code = proc.wait(timeout=120)
    os.close(leader)
    return out, seen.decode("utf-8", "replace"), code


def test_reindex_shows_progress_on_a_terminal_only(tmp_path, capsys):
    lib = str(tmp_path / "lib")
    assert main(["--library", lib, "import", str(SEEDS["001"])]) == 0
    capsys.readouterr()
    assert main(["--library", lib, "reindex"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and out.startswith("search index rebuilt")  # captured: no bar
    out, terminal, code = _on_a_terminal("--library", lib, "reindex")
    assert code == 0
    assert "indexing" in terminal and "papers" in terminal  # the bar, with its count
    # The bar's escape sequences reach the terminal as such (stderr escapes user text: the
    # bar once showed as "\x1b[90m━━━" on a real terminal).
    assert "\x1b[" in terminal and "\\x1b" not in terminal
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", terminal)  # no colours, no cursor moves
    done = re.findall(r"\b(\d+)/(\d+) papers", plain)  # done/total
    assert done and done[-1][0] == done[-1][1] != "0"  # to the end
    assert out.startswith("search index rebuilt")  # the result still goes to stdout


def test_the_import_bar_is_drawn_not_printed_escaped(tmp_path):
    out, terminal, code = _on_a_terminal(
        "--library", str(tmp_path / "lib"), "import", str(SEEDS["001"])
    )
    assert code == 0 and "new" in out
    assert "papers read" in terminal or "indexing" in terminal
    assert "\x1b[" in terminal and "\\x1b" not in terminal
