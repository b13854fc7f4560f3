"""The window on a team library: another member's change shows within a second (woken by
LISTEN/NOTIFY, read from the feed), a read-only member's editing controls are disabled,
a note conflict offers keep mine / keep theirs / keep both, the reader says who did what."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox, QPushButton

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
    """Every control that would change what the team shares is disabled and says why —
    the Paper menu's tag submenu and Add tag included; star and read (each member's own)
    work."""
    rob = team.role("rob")
    assert main(["--library", team.admin, "team", "add-member", rob, "--read-only"]) == 0
    with Library.open(team.admin) as lib:
        lib.import_files([SEEDS["003"]])
        lib.add_tags(lib.paper_ids(), ["shared-tag"])
        lib.set_tag_color("shared-tag", "#ff8800")  # so tag key 1 would toggle it
    with Library.open(team.url(rob)) as lib:
        window = open_window(lib)
        try:
            assert rob in window.status.currentMessage()
            window.table.selectRow(0)
            pid = window.model.id_at(0)
            qtbot.waitUntil(lambda: window.reader.paper is not None)
            for name in (
                "actionEditDetails",
                "actionMoveToTrash",
                "actionImport",
                "actionAddTag",
                "actionSaveSearch",
                "tagKey1",
            ):
                action = window.findChild(QAction, name)
                assert action is not None and not action.isEnabled(), name
                if name != "tagKey1":
                    assert "Read only" in action.toolTip() and rob in action.toolTip(), name
            panel = window.panel
            assert not panel.tag_editor.isEnabled() and "Read only" in panel.tag_editor.toolTip()
            assert panel.note_editor.text.isReadOnly()
            assert "Read only" in panel.note_editor.text.toolTip()
            # The Paper menu, as it opens: the tag submenu is there, disabled, saying why.
            window.paper_actions.fill(window.paper_menu)
            shown = [a.menu() for a in window.paper_menu.actions() if a.menu() is not None]
            (remove,) = [m for m in shown if m.objectName() == "menuRemoveTag"]
            assert not remove.menuAction().isEnabled()
            assert "Read only" in remove.menuAction().toolTip()
            assert "Read only" in remove.menuAction().statusTip()
            assert window.paper_menu.toolTipsVisible()
            # The sidebar's tag menu: rename, colour, delete disabled.
            menu = QMenu(window)
            window._tag_menu("shared-tag", menu)
            edits = [a for a in menu.actions() if not a.isSeparator()]
            assert edits and not any(a.isEnabled() for a in edits)
            # Star and read are rob's own: they work, and only for rob.
            assert panel.star_action.isEnabled() and panel.read_action.isEnabled()
            panel.star_action.trigger()
            qtbot.waitUntil(lambda: lib.get(pid).starred)
            panel.read_action.trigger()
            qtbot.waitUntil(lambda: lib.get(pid).read)
            with Library.open(team.admin) as admin:
                assert not admin.get(pid).starred
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


def test_closing_the_window_during_a_note_conflict_keeps_both_texts(qtbot, open_window, two):
    """The conflict dialog is open (ann's text unsaved, bob's saved) and ann closes the
    window: her text is saved as "keep both" — hers (with what she typed meanwhile) and
    bob's, one after the other — so neither is lost and nothing is overwritten."""
    _team, a, b = two
    window = open_window(a)
    pid = window.model.id_at(0)
    window.table.selectRow(0)
    editor = window.panel.note_editor
    qtbot.waitUntil(lambda: editor.paper() == pid)
    b.set_note(pid, "bob's note")
    editor._version = 0  # as loaded before bob saved
    editor.text.setPlainText("ann's note")
    editor.flush()
    qtbot.waitUntil(lambda: editor.conflict_dialog is not None)
    dialog = editor.conflict_dialog
    assert dialog.isVisible()
    editor.text.appendPlainText("and a second thought")  # typed while the dialog asks
    window.close()
    assert not dialog.isVisible() and editor.conflict_dialog is None
    saved = a.note_info(pid)
    assert "ann's note" in saved.body and "a second thought" in saved.body
    assert "bob's note" in saved.body and saved.by == a.member and saved.version == 2
    assert saved.body.index("ann's note") < saved.body.index("bob's note")


