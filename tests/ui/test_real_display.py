"""A smoke run of the window under a real X server (xvfb-run), besides the offscreen suite:
the xcb platform plugin, real window activation and focus, the main path."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import require

ROOT = Path(__file__).parents[2]


def test_main_path_under_a_real_x_server(tmp_path):
    require("xvfb-run", shutil.which("xvfb-run") is not None, "scripts/test installs xvfb")
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    env["QT_QPA_PLATFORM"] = "xcb"
    done = subprocess.run(
        [
            "xvfb-run",
            "-a",
            "-s",
            "-screen 0 1600x1000x24",
            sys.executable,
            str(ROOT / "tests" / "ui" / "real_display_smoke.py"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SMOKE OK" in done.stdout
