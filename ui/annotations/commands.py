"""Undo steps for annotations. Each step goes through ``app.Library`` on the window's writer
thread (``ui.operations``) and restores exact states.

The action runs *before* its step is pushed (so a refused tag name is an inline message,
not a half-made step): it is an operation whose success pushes the step; the first
``redo()`` that ``QUndoStack.push`` calls is skipped. What changed reaches the views through
``libraryChanged`` alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from app.library import Library
from ui.operations import Operations


class Feedback(QObject):
    """Where the steps report a refusal: one line, shown inline by the view."""

    failed = Signal(str)


class _Step(QUndoCommand):
    def __init__(self, ops: Operations, text: str, feedback: Feedback) -> None:
        super().__init__(text)
        self._ops = ops
        self._feedback = feedback
        self._pushed = False

    def redo(self) -> None:
        if not self._pushed:  # the action has run already
            self._pushed = True
            return
        self._run(self._redo)

    def undo(self) -> None:
        self._run(self._undo)

    def _run(self, fn: Callable[[Library], Any]) -> None:
        # Qt calls undo()/redo() from C++: nothing may raise here. The write runs on the
        # writer thread, and this waits for its outcome (one small write, after those
        # queued before it): QUndoStack decides right after undo()/redo() returns whether
        # the step is obsolete. A step that cannot be applied (e.g. the CLI took the tag's
        # name meanwhile) says why and becomes obsolete, so the stack drops it instead of
        # leaving itself out of step with the library.
        def failed(reason: str) -> None:
            self.setObsolete(True)
            self._feedback.failed.emit(f"Cannot {self.text().lower()}: {reason}")

        self._ops.op(fn, initiator=self._ops).failure(failed).run()
        self._ops.wait()

    def _redo(self, lib: Library) -> object:
        raise NotImplementedError

    def _undo(self, lib: Library) -> object:
        raise NotImplementedError


class TagStep(_Step):
    """Any tag change (add/remove single or bulk, rename, merge, delete, colour)."""

    def __init__(self, ops: Operations, delta: Library.TagDelta, text: str, feedback: Feedback):
        super().__init__(ops, text, feedback)
        self.delta = delta

    # These run on the writer thread, one after another: each reads the delta the previous
    # one left (a quick undo-redo-undo never works from a stale delta).
    def _redo(self, lib: Library) -> object:
        self.delta = lib.apply_tag_delta(self.delta)
        return self.delta

    def _undo(self, lib: Library) -> object:
        # Keep the delta as applied: a re-created tag may have got a new id.
        self.delta = lib.apply_tag_delta(self.delta.inverse()).inverse()
        return self.delta


class NoteStep(_Step):
    """One note edit: the text typed between two pauses (queued after its own save)."""

    def __init__(
        self, ops: Operations, paper_id: int, before: str, after: str, feedback: Feedback
    ) -> None:
        super().__init__(ops, "Edit note", feedback)
        self.paper_id, self.before, self.after = paper_id, before, after

    def _redo(self, lib: Library) -> object:
        lib.set_note(self.paper_id, self.after)
        return self.paper_id

    def _undo(self, lib: Library) -> object:
        lib.set_note(self.paper_id, self.before)
        return self.paper_id


class FlagStep(_Step):
    """Star or read set on the papers whose value really changed."""

    def __init__(
        self, ops: Operations, flag: str, ids: list[int], value: bool, feedback: Feedback
    ) -> None:
        word = {("starred", True): "Star", ("starred", False): "Unstar"}.get(
            (flag, value), "Mark read" if value else "Mark unread"
        )
        super().__init__(ops, f"{word} {_papers(len(ids))}", feedback)
        self.flag, self.ids, self.value = flag, ids, value

    def _set(self, lib: Library, value: bool) -> object:
        setter = lib.set_starred if self.flag == "starred" else lib.set_read
        return setter(self.ids, value)

    def _redo(self, lib: Library) -> object:
        return self._set(lib, self.value)

    def _undo(self, lib: Library) -> object:
        return self._set(lib, not self.value)


class TrashStep(_Step):
    """Papers moved to the Trash (or restored from it): exactly those that moved."""

    def __init__(self, ops: Operations, ids: list[int], to_trash: bool, feedback: Feedback):
        word = "Move to Trash" if to_trash else "Restore"
        super().__init__(ops, f"{word} {_papers(len(ids))}", feedback)
        self.ids, self.to_trash = ids, to_trash

    def _move(self, lib: Library, to_trash: bool) -> object:
        return lib.trash_papers(self.ids) if to_trash else lib.restore_papers(self.ids)

    def _redo(self, lib: Library) -> object:
        return self._move(lib, self.to_trash)

    def _undo(self, lib: Library) -> object:
        return self._move(lib, not self.to_trash)


class EditStep(_Step):
    """One save of the details editor: the fields it changed, before and after, and the
    edited-field list before and after (so undo leaves imports free to fill them again)."""

    def __init__(self, ops: Operations, edited: Any, feedback: Feedback) -> None:
        super().__init__(ops, "Edit details", feedback)
        self.edited = edited

    def _redo(self, lib: Library) -> object:
        e = self.edited
        return lib.edit_paper(e.paper_id, e.after, e.edited_after)

    def _undo(self, lib: Library) -> object:
        e = self.edited
        return lib.edit_paper(e.paper_id, e.before, e.edited_before)


# -- actions: run once (on the writer), then push the step that undoes/redoes them -----------

Refused = Callable[[str], None]


def _tag_action(
    stack: QUndoStack,
    ops: Operations,
    fb: Feedback,
    fn: Callable[[Library], Library.TagDelta],
    text: Callable[[Library.TagDelta], str],
    initiator: object,
    refused: Refused | None,
    done: Callable[[bool], None] | None,
) -> None:
    def pushed(delta: Library.TagDelta) -> None:  # on the GUI thread, once stored
        if delta:
            stack.push(TagStep(ops, delta, text(delta), fb))
        if done is not None:
            done(bool(delta))

    ops.op(fn, initiator).success(pushed).failure(refused or fb.failed.emit).run()


def add_tags(
    stack: QUndoStack,
    ops: Operations,
    fb: Feedback,
    ids: Sequence[int],
    names: Sequence[str],
    initiator: object = None,
    refused: Refused | None = None,
    done: Callable[[bool], None] | None = None,
) -> None:
    """Tag ``ids`` (one transaction, one undo step); a bad name goes to ``refused``."""
    ids, names = list(ids), list(names)
    what = ", ".join(repr(n) for n in names)
    _tag_action(
        stack,
        ops,
        fb,
        lambda lib: lib.add_tags_undoable(ids, names),
        lambda _d: f"Add tag {what} to {_papers(len(ids))}",
        initiator,
        refused,
        done,
    )


def remove_tags(
    stack: QUndoStack,
    ops: Operations,
    fb: Feedback,
    ids: Sequence[int],
    names: Sequence[str],
    initiator: object = None,
    refused: Refused | None = None,
    done: Callable[[bool], None] | None = None,
) -> None:
    ids, names = list(ids), list(names)
    what = ", ".join(repr(n) for n in names)
    _tag_action(
        stack,
        ops,
        fb,
        lambda lib: lib.remove_tags_undoable(ids, names),
        lambda _d: f"Remove tag {what} from {_papers(len(ids))}",
        initiator,
        refused,
        done,
    )


def rename_tag(
    stack: QUndoStack, ops: Operations, fb: Feedback, old: str, new: str, initiator: object = None
) -> None:
    """Rename, or merge into the existing tag ``new`` (ask the user first: see TagManager)."""

    def text(delta: Library.TagDelta) -> str:
        verb = "Merge tag" if delta.merged else "Rename tag"
        return f"{verb} {old!r} into {new!r}"

    fn: Callable[[Library], Library.TagDelta] = lambda lib: lib.rename_tag_undoable(old, new)  # noqa: E731
    _tag_action(stack, ops, fb, fn, text, initiator, None, None)


def delete_tag(
    stack: QUndoStack, ops: Operations, fb: Feedback, name: str, initiator: object = None
) -> None:
    _tag_action(
        stack,
        ops,
        fb,
        lambda lib: lib.delete_tag_undoable(name),
        lambda _d: f"Delete tag {name!r}",
        initiator,
        None,
        None,
    )


def set_tag_color(
    stack: QUndoStack,
    ops: Operations,
    fb: Feedback,
    name: str,
    color: str | None,
    initiator: object = None,
) -> None:
    _tag_action(
        stack,
        ops,
        fb,
        lambda lib: lib.set_tag_color_undoable(name, color),
        lambda _d: f"Colour tag {name!r}",
        initiator,
        None,
        None,
    )


def set_flag(
    stack: QUndoStack,
    ops: Operations,
    fb: Feedback,
    flag: str,
    ids: Sequence[int],
    value: bool,
    initiator: object = None,
) -> None:
    """Star/unstar or read/unread; the step remembers only papers that really changed."""
    ids = list(ids)

    def run(lib: Library) -> list[int]:
        setter = lib.set_starred if flag == "starred" else lib.set_read
        return setter(ids, value)

    def pushed(changed: list[int]) -> None:
        if changed:
            stack.push(FlagStep(ops, flag, list(changed), value, fb))

    ops.op(run, initiator).success(pushed).failure(fb.failed.emit).run()


def move_to_trash(
    stack: QUndoStack,
    ops: Operations,
    fb: Feedback,
    ids: Sequence[int],
    to_trash: bool = True,
    initiator: object = None,
    done: Callable[[list[int]], None] | None = None,
) -> None:
    """Move papers to the Trash (``to_trash``) or restore them: one undoable step."""
    ids = list(ids)

    def run(lib: Library) -> list[int]:
        return lib.trash_papers(ids) if to_trash else lib.restore_papers(ids)

    def pushed(changed: list[int]) -> None:
        if changed:
            stack.push(TrashStep(ops, list(changed), to_trash, fb))
        if done is not None:
            done(list(changed))

    ops.op(run, initiator).success(pushed).failure(fb.failed.emit).run()


def edit_details(
    stack: QUndoStack,
    ops: Operations,
    fb: Feedback,
    paper_id: int,
    values: dict[str, Any],
    initiator: object = None,
) -> None:
    """Save the details editor's values: one undoable step (nothing if nothing changed)."""
    values = dict(values)

    def pushed(edited: Any) -> None:
        if edited.after:
            stack.push(EditStep(ops, edited, fb))

    ops.op(lambda lib: lib.edit_paper(paper_id, values), initiator).success(pushed).failure(
        fb.failed.emit
    ).run()


def _papers(n: int) -> str:
    return "1 paper" if n == 1 else f"{n} papers"
