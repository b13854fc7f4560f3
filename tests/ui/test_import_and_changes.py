"""Importing from the window (drop, progress, refusals, cancel) and changes made by the CLI."""

from __future__ import annotations

import subprocess
import sys

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QPushButton

from tests.conftest import SEEDS
from tests.ui.conftest import LONG, page


def _drop(window, paths) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    target = window.table.viewport()
    pos = QPoint(20, 20)
    enter = QDragEnterEvent(
        pos,  # a QPoint here (PySide6 < 6.12); the drop takes a QPointF
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(target.mapTo(window, pos)),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, drop)


def test_drop_imports_in_background_with_progress_and_refusals(
    qtbot, open_window, library, tmp_path
):
    good = tmp_path / "good.txt"
    good.write_text(page(("Dropped Paper One", "First." + LONG)), encoding="utf-8")
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00binary")
    window = open_window(library)
    steps = []
    window.progress.valueChanged.connect(steps.append)
    with qtbot.waitSignal(window.importFinished, timeout=60_000) as done:
        _drop(window, [good, SEEDS["001"], binary])
        assert window.progress.isVisible() and window.cancel_button.isVisible()
    report = done.args[0]
    assert [f.status for f in report.files] == ["imported", "imported", "refused"]
    assert max(steps) == 3  # progress went through the files
    assert not window.progress.isVisible()
    summary = window.import_summary
    assert summary.isVisible() and not summary.isModal()
    refused = summary.refused.topLevelItem(0)
    assert refused.text(0).endswith("photo.txt") and "binary" in refused.text(1)
    qtbot.waitUntil(lambda: window.model.rowCount() == library.count() > 100, timeout=10_000)
    assert window.stack.currentWidget() is window.splitter


def test_cancel_stops_the_import_and_leaves_no_half_file(qtbot, open_window, library, tmp_path):
    from tests.bench.synth import write_page

    big = write_page(tmp_path / "big.txt", 20_000, seed=3)
    window = open_window(library)

    def cancel_when_big_starts(_done: int, _total: int, path: str) -> None:
        # A deterministic point: the worker has committed the first file and just begun the
        # big one (seconds of parsing); the cancel lands inside its transaction.
        if path == str(big):
            window.cancel_button.click()

    with qtbot.waitSignal(window.importFinished, timeout=60_000) as done:
        task = window.start_import([SEEDS["001"], big, SEEDS["003"]])
        task.progress.connect(cancel_when_big_starts)
    assert task.cancelled
    report = done.args[0]
    assert [f.status for f in report.files] == ["imported"]  # the third file never ran
    # The big file's transaction was rolled back: only the first file's papers are there.
    assert library.count() == report.files[0].new > 100
    message = window.statusBar().currentMessage().lower()
    assert "cancelled" in message and "stays" in message  # truthful: the first file stays
    assert library.index.lag() == 0  # … and is searchable: the worker indexed it anyway


def test_a_cli_change_appears_in_the_open_window(qtbot, open_window, seeded):
    window = open_window(seeded)
    row = 4
    pid = window.model.id_at(row)
    window.select_ids([pid])
    lib_dir = str(seeded.path)
    run = [sys.executable, "-m", "app", "--library", lib_dir]
    subprocess.run([*run, "star", str(pid)], check=True, capture_output=True)
    subprocess.run(
        [*run, "tag", "add", str(pid), "-t", "from-cli"], check=True, capture_output=True
    )
    # Polled from the change feed: within a few seconds, this row only.
    qtbot.waitUntil(
        lambda: window.model.data(window.model.index(row, 5)) == "from-cli", timeout=5000
    )
    assert window.model.data(window.model.index(row, 0)).startswith("★ ")
    assert "★ starred" in window.reader.toPlainText()
    assert window.sidebar.index_of("tag:from-cli").isValid()
    assert window.selected_ids() == [pid]


def test_selection_and_scroll_survive_papers_added_elsewhere(qtbot, open_window, seeded, tmp_path):
    window = open_window(seeded)
    window.resize(760, 500)
    qtbot.waitUntil(lambda: window.table.rowAt(0) == 0)
    window.table.scrollTo(window.model.index(150, 0), window.table.ScrollHint.PositionAtTop)
    top_id = window.model.id_at(window.table.rowAt(0))
    chosen = window.model.id_at(window.table.rowAt(0) + 3)
    window.select_ids([chosen], scroll=False)
    path = tmp_path / "new.txt"
    path.write_text(
        page(("A Brand New Paper", "Fresh." + LONG), ("Another New One", "Fresh." + LONG)),
        encoding="utf-8",
    )
    before = window.model.rowCount()
    run = [sys.executable, "-m", "app", "--library", str(seeded.path), "import", str(path)]
    subprocess.run(run, check=True, capture_output=True)
    qtbot.waitUntil(lambda: window.model.rowCount() == before + 2, timeout=5000)
    assert window.selected_ids() == [chosen]
    assert window.model.id_at(window.table.rowAt(0)) == top_id


def test_the_summary_lists_each_skipped_block_with_file_line_and_reason(
    qtbot, open_window, library, tmp_path
):
    lines = page(("Good Paper One", "First." + LONG), ("Good Paper Two", "Second." + LONG))
    head, body = lines.split("\n")[:6], lines.split("\n")[6:]
    odd = tmp_path / "odd.txt"  # metadata without a paper (line 7), a title far too long
    odd.write_text(
        "\n".join([*head, "  • 3 authors", "·", "Oct 9, 2025 9", "", *body])
        + "\n\n"
        + "X" * 600
        + "\n\nA short abstract.\n\n  • 2 authors\n·\nOct 3, 2025 3\n",
        encoding="utf-8",
    )
    window = open_window(library)
    with qtbot.waitSignal(window.importFinished, timeout=60_000) as done:
        window.start_import([odd])
    report = done.args[0]
    assert report.new == 2 and report.skipped == 2
    summary = window.import_summary
    assert summary.isVisible() and "2 block(s) skipped" in summary.summary.text()
    tree = summary.skipped
    assert tree.isVisible() and tree.topLevelItemCount() == 2
    rows = [[tree.topLevelItem(n).text(c) for c in range(3)] for n in range(2)]
    assert rows[0] == ["odd.txt", "7", "metadata without a paper"]
    assert rows[1][:2] == ["odd.txt", "28"] and "too long" in rows[1][2]
    assert tree.topLevelItem(0).toolTip(0) == str(odd)  # the full path
    assert tree.verticalScrollBarPolicy() != Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    summary.findChild(QPushButton, "copySkipped").click()
    assert QApplication.clipboard().text().splitlines() == report.skipped_lines()


def test_many_skipped_blocks_scroll_in_the_summary(qtbot, open_window, library):
    from app.records import FileResult, ImportReport
    from ui.import_summary import ImportSummaryDialog

    blocks = [f"line {n}: metadata without a paper" for n in range(1, 400)]
    report = ImportReport([FileResult("/x/big.txt", "imported", new=1, skipped=blocks)])
    window = open_window(library)
    dialog = ImportSummaryDialog(report, False, window)
    qtbot.addWidget(dialog)
    dialog.show()
    tree = dialog.skipped
    assert tree.topLevelItemCount() == 399
    qtbot.waitUntil(lambda: tree.verticalScrollBar().maximum() > 0)  # a list, not a wall
    assert dialog.height() < 600
    assert [tree.topLevelItem(n).text(1) for n in (0, 1, 8, 9)] == ["1", "2", "9", "10"]
