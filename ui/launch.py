"""``paperdesk gui``: start Qt, open the main window, or render it to a PNG and exit."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from app import Library
from app.errors import PaperdeskError
from app.locking import WindowLock

SCREENSHOT_SIZE = (1280, 800)

# The X11 libraries Qt's xcb platform plugin loads (Debian/Ubuntu package names). Without
# one of them Qt aborts the process (exit 134) blaming xcb-cursor, whichever is missing.
XCB_LIBRARIES = {
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-image": "libxcb-image0",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-randr": "libxcb-randr0",
    "xcb-render-util": "libxcb-render-util0",
    "xcb-shape": "libxcb-shape0",
    "xcb-xfixes": "libxcb-xfixes0",
    "xcb-xkb": "libxcb-xkb1",
    "xkbcommon-x11": "libxkbcommon-x11-0",
}


def application():
    """The running QApplication, created (with our style sheet) if there is none."""
    from PySide6.QtWidgets import QApplication

    from ui import resources_path

    app = QApplication.instance()
    if app is None:
        _quiet_offscreen_noise()
        app = QApplication(sys.argv[:1])
        app.setOrganizationName("Paperdesk")
        app.setApplicationName("paperdesk")
        app.setApplicationDisplayName("Paperdesk")
        style = resources_path("style", "window.qss")
        if style.exists():
            app.setStyleSheet(style.read_text(encoding="utf-8"))
    return app


def _quiet_offscreen_noise() -> None:
    """The offscreen platform (screenshots, CI) warns about window hints it cannot honour."""
    from PySide6.QtCore import qInstallMessageHandler

    previous = None

    def handler(mode, context, message):
        if "propagateSizeHints" in message:
            return
        if previous is not None:
            previous(mode, context, message)
        else:
            sys.stderr.write(message + "\n")

    previous = qInstallMessageHandler(handler)


def missing_xcb_packages(find=None) -> list[str]:
    """The packages of the X11 libraries Qt needs that this system lacks (Linux)."""
    import ctypes.util

    find = find or ctypes.util.find_library
    return [package for lib, package in XCB_LIBRARIES.items() if not find(lib)]


def display_reachable(display: str) -> bool:
    """Whether an X server answers at ``display`` (":0", "host:1.0"), without Qt (which
    aborts the process when it cannot connect)."""
    import socket

    host, _, rest = display.rpartition(":")
    number = rest.split(".")[0]
    if not number.isdigit():
        return False
    if host in ("", "unix"):
        path = f"/tmp/.X11-unix/X{number}"
        for address in ("\0" + path, path):  # the abstract socket, then the file
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                    s.settimeout(2)
                    s.connect(address)
                    return True
            except OSError:
                continue
        return False
    try:
        with socket.create_connection((host, 6000 + int(number)), timeout=2):
            return True
    except OSError:
        return False


def _check_display(rendering_only: bool) -> None:
    """Without a screen — or without the X libraries Qt needs — Qt aborts the process; say
    so in one line instead. A screenshot needs no screen: it renders offscreen."""
    if os.environ.get("QT_QPA_PLATFORM") or sys.platform != "linux":
        return
    display = os.environ.get("DISPLAY")
    if rendering_only and not (display or os.environ.get("WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return
    if os.environ.get("WAYLAND_DISPLAY"):
        return
    if not display:
        raise PaperdeskError(
            "no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); "
            "use the command line, or 'paperdesk gui --screenshot FILE.png'"
        )
    missing = missing_xcb_packages()
    if missing:
        raise PaperdeskError(
            "the window needs X11 libraries this system lacks: install "
            + " ".join(missing)
            + " (e.g. sudo apt install "
            + " ".join(missing)
            + ")"
        )
    if not display_reachable(display):
        raise PaperdeskError(
            f"no X server answers at DISPLAY={display}; start one or fix DISPLAY "
            "(or use 'paperdesk gui --screenshot FILE.png')"
        )


def show_startup_error(message: str, wait: bool = True):
    """A start-up failure of the window (a second window, a damaged library) shown in a
    dialog too, for a window started from a desktop menu where no terminal shows stderr.
    Nothing is shown when Qt cannot start (no display, missing X libraries) or renders
    offscreen (no one would see it): stderr it is. ``wait=False`` shows it and returns it."""
    if wait and os.environ.get("QT_QPA_PLATFORM", "") in ("offscreen", "minimal"):
        return None
    try:
        _check_display(rendering_only=False)
    except PaperdeskError:
        return None
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    application()
    box = QMessageBox(QMessageBox.Icon.Critical, "Paperdesk cannot start", message)
    box.setObjectName("startupError")
    box.setTextFormat(Qt.TextFormat.PlainText)  # the message names paths and errors
    if wait:
        box.exec()
    else:
        box.show()
    return box


def run(lib: Library, args) -> int:
    """Entry point of the ``paperdesk.gui`` group (called by ``app/commands/window.py``)."""
    screenshot = getattr(args, "screenshot", None)
    if screenshot and not str(screenshot).lower().endswith(".png"):
        raise PaperdeskError(f"{screenshot}: the screenshot is written as PNG; name it *.png")
    if screenshot:
        folder = Path(screenshot).expanduser().resolve().parent
        if not folder.is_dir() or not os.access(folder, os.W_OK):
            raise PaperdeskError(f"{screenshot}: cannot write the screenshot there ({folder})")
    select = getattr(args, "select", None)
    if select is not None:
        lib.require([select])  # UnknownPaper: one line, exit code 2
    _check_display(rendering_only=bool(screenshot))

    # One window per library (a screenshot only reads, so it may run beside one).
    lock = None if screenshot else WindowLock(lib.path).acquire()  # else one line, exit 2
    app = application()
    from ui.main_window import MainWindow

    window = MainWindow(lib)
    query = getattr(args, "query", None)
    if query:
        window.search_box.setText(query)
        window._switch_sort_for_query(query)
    if select is not None:
        window.select_paper(select)
    if query or select is not None:
        window.refresh()
    if screenshot:
        return _screenshot(app, window, str(screenshot))
    window.show()
    try:
        code = app.exec()
    finally:
        if lock is not None:
            lock.release()
    return int(code)


def _screenshot(app, window, path: str) -> int:
    from PySide6.QtCore import QEventLoop, QTimer

    window.remember_state = False  # a screenshot must not change the user's window
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    loop = QEventLoop()
    window.listingApplied.connect(loop.quit)
    QTimer.singleShot(20_000, loop.quit)  # never hang: render whatever is there
    if window._jobs.busy:
        loop.exec()
    for _ in range(3):  # let the table lay out and paint the fetched rows
        app.processEvents()
    image = window.grab()
    window.close()
    if not image.save(path, "PNG"):
        raise PaperdeskError(f"{path}: cannot write the screenshot there")
    print(f"wrote {path} ({image.width()}×{image.height()})")
    return 0


def ask_create(folder: str) -> bool:
    """A window asked for on a folder with no library: create one there? (No when no one
    can be asked: no display, or offscreen.)"""
    if os.environ.get("QT_QPA_PLATFORM", "") in ("offscreen", "minimal"):
        return False
    try:
        _check_display(rendering_only=False)
    except PaperdeskError:
        return False
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    application()
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "No library there",
        f"{folder} holds no Paperdesk library.\n\nCreate a new, empty library there?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
    )
    box.setObjectName("createLibraryQuestion")
    box.setTextFormat(Qt.TextFormat.PlainText)  # a folder name is text, never HTML
    box.setDefaultButton(QMessageBox.StandardButton.No)
    return box.exec() == QMessageBox.StandardButton.Yes


# The command line finds this through the ``paperdesk.gui`` entry point (app/ never imports
# ui/): a start-up failure of the window is shown in a dialog as well as on stderr.
run.show_error = show_startup_error  # type: ignore[attr-defined]
run.ask_create = ask_create  # type: ignore[attr-defined]
