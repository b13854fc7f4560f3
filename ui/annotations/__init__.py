"""Annotation panels: tags, notes, stars and read state, every change undoable."""

from ui.annotations.note_editor import NoteEditor
from ui.annotations.panel import AnnotationPanel
from ui.annotations.tag_editor import TagEditor
from ui.annotations.tag_manager import TagManager

__all__ = ["AnnotationPanel", "NoteEditor", "TagEditor", "TagManager"]
