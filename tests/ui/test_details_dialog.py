"""The details editor: validated, one undoable step, the row and the reader follow."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialogButtonBox

from tests.ui.test_write_path import quiet


def test_edit_details_validates_saves_and_undoes(qtbot, open_window, seeded):
    window = open_window(seeded)
    pid = window.model.id_at(0)
    window.select_ids([pid])
    before = seeded.get(pid)
    window.findChild(QAction, "actionEditDetails").trigger()
    dialog = window.details_dialog
    assert dialog.isVisible()
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    dialog.fields["title"].setText("   ")
    assert not save.isEnabled() and "title cannot be empty" in dialog.error.text()
    dialog.fields["title"].setText("A Better Title")
    dialog.fields["published"].setText("2025-13-40")
    assert not save.isEnabled() and "YYYY-MM-DD" in dialog.error.text()
    dialog.fields["published"].setText("2024-02-29")
    dialog.fields["links"].setPlainText("ftp://nope")
    assert not save.isEnabled()
    dialog.fields["links"].setPlainText("https://example.org/code")
    dialog.fields["organization"].setText("Example Lab")
    assert save.isEnabled() and dialog.error.isHidden()
    save.click()
    quiet(qtbot, window)
    rec = seeded.get(pid)
    assert rec.title == "A Better Title" and rec.published == date(2024, 2, 29)
    assert rec.links == ["https://example.org/code"] and rec.organization == "Example Lab"
    row = window.model.row_of(pid)
    assert "A Better Title" in window.model.data(window.model.index(row, 0))
    assert "A Better Title" in window.reader.toPlainText()
    window.undo_stack.undo()
    quiet(qtbot, window)
    # The key made when the dialog first showed the paper stays (issue 12): never undone.
    after = seeded.get(pid)
    assert after.citation_key and replace(after, citation_key=None) == before
    assert seeded.edited_fields(pid) == []
    assert before.title in window.reader.toPlainText()
    window.undo_stack.redo()
    quiet(qtbot, window)
    assert seeded.get(pid).title == "A Better Title"


def test_edit_details_needs_exactly_one_paper(qtbot, open_window, seeded):
    window = open_window(seeded)
    window.select_ids([window.model.id_at(0), window.model.id_at(1)])
    assert not window.findChild(QAction, "actionEditDetails").isEnabled()


def test_citation_key_edit_is_one_undoable_step(qtbot, open_window, seeded):
    window = open_window(seeded)
    pid, other = window.model.id_at(0), window.model.id_at(1)
    other_key = seeded.citation_keys([other])[other]
    window.select_ids([pid])
    window.findChild(QAction, "actionEditDetails").trigger()
    dialog = window.details_dialog
    qtbot.waitUntil(lambda: bool(dialog.key.text()))  # made when first shown
    made = dialog.key.text()
    assert seeded.get(pid).citation_key == made
    depth = window.undo_stack.count()
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    dialog.key.setText("has space")  # malformed: said at once, before any save
    assert not dialog.error.isHidden() and "letter first" in dialog.error.text()
    dialog.key.setText("mine2024key")
    assert dialog.error.isHidden() and save.isEnabled()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    quiet(qtbot, window)
    assert seeded.get(pid).citation_key == "mine2024key"
    assert window.undo_stack.count() == depth + 1  # one save, one step
    assert window.undo_stack.undoText() in ("Change citation key", "Edit details")
    window.undo_stack.undo()
    quiet(qtbot, window)
    assert seeded.get(pid).citation_key == made
    window.undo_stack.redo()
    quiet(qtbot, window)
    assert seeded.get(pid).citation_key == "mine2024key"
    # Another paper's key is refused in one line, and no step is pushed.
    window.findChild(QAction, "actionEditDetails").trigger()
    dialog = window.details_dialog
    dialog.key.setText(other_key)
    with qtbot.waitSignal(window.panel.feedback.failed) as refused:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert other_key in refused.args[0] and "\n" not in refused.args[0]
    quiet(qtbot, window)
    assert seeded.get(pid).citation_key == "mine2024key"
    assert window.undo_stack.count() == depth + 1, window.undo_stack.undoText()
