"""Window fixtures: a real MainWindow on a real temporary library, settings in a temp file."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QSettings

from ui.main_window import MainWindow


@pytest.fixture
def settings_file(tmp_path):
    return str(tmp_path / "settings.ini")


@pytest.fixture
def open_window(qtbot, settings_file):
    """``open_window(lib)`` -> a shown MainWindow whose first listing has arrived."""
    made = []

    def make(lib, show: bool = True) -> MainWindow:
        settings = QSettings(settings_file, QSettings.Format.IniFormat)
        window = MainWindow(lib, settings=settings)
        qtbot.addWidget(window)
        made.append(window)
        # The listing comes back through a queued signal: it cannot arrive before we wait.
        with qtbot.waitSignal(window.listingApplied, timeout=10_000):
            if show:
                window.show()
        return window

    yield make
    for window in made:
        if window.isVisible():
            window.close()
        window.shutdown()


@pytest.fixture
def whoosh_threads(monkeypatch):
    """The thread of every Whoosh index write (writer opened, segment committed)."""
    from whoosh.writing import SegmentWriter

    seen: list[tuple[str, threading.Thread]] = []

    def record(name: str):
        method = getattr(SegmentWriter, name)

        def recorded(self, *args, **kwargs):
            seen.append((name, threading.current_thread()))
            return method(self, *args, **kwargs)

        monkeypatch.setattr(SegmentWriter, name, recorded)

    for name in ("__init__", "commit", "_commit_toc"):  # _commit_toc: the bulk path's commit
        record(name)
    return seen


def wait_listing(qtbot, window, action, timeout=10_000):
    """Run ``action`` and wait until the table shows the listing it caused."""
    with qtbot.waitSignal(window.listingApplied, timeout=timeout):
        action()


def page(*papers: tuple[str, str]) -> str:
    """A saved Daily Papers page (spaced layout) holding ``(title, abstract)`` papers."""
    out = ["Get trending papers in your email inbox!", "", "Subscribe", "", "Daily Papers", ""]
    for n, (title, abstract) in enumerate(papers, 1):
        out += [title, "", abstract, "", f"  • {n} authors", "·", f"Oct {n}, 2025 {n}", ""]
    return "\n".join(out)


LONG = " It is long enough to look like the abstract of a real paper, and it says so twice over."
