"""The panel: star/read toggles and keys, tag keys 1–9, undo/redo of each action exact."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.annotations.conftest import db_state, settle, tagged


def test_actions_are_star_read_and_nine_tag_keys(panel):
    acts = panel.actions()
    assert [a.objectName() for a in acts] == ["starAction", "readAction"] + [
        f"tagKey{k}" for k in range(1, 10)
    ]
    assert acts[0].shortcut().toString() == "S" and acts[2].shortcut().toString() == "1"


def test_star_and_read_keys_toggle_and_undo_exactly(qtbot, panel, seeded, stack):
    ids = seeded.paper_ids(limit=4)
    seeded.set_starred(ids[:1])  # a mixed selection
    panel.set_papers(ids)
    start = db_state(seeded)
    panel.setFocus()
    qtbot.keyClick(panel, Qt.Key.Key_S)  # mixed -> all starred
    settle(panel)
    assert all(p.starred for p in seeded.papers(ids))
    assert panel.star_action.isChecked()
    qtbot.keyClick(panel, Qt.Key.Key_S)  # all -> none
    settle(panel)
    assert not any(p.starred for p in seeded.papers(ids))
    qtbot.keyClick(panel, Qt.Key.Key_R)
    settle(panel)
    assert all(p.read for p in seeded.papers(ids)) and panel.read_action.isChecked()
    states = [db_state(seeded)]
    for _ in range(3):
        stack.undo()
        states.append(db_state(seeded))
    assert states[-1] == start
    assert [p.starred for p in seeded.papers(ids)] == [True, False, False, False]
    assert not panel.star_action.isChecked()  # the panel follows undo
    for _ in range(3):
        stack.redo()
    assert db_state(seeded) == states[0]


def test_keys_1_to_9_toggle_the_coloured_tags(qtbot, panel, seeded, stack):
    ids = seeded.paper_ids(limit=3)
    seeded.add_tags(ids[:1], ["b-second", "a-first", "plain"])
    seeded.set_tag_color("b-second", "#00aa00")
    seeded.set_tag_color("a-first", "#aa0000")
    panel.set_papers(ids)
    assert panel.tag_actions[0].text() == "Toggle tag 'a-first'"
    assert not panel.tag_actions[2].isEnabled()
    panel.setFocus()
    qtbot.keyClick(panel, Qt.Key.Key_2)  # b-second on 1 of 3 -> all
    settle(panel)
    assert tagged(seeded, "b-second") == set(ids)
    qtbot.keyClick(panel, Qt.Key.Key_2)  # all -> none
    settle(panel)
    assert tagged(seeded, "b-second") == set()
    qtbot.keyClick(panel, Qt.Key.Key_1)
    settle(panel)
    assert tagged(seeded, "a-first") == set(ids)
    qtbot.keyClick(panel, Qt.Key.Key_3)  # no third coloured tag: nothing
    settle(panel)
    assert stack.count() == 3
    stack.undo()
    stack.undo()
    stack.undo()
    assert tagged(seeded, "b-second") == tagged(seeded, "a-first") == {ids[0]}


def test_typing_digits_in_the_tag_field_types_them(qtbot, panel, seeded, stack):
    ids = seeded.paper_ids(limit=1)
    seeded.add_tags(ids, ["x"])
    seeded.set_tag_color("x", "#123456")
    panel.set_papers(ids)
    panel.tag_editor.input.setFocus()
    qtbot.keyClicks(panel.tag_editor.input, "v1s")
    assert panel.tag_editor.input.text() == "v1s"
    assert tagged(seeded, "x") == set(ids) and stack.count() == 0


def test_own_writes_and_another_process_arrive_as_one_library_changed(qtbot, panel, seeded, stack):
    from app.cli import main

    pid = seeded.paper_ids(limit=1)[0]
    panel.set_papers([pid])
    with qtbot.waitSignal(panel.ops.changes.libraryChanged) as sig:
        panel.toggle_star()
    changes, initiator = sig.args
    assert changes.annotation == {pid} and changes.kinds == {"star"} and initiator is panel
    assert panel.star_action.isChecked()
    # The command line, in its own Library (as another process would), tags the paper;
    # the feed's next poll tells the panel, with no initiator.
    assert main(["--library", str(seeded.path), "tag", "add", str(pid), "-t", "from-cli"]) == 0
    with qtbot.waitSignal(panel.ops.changes.libraryChanged, timeout=5000) as sig:
        pass
    assert sig.args[1] is None and pid in sig.args[0].annotation
    assert panel.tag_editor.tags() == ["from-cli"]


def test_mark_read_after_n_seconds_is_off_by_default(qtbot, panel, seeded, stack):
    a, b = seeded.paper_ids(limit=2)
    panel.set_papers([a])
    assert not panel._auto_read.isActive()
    panel.set_auto_read(0.05)
    panel.set_papers([b])
    qtbot.waitUntil(lambda: stack.count() == 1, timeout=2000)  # stored, and one undo step
    assert seeded.get(b).read and not seeded.get(a).read
    stack.undo()
    assert not seeded.get(b).read


def test_two_quick_presses_toggle_there_and_back(qtbot, panel, seeded, stack):
    pid = seeded.paper_ids(limit=1)[0]
    panel.set_papers([pid])
    panel.toggle_star()
    assert panel.star_action.isChecked()  # shown before the writer has answered
    panel.toggle_star()
    settle(panel)
    assert not seeded.get(pid).starred and not panel.star_action.isChecked()
    assert stack.count() == 2
