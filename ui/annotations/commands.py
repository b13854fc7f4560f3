"""Undo steps for annotations. Each step goes through ``app.Library`` and restores exact states.

The action runs *before* its step is pushed (so a refused tag name is an inline message,
not a half-made step); the first ``redo()`` that ``QUndoStack.push`` calls is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from app.errors import PaperdeskError
from app.library import Library


class Feedback(QObject):
    """What the steps report: papers whose annotations changed, or one line saying why not."""

    changed = Signal(list)  # paper ids (may be empty: a tag renamed that no paper carries)
    failed = Signal(str)


class _Step(QUndoCommand):
    def __init__(self, lib: Library, text: str, feedback: Feedback) -> None:
        super().__init__(text)
        self._lib = lib
        self._feedback = feedback
        self._pushed = False

    def redo(self) -> None:
        if not self._pushed:  # the action has run already
            self._pushed = True
            return
        self._run(self._redo)

    def undo(self) -> None:
        self._run(self._undo)

    def _run(self, fn: Callable[[], list[int]]) -> None:
        # Qt calls undo()/redo() from C++: an exception must not escape. A step that
        # cannot be applied (e.g. the CLI took the tag's name meanwhile) becomes obsolete,
        # so QUndoStack drops it instead of leaving the stack out of step with the library.
        try:
            ids = fn()
        except PaperdeskError as exc:
            self.setObsolete(True)
            self._feedback.failed.emit(f"Cannot {self.text().lower()}: {exc}")
            return
        self._feedback.changed.emit(ids)

    def _redo(self) -> list[int]:
        raise NotImplementedError

    def _undo(self) -> list[int]:
        raise NotImplementedError


class TagStep(_Step):
    """Any tag change (add/remove single or bulk, rename, merge, delete, colour)."""

    def __init__(self, lib: Library, delta: Library.TagDelta, text: str, feedback: Feedback):
        super().__init__(lib, text, feedback)
        self.delta = delta

    def _redo(self) -> list[int]:
        self.delta = self._lib.apply_tag_delta(self.delta)
        return self.delta.paper_ids

    def _undo(self) -> list[int]:
        # Keep the delta as applied: a re-created tag may have got a new id.
        self.delta = self._lib.apply_tag_delta(self.delta.inverse()).inverse()
        return self.delta.paper_ids


class NoteStep(_Step):
    """One note edit: the text typed between two pauses.

    ``settle`` (the editor's background writer's ``wait``) runs first, so an undo never
    races a save still on its way to the library.
    """

    def __init__(
        self,
        lib: Library,
        paper_id: int,
        before: str,
        after: str,
        feedback: Feedback,
        settle: Callable[[], None] | None = None,
    ):
        super().__init__(lib, "Edit note", feedback)
        self.paper_id, self.before, self.after = paper_id, before, after
        self._settle = settle or (lambda: None)

    def _redo(self) -> list[int]:
        self._settle()
        self._lib.set_note(self.paper_id, self.after)
        return [self.paper_id]

    def _undo(self) -> list[int]:
        self._settle()
        self._lib.set_note(self.paper_id, self.before)
        return [self.paper_id]


class FlagStep(_Step):
    """Star or read set on the papers whose value really changed."""

    def __init__(self, lib: Library, flag: str, ids: list[int], value: bool, feedback: Feedback):
        word = {("starred", True): "Star", ("starred", False): "Unstar"}.get(
            (flag, value), "Mark read" if value else "Mark unread"
        )
        super().__init__(lib, f"{word} {_papers(len(ids))}", feedback)
        self._setter = lib.set_starred if flag == "starred" else lib.set_read
        self.ids, self.value = ids, value

    def _redo(self) -> list[int]:
        self._setter(self.ids, self.value)
        return self.ids

    def _undo(self) -> list[int]:
        self._setter(self.ids, not self.value)
        return self.ids


# -- actions: run once, then push the step that undoes/redoes them ---------------------------


def _push_tags(stack: QUndoStack, lib: Library, fb: Feedback, text: str, delta) -> bool:
    if not delta:
        return False
    stack.push(TagStep(lib, delta, text, fb))
    fb.changed.emit(delta.paper_ids)
    return True


def add_tags(stack, lib, fb, ids: Sequence[int], names: Sequence[str]) -> bool:
    """Tag ``ids`` (one transaction, one undo step). Raises PaperdeskError for bad input."""
    delta = lib.add_tags_undoable(ids, names)
    what = ", ".join(repr(n) for n in names)
    return _push_tags(stack, lib, fb, f"Add tag {what} to {_papers(len(ids))}", delta)


def remove_tags(stack, lib, fb, ids: Sequence[int], names: Sequence[str]) -> bool:
    delta = lib.remove_tags_undoable(ids, names)
    what = ", ".join(repr(n) for n in names)
    return _push_tags(stack, lib, fb, f"Remove tag {what} from {_papers(len(ids))}", delta)


def rename_tag(stack, lib, fb, old: str, new: str) -> bool:
    """Rename, or merge into the existing tag ``new`` (ask the user first: see TagManager)."""
    delta = lib.rename_tag_undoable(old, new)
    verb = "Merge tag" if delta.merged else "Rename tag"
    return _push_tags(stack, lib, fb, f"{verb} {old!r} into {new!r}", delta)


def delete_tag(stack, lib, fb, name: str) -> bool:
    return _push_tags(stack, lib, fb, f"Delete tag {name!r}", lib.delete_tag_undoable(name))


def set_tag_color(stack, lib, fb, name: str, color: str | None) -> bool:
    delta = lib.set_tag_color_undoable(name, color)
    return _push_tags(stack, lib, fb, f"Colour tag {name!r}", delta)


def set_note(stack, lib, fb, paper_id: int, before: str, after: str) -> None:
    """Save a note now (on this thread) as one undo step; the editor saves in the background."""
    lib.set_note(paper_id, after)
    stack.push(NoteStep(lib, paper_id, before, after, fb))
    fb.changed.emit([paper_id])


def set_flag(stack, lib, fb, flag: str, ids: Sequence[int], value: bool) -> bool:
    """Star/unstar or read/unread; the step remembers only papers that really changed."""
    setter = lib.set_starred if flag == "starred" else lib.set_read
    changed = setter(ids, value)
    if not changed:
        return False
    stack.push(FlagStep(lib, flag, changed, value, fb))
    fb.changed.emit(changed)
    return True


def _papers(n: int) -> str:
    return "1 paper" if n == 1 else f"{n} papers"
