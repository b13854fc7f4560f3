"""The window's main path under a real X server (run by test_real_display.py through
``xvfb-run``): search, select, tag, note, the context menu, the Trash, undo. Prints
``SMOKE OK`` and exits 0, or fails with the step that broke."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path


def main() -> int:
    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from app import Library
    from app.paths import sample_pages
    from ui.launch import application
    from ui.main_window import MainWindow

    app = application()
    assert QApplication.platformName() == "xcb", QApplication.platformName()
    folder = Path(tempfile.mkdtemp()) / "lib"
    lib = Library.open(folder)
    lib.import_files(sample_pages()[:1])
    lib.index.sync()
    settings = QSettings(str(folder.parent / "s.ini"), QSettings.Format.IniFormat)
    window = MainWindow(lib, settings=settings)

    def wait(until, ms: int = 15_000) -> None:
        loop = QEventLoop()
        timer = QTimer()
        timer.timeout.connect(lambda: loop.quit() if until() else None)
        timer.start(20)
        QTimer.singleShot(ms, loop.quit)
        loop.exec()
        timer.stop()
        assert until(), "timed out"

    window.resize(1280, 800)
    window.show()
    wait(lambda: window.listing is not None and window.model.rowCount() > 0)
    total = window.model.rowCount()
    assert window.selected_ids(), "a paper is selected at start"
    window.set_query("diffusion")
    wait(lambda: window.listing.request.query == "diffusion" and window.model.rowCount() > 0)
    pid = window.model.id_at(0)
    window.select_ids([pid])
    assert window.panel.tag_editor.add("smoke")
    window.ops.wait()
    wait(lambda: lib.get(pid).tags == ["smoke"])
    window.panel.note_editor.setFocus()
    window.set_query("")
    wait(lambda: window.model.rowCount() == total)
    window.select_ids([pid])
    window._paper_context_menu(window.table.viewport().mapToGlobal(window.table.rect().center()))
    menu = window.context_menu
    wait(menu.isVisible)
    menu.close()
    window.paper_actions.trash_selected()
    wait(lambda: window.model.rowCount() == total - 1)
    window.undo_stack.undo()
    wait(lambda: window.model.rowCount() == total)
    window.undo_stack.undo()  # the tag
    wait(lambda: lib.get(pid).tags == [])
    window.close()
    app.processEvents()
    lib.close()
    print("SMOKE OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
