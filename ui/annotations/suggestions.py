"""Suggested tags: the tags on the papers most similar to this one (``lib.related``)."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QToolButton, QWidget

from app.errors import PaperdeskError
from app.library import Library
from ui import plain
from ui.annotations.flow_layout import FlowLayout

NEIGHBOURS = 10
SHOWN = 5


def neighbour_tags(lib: Library, paper_id: int) -> list[str]:
    """Tags on ``paper_id``'s related papers, most frequent first (those it carries too).

    Searches the index: run it off the GUI thread. The caller filters out the paper's own
    tags (:func:`pick_suggestions`), so a tag added later needs no second search.
    """
    try:
        found = lib.related(paper_id, limit=NEIGHBOURS)
        ids = [h.paper_id for h in found.hits if h.paper_id != paper_id][:NEIGHBOURS]
        if not ids:
            return []
        counts = lib.annotation_summary(ids)["tags"]
    except PaperdeskError:
        return []
    return [name for name, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold()))]


def pick_suggestions(ranked: list[str], own: Iterable[str], limit: int = SHOWN) -> list[str]:
    """The first ``limit`` of ``ranked`` that the paper (carrying ``own``) lacks."""
    mine = {t.casefold() for t in own}
    return [name for name in ranked if name.casefold() not in mine][:limit]


def suggest_tags(lib: Library, paper_id: int, limit: int = SHOWN) -> list[str]:
    """Tags carried by ``paper_id``'s related papers but not by it, most frequent first."""
    try:
        own = lib.annotation_summary([paper_id])["tags"]
    except PaperdeskError:
        return []
    return pick_suggestions(neighbour_tags(lib, paper_id), own, limit)


class SuggestedTags(QWidget):
    """A row of "+ tag" buttons; one click asks to add that tag."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tagSuggestions")
        self._layout = FlowLayout(self)
        self._layout.addWidget(QLabel("Suggested:", self))
        self._names: list[str] = []
        self.hide()

    def names(self) -> list[str]:
        return list(self._names)

    def buttons(self) -> list[QToolButton]:
        return self.findChildren(QToolButton, "suggestedTag")

    def set_names(self, names: list[str]) -> None:
        self._names = list(names)
        for b in self.buttons():
            self._layout.removeWidget(b)
            b.deleteLater()
        for name in names:
            b = QToolButton(self)
            b.setObjectName("suggestedTag")
            b.setText(plain.menu_text(f"+ {name}"))
            b.setToolTip(plain.tooltip(f"Add the tag {name!r}"))
            b.setAccessibleName(f"Add suggested tag {name}")
            b.clicked.connect(lambda _=False, n=name: self.chosen.emit(n))
            self._layout.addWidget(b)
        self.setVisible(bool(names))
