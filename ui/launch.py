"""``paperdesk gui``: start Qt, open the main window, or render it to a PNG and exit."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from app import Library
from app.errors import PaperdeskError
from app.locking import WindowLock

SCREENSHOT_SIZE = (1280, 800)


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


def _check_display(rendering_only: bool) -> None:
    """Without a screen Qt aborts the process; say so in one line instead. A screenshot
    needs no screen: it renders offscreen."""
    if os.environ.get("QT_QPA_PLATFORM") or sys.platform != "linux":
        return
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return
    if rendering_only:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return
    raise PaperdeskError(
        "no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); "
        "use the command line, or 'paperdesk gui --screenshot FILE.png'"
    )


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