def test_a_conflict_on_a_paper_left_behind_keeps_both_texts(qtbot, open_window, two):
    """ann moves to another paper: her save goes first, conflicts, and the dialog asks
    about the paper she left; her choice still holds for it (her text as she sent it)."""
    _team, a, b = two
    window = open_window(a)
    pid = window.model.id_at(0)
    window.table.selectRow(0)
    editor = window.panel.note_editor
    qtbot.waitUntil(lambda: editor.paper() == pid)
    b.set_note(pid, "bob's note")
    editor._version = 0
    editor.text.setPlainText("ann's note")
    window.table.selectRow(1)  # saves, then moves on
    qtbot.waitUntil(lambda: editor.conflict_dialog is not None)
    qtbot.waitUntil(lambda: editor.paper() == window.model.id_at(1))
    editor.conflict_dialog.findChild(QPushButton, "keepBoth").click()
    qtbot.waitUntil(lambda: "bob's note" in a.note(pid) and "ann's note" in a.note(pid))
    assert editor.conflict_dialog is None and editor.text.toPlainText() == ""


def test_a_window_away_past_the_feed_retention_rebuilds_its_index(qtbot, settings_file, two):
    """The client's index stamp is older than the feed reaches back (pruned): the window
    says so and rebuilds the index from the server, then says it is done."""
    import psycopg

    from app.team.retention import prune

    team, a, b = two
    a.index.sync()
    before = a.index.stamp()
    pid = b.paper_ids(limit=1)[0]
    b.set_note(pid, "zebrafish larvae")
    with psycopg.connect(team.admin, autocommit=True) as conn:
        conn.execute("UPDATE changes SET at = at - interval '40 days'")
    b.add_tags([pid], ["today"])
    assert prune(b.store).horizon > before["seq"]
    window = MainWindow(a, settings=QSettings(settings_file, QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    try:
        assert "Rebuilding the search index" in window.status.currentMessage()
        assert "away longer" in window.status.currentMessage()
        window.show()
        qtbot.waitUntil(
            lambda: "Search index rebuilt" in window.status.currentMessage(), timeout=30_000
        )
        after = a.index.stamp()
        assert after["build"] != before["build"] and after["seq"] == a.last_change()
        assert a.search("zebrafish").total == 1
    finally:
        window.shutdown()


def test_a_window_whose_feed_cursor_was_pruned_reloads_everything(qtbot, open_window, two):
    import psycopg

    from app.team.retention import prune

    team, a, b = two
    window = open_window(a)
    window.changes.stop()
    cursor = window.changes.seq
    pid = b.paper_ids(limit=1)[0]
    b.add_tags([pid], ["old-change"])
    with psycopg.connect(team.admin, autocommit=True) as conn:
        conn.execute("UPDATE changes SET at = at - interval '40 days'")
    b.add_tags([pid], ["new-change"])
    assert prune(b.store).horizon > cursor
    with qtbot.waitSignal(window.changes.libraryChanged) as got:
        window.changes.poll()
    assert got.args[0].everything  # never a catch-up that silently misses pruned rows
    qtbot.waitUntil(lambda: window.changes.seq == a.last_change())


def test_a_wake_up_after_shutdown_reads_nothing(qtbot, open_window, team):
    """Another member's NOTIFY still queued when the window shut down (and its library
    closed) opens no connection: it once did, on the disposed engine, and the connection
    was left to the garbage collector."""
    import gc

    import psycopg

    ann = team.role("ann")
    assert main(["--library", team.admin, "team", "add-member", ann]) == 0
    lib = Library.open(team.url(ann))
    window = open_window(lib)
    window.shutdown()
    lib.close()

    def open_ones() -> list[str]:
        gc.collect()
        return [
            repr(c)
            for c in gc.get_objects()
            if isinstance(c, psycopg.Connection) and not c.closed and team.database in repr(c)
        ]

    assert open_ones() == []
    window.remoteChanged.emit()  # queued, as from the listener's thread
    QApplication.processEvents()
    assert open_ones() == []
