"""The window on a team library: another member's change shows within a second (woken by
LISTEN/NOTIFY, read from the feed), a read-only member's editing controls are disabled,
a note conflict offers keep mine / keep theirs / keep both, the reader says who did what."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from app.cli import main
from app.library import Library
from tests.conftest import SEEDS
from ui import MainWindow


@pytest.fixture
def two(team):
    ann, bob = team.role("ann"), team.role("bob")
    for who in (ann, bob):
        assert main(["--library", team.admin, "team", "add-member", who]) == 0
    with Library.open(team.url(ann)) as lib:
        lib.import_files([SEEDS["003"]])
    a, b = Library.open(team.url(ann)), Library.open(team.url(bob))
    yield team, a, b
    for window in QApplication.topLevelWidgets():  # windows stop before their library
        if isinstance(window, MainWindow):
            window.shutdown()
    a.close()
    b.close()


def test_another_members_change_shows_within_a_second(qtbot, open_window, two):
    _team, a, b = two
    window = open_window(a)
    window.changes.stop()  # no timer: only the NOTIFY can wake the window
    pid = window.model.id_at(0)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.reader.paper is not None and window.reader.paper.id == pid)
    b.add_tags([pid], ["from-bob"])
    qtbot.waitUntil(lambda: "from-bob" in window.reader.toPlainText(), timeout=1000)
    assert f"from-bob tagged by {b.member}" in window.reader.toPlainText()
    b.set_note(pid, "bob was here")
    qtbot.waitUntil(lambda: "note by " + b.member in window.reader.toPlainText(), timeout=1000)


def test_a_read_only_member_sees_disabled_editing_controls(qtbot, open_window, team):
    rob = team.role("rob")
    assert main(["--library", team.admin, "team", "add-member", rob, "--read-only"]) == 0
    with Library.open(team.admin) as lib:
        lib.import_files([SEEDS["003"]])
    with Library.open(team.url(rob)) as lib:
        window = open_window(lib)
        try:
            assert not window.panel.isEnabled()
            window.table.selectRow(0)
            qtbot.waitUntil(lambda: window.reader.paper is not None)
            for name in ("actionEditDetails", "actionMoveToTrash", "actionImport"):
                action = window.findChild(QAction, name)
                assert action is not None and not action.isEnabled(), name
                assert "Read only" in action.toolTip()
            assert "Read only" in window.panel.toolTip() and rob in window.panel.toolTip()
            assert not window.findChild(QMessageBox, "noteConflictDialog")
            assert window.model.rowCount() == lib.count() > 0  # browsing works
        finally:
            window.shutdown()


def test_a_note_conflict_keeps_both_texts(qtbot, open_window, two):
    _team, a, b = two
    window = open_window(a)
    pid = window.model.id_at(0)
    window.table.selectRow(0)
    editor = window.panel.note_editor
    qtbot.waitUntil(lambda: editor.paper() == pid)
    b.set_note(pid, "bob's note")  # ann's editor has not seen it (it shows no note)
    editor._version = 0  # as loaded before bob saved (the feed may have reloaded it already)
    editor.text.setPlainText("ann's note")
    editor.flush()
    qtbot.waitUntil(lambda: editor.conflict_dialog is not None)
    dialog = editor.conflict_dialog
    assert "bob's note" in dialog.informativeText()
    assert editor.text.toPlainText() == "ann's note"  # her text stays in the editor
    assert a.note(pid) == "bob's note"  # nothing overwritten
    dialog.findChild(QPushButton, "keepBoth").click()
    qtbot.waitUntil(lambda: "ann's note" in a.note(pid) and "bob's note" in a.note(pid))
    assert a.note_info(pid).version == 2 and a.note_info(pid).by == a.member
