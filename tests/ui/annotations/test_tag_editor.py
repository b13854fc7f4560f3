"""Tag editor: typing + Enter, completion, chips with ×, Backspace, bulk, bad names."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.annotations.conftest import db_state, settle, tagged


def type_tag(qtbot, editor, text: str) -> None:
    editor.input.setFocus()
    qtbot.keyClicks(editor.input, text)
    editor.completer.popup().hide()  # Enter below must add what was typed
    qtbot.keyClick(editor.input, Qt.Key.Key_Return)
    settle(editor)


def test_typing_and_enter_tags_the_paper(qtbot, panel, seeded, stack):
    pid = seeded.paper_ids(limit=1)[0]
    panel.set_papers([pid])
    type_tag(qtbot, panel.tag_editor, "  Diffusion ")
    assert tagged(seeded, "diffusion") == {pid}
    assert panel.tag_editor.tags() == ["Diffusion"]
    assert panel.tag_editor.input.text() == ""
    assert stack.count() == 1
    if hasattr(seeded, "search"):  # the search issue's index
        qtbot.waitUntil(lambda: pid in [h.paper_id for h in seeded.search("tag:diffusion").hits])


def test_enter_in_empty_field_does_nothing_and_spaces_are_refused(qtbot, panel, seeded, stack):
    panel.set_papers(seeded.paper_ids(limit=1))
    before = db_state(seeded)
    qtbot.keyClick(panel.tag_editor.input, Qt.Key.Key_Return)
    assert not panel.tag_editor.error.isVisibleTo(panel)
    type_tag(qtbot, panel.tag_editor, "   ")
    assert panel.tag_editor.error.isVisibleTo(panel)
    assert "empty" in panel.tag_editor.error.text()
    type_tag(qtbot, panel.tag_editor, "x" * 80)
    assert "longer than 64" in panel.tag_editor.error.text()
    assert db_state(seeded) == before and stack.count() == 0


def test_completion_is_case_insensitive_most_used_first(qtbot, panel, seeded, stack):
    ids = seeded.paper_ids(limit=10)
    seeded.add_tags(ids[:2], ["Robotics"])
    seeded.add_tags(ids[:7], ["reinforcement learning"])
    seeded.add_tags(ids[:1], ["rare"])
    panel.set_papers(ids[-1:])
    editor = panel.tag_editor
    editor.input.setFocus()
    qtbot.keyClicks(editor.input, "R")
    model = editor.completer.completionModel()
    shown = [model.index(i, 0).data() for i in range(model.rowCount())]
    assert shown == ["reinforcement learning", "Robotics", "rare"]
    # Choosing a completion adds the existing tag (no new tag with other case).
    popup = editor.completer.popup()
    popup.setCurrentIndex(model.index(1, 0))
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.input.text() == "")
    settle(editor)
    assert tagged(seeded, "robotics") == {ids[0], ids[1], ids[-1]}
    assert [t.name for t in seeded.tags()].count("Robotics") == 1
    assert stack.count() == 1


def test_chip_cross_and_backspace_remove(qtbot, panel, seeded, stack):
    pid = seeded.paper_ids(limit=1)[0]
    seeded.add_tags([pid], ["a", "b", "c"])
    panel.set_papers([pid])
    editor = panel.tag_editor
    assert editor.tags() == ["a", "b", "c"]
    chip_b = next(c for c in editor.chips() if c.name == "b")
    qtbot.mouseClick(chip_b.remove_button, Qt.MouseButton.LeftButton)
    settle(editor)
    assert seeded.get(pid).tags == ["a", "c"]
    editor.input.setFocus()
    qtbot.keyClick(editor.input, Qt.Key.Key_Backspace)
    settle(editor)
    assert seeded.get(pid).tags == ["a"]
    assert editor.tags() == ["a"]
    qtbot.keyClicks(editor.input, "zz")
    qtbot.keyClick(editor.input, Qt.Key.Key_Backspace)  # edits the text, removes no tag
    settle(editor)
    assert editor.input.text() == "z" and seeded.get(pid).tags == ["a"]
    stack.undo()
    stack.undo()
    assert seeded.get(pid).tags == ["a", "b", "c"]
    assert editor.tags() == ["a", "b", "c"]


def test_bulk_tag_500_papers_one_transaction_one_undo_step(qtbot, panel, library, stack):
    from tests.bench.synth import AS_OF, page_text

    library.import_text(page_text(600), as_of=AS_OF)
    ids = library.paper_ids(limit=500)
    library.add_tags(ids[:10], ["survey"])  # some carry it already
    from ui.annotations import AnnotationPanel

    p = AnnotationPanel(library, stack)
    qtbot.addWidget(p)
    p.set_papers(ids)
    assert p.tag_editor.chips()[0].label.text() == "survey (10/500)"
    seq = library.last_change()
    type_tag(qtbot, p.tag_editor, "batch")
    type_tag(qtbot, p.tag_editor, "survey")
    assert tagged(library, "batch") == set(ids) == tagged(library, "survey")
    assert stack.count() == 2
    # One transaction per action: the feed's rows of each action are contiguous, and the
    # second added "survey" only to the 490 papers without it.
    changes = library.changes_since(seq)
    assert len([c for c in changes if c[2] == "tag"]) == 500 + 490
    stack.undo()
    assert tagged(library, "survey") == set(ids[:10])
    stack.undo()
    assert not library.tag_exists("batch")
    # Removing from all 500 is one step too.
    p.tag_editor.remove("survey")
    settle(p)
    assert tagged(library, "survey") == set() and stack.count() == 1
    stack.undo()
    assert tagged(library, "survey") == set(ids[:10])
