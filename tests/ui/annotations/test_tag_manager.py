"""Tag management for the sidebar: rename, merge (confirmed), delete (count shown), colour."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.ui.annotations.conftest import db_state, settle, tagged
from ui.annotations import TagManager


def answer_dialog(qtbot, button: QMessageBox.StandardButton, seen: list) -> None:
    """Click ``button`` on the next modal message box (and remember its text)."""

    def poll():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.button(button).click()
        else:
            QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)


def test_rename_then_merge_then_undo_both(qtbot, panel, seeded, stack):
    ids = seeded.paper_ids(limit=10)
    seeded.add_tags(ids[:6], ["nlp"])
    seeded.add_tags(ids[4:], ["Language"])
    seeded.set_tag_color("nlp", "#ff8800")
    manager = TagManager(panel.ops, stack, panel, panel.feedback)
    start = db_state(seeded)

    assert manager.rename("nlp", "NLP models")  # a plain rename: no question
    settle(manager)
    assert tagged(seeded, "nlp models") == set(ids[:6])
    renamed = db_state(seeded)

    seen: list[str] = []
    answer_dialog(qtbot, QMessageBox.StandardButton.Yes, seen)
    assert manager.rename("NLP models", "language")
    settle(manager)
    assert "Merge 'NLP models' (6 papers) into 'Language'" in seen[0]
    assert not seeded.tag_exists("NLP models")
    assert tagged(seeded, "Language") == set(ids)
    assert stack.count() == 2 and "Merge" in stack.undoText()

    stack.undo()
    assert db_state(seeded) == renamed  # the merged tag is back with its id, colour, papers
    stack.undo()
    assert db_state(seeded) == start
    stack.redo()
    stack.redo()
    assert tagged(seeded, "Language") == set(ids) and not seeded.tag_exists("nlp")


def test_merge_refused_in_the_dialog_changes_nothing(qtbot, seeded, stack):
    ids = seeded.paper_ids(limit=3)
    seeded.add_tags(ids[:1], ["a"])
    seeded.add_tags(ids[1:], ["b"])
    manager = TagManager(seeded, stack)
    before = db_state(seeded)
    answer_dialog(qtbot, QMessageBox.StandardButton.No, [])
    assert not manager.rename("a", "B")
    assert db_state(seeded) == before and stack.count() == 0


def test_delete_asks_with_the_count_and_undo_restores(qtbot, seeded, stack):
    ids = seeded.paper_ids(limit=12)
    seeded.add_tags(ids, ["doomed"])
    seeded.set_tag_color("doomed", "#0000ff")
    manager = TagManager(seeded, stack)
    before = db_state(seeded)
    seen: list[str] = []
    answer_dialog(qtbot, QMessageBox.StandardButton.Yes, seen)
    assert manager.delete("doomed")
    settle(manager)
    assert "from 12 papers" in seen[0]
    assert not seeded.tag_exists("doomed")
    stack.undo()
    assert db_state(seeded) == before


def test_colour_and_bad_names_are_one_line(qtbot, seeded, stack):
    ids = seeded.paper_ids(limit=2)
    seeded.add_tags(ids, ["c"])
    manager = TagManager(seeded, stack)
    failures: list[str] = []
    manager.feedback.failed.connect(failures.append)
    assert manager.set_color("c", "#AbCdEf")
    settle(manager)
    assert {t.name: t.color for t in seeded.tags()}["c"] == "#abcdef"
    assert not manager.set_color("c", "not a colour")
    assert not manager.rename("c", "   ")
    assert not manager.rename("missing", "x")
    assert not manager.delete("missing")
    assert len(failures) == 4 and all("\n" not in f for f in failures)
    assert "empty" in failures[1] and "missing" in failures[2]
    stack.undo()
    assert {t.name: t.color for t in seeded.tags()}["c"] is None


def test_an_undo_that_cannot_apply_says_why_and_leaves_the_library_alone(
    qtbot, panel, seeded, stack
):
    ids = seeded.paper_ids(limit=3)
    seeded.add_tags(ids, ["x"])
    manager = TagManager(panel.ops, stack, panel, panel.feedback)
    answer_dialog(qtbot, QMessageBox.StandardButton.Yes, [])
    assert manager.delete("x")
    settle(manager)
    seeded.add_tags(ids[:1], ["X"])  # meanwhile (e.g. the command line) a new "X"
    before = db_state(seeded)
    stack.undo()
    assert db_state(seeded) == before
    assert panel.message.isVisibleTo(panel)
    assert "another tag has that name" in panel.message.text()
    assert stack.count() == 0  # the step that cannot apply is dropped
