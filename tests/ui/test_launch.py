"""``paperdesk gui --screenshot``: the real command line renders the window to a PNG."""

from __future__ import annotations

import os
import subprocess
import sys

from PySide6.QtGui import QImage

from ui.launch import SCREENSHOT_SIZE


def _paperdesk(*args, cwd=None):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=cwd,
    )


def test_screenshot_writes_a_png_of_the_expected_size(seeded, tmp_path):
    pid = seeded.paper_ids(sort="upvotes")[0]
    title = seeded.get(pid).title
    seeded.close()  # the child process opens the library itself
    out = tmp_path / "shot.png"
    done = _paperdesk(
        "--library", str(seeded.path), "gui", "--screenshot", str(out), "--select", str(pid)
    )
    assert done.returncode == 0, done.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == SCREENSHOT_SIZE
    # Not a blank canvas: many distinct colours (text, selection, icons).
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, 400, 7)}
    assert len(colours) > 20
    assert title  # the selected paper existed


def test_screenshot_of_an_unknown_paper_is_one_line_exit_2(library, tmp_path):
    library.close()
    out = tmp_path / "shot.png"
    done = _paperdesk(
        "--library", str(library.path), "gui", "--screenshot", str(out), "--select", "999"
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "paperdesk: no paper with id 999"
    assert not out.exists()


def test_screenshot_to_an_unwritable_place_is_one_line_exit_2(library, tmp_path):
    library.close()
    out = tmp_path / "missing-folder" / "shot.png"
    done = _paperdesk("--library", str(library.path), "gui", "--screenshot", str(out))
    assert done.returncode == 2
    assert "cannot write the screenshot" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_no_display_is_one_line_and_a_screenshot_still_renders(tmp_path, seeded):
    import os
    import subprocess
    import sys

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    base = [sys.executable, "-m", "app", "--library", str(seeded.path)]
    done = subprocess.run(base + ["gui"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "paperdesk: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); "
        "use the command line, or 'paperdesk gui --screenshot FILE.png'"
    ]
    shot = tmp_path / "shot.png"
    done = subprocess.run(
        base + ["gui", "--screenshot", str(shot)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert shot.stat().st_size > 0


def test_missing_x_libraries_are_named(monkeypatch):
    from ui import launch

    present = {"xcb-cursor", "xcb-image", "xcb-randr", "xcb-render-util", "xcb-shape"}
    present |= {"xcb-xfixes", "xcb-xkb", "xkbcommon-x11"}
    missing = launch.missing_xcb_packages(lambda name: name if name in present else None)
    assert missing == ["libxcb-icccm4", "libxcb-keysyms1"]
    assert launch.missing_xcb_packages() == []  # this machine (CI installs them all)


def test_display_pointing_nowhere_is_one_line(tmp_path, seeded):
    import os
    import subprocess
    import sys

    from ui.launch import display_reachable

    assert not display_reachable(":97")
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["DISPLAY"] = ":97"
    done = subprocess.run(
        [sys.executable, "-m", "app", "--library", str(seeded.path), "gui"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2  # not Qt's abort (134)
    assert done.stderr.strip().splitlines() == [
        "paperdesk: no X server answers at DISPLAY=:97; start one or fix DISPLAY "
        "(or use 'paperdesk gui --screenshot FILE.png')"
    ]


def test_a_startup_failure_shows_a_dialog(qtbot):
    from ui.launch import show_startup_error

    box = show_startup_error("another window has this library open", wait=False)
    qtbot.addWidget(box)
    assert box.isVisible() and box.objectName() == "startupError"
    assert box.text() == "another window has this library open"
    box.close()


def test_a_second_window_reaches_the_user_in_a_dialog_and_on_stderr(seeded, capsys, monkeypatch):
    """Through the real command line: the lock refusal goes to stderr and to the dialog
    hook the window's entry point provides."""
    from app.cli import main
    from app.locking import WindowLock
    from ui import launch

    shown: list[str] = []
    monkeypatch.setattr(launch.run, "show_error", shown.append)
    lock = WindowLock(seeded.path).acquire()
    try:
        code = main(["--library", str(seeded.path), "gui"])
    finally:
        lock.release()
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert shown == [err.strip().removeprefix("paperdesk: ")]
