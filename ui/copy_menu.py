"""Paper › Copy as: a formatted citation (CSL style, Ctrl+Shift+C), the BibTeX entry, the
citation key, a Markdown link — of the selected papers, to the clipboard.

Citation keys are made when a paper is first copied (a write), so the texts are built by
one operation on the writer thread and reach the clipboard when it is done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu

from app.export import cite
from app.library import Library
from app.records import PaperRecord

STYLE_KEY = "copy/style"


def _texts(lib: Library, ids: list[int], make: Callable[[list[PaperRecord]], list[str]]) -> str:
    lib.make_citation_keys(ids)
    return "\n".join(make(lib.papers(ids)))


class CopyAs(QObject):
    """The Copy as actions of a window (``window.selected_ids()``, ``.ops``, ``.status``)."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.w = window
        self.formatted = self._action(
            "Formatted &citation", "actionCopyCitation", self.copy_formatted, "Ctrl+Shift+C"
        )
        self.bibtex = self._action("&BibTeX entry", "actionCopyBibtex", self.copy_bibtex)
        self.key = self._action("Citation &key", "actionCopyCitationKey", self.copy_keys)
        self.markdown = self._action("&Markdown link", "actionCopyMarkdown", self.copy_markdown)
        self.styles = QActionGroup(self)
        for name in cite.STYLES:
            a = QAction(name.upper() if len(name) <= 4 else name.title(), self)
            a.setObjectName(f"actionCitationStyle_{name}")
            a.setCheckable(True)
            a.setData(name)
            a.setChecked(name == self.style)
            a.triggered.connect(lambda _c=False, n=name: self.set_style(n))
            self.styles.addAction(a)
        self._label()

    def _action(self, text: str, name: str, slot: Callable[[], None], keys: str = "") -> QAction:
        a = QAction(text, self.w)
        a.setObjectName(name)
        if keys:
            a.setShortcut(QKeySequence(keys))
        a.triggered.connect(lambda _checked=False: slot())
        return a

    @property
    def actions(self) -> list[QAction]:
        return [self.formatted, self.bibtex, self.key, self.markdown]

    # -- the style -------------------------------------------------------------------------

    def _settings(self) -> QSettings:
        return getattr(self.w, "settings", None) or QSettings("Paperdesk", "paperdesk")

    @property
    def style(self) -> str:
        name = str(self._settings().value(STYLE_KEY, cite.DEFAULT_STYLE))
        return name if name in cite.STYLES else cite.DEFAULT_STYLE

    def set_style(self, name: str) -> None:
        self._settings().setValue(STYLE_KEY, name)
        self._label()

    def _label(self) -> None:
        style = self.style
        self.formatted.setText(f"Formatted &citation ({style.upper()})")
        for a in self.styles.actions():
            a.setChecked(a.data() == style)

    def fill(self, menu: QMenu, enabled: bool) -> QMenu:
        """Add the "Copy as" submenu to ``menu``."""
        sub = menu.addMenu("Copy &as")
        sub.setObjectName("menuCopyAs")
        for a in self.actions:
            a.setEnabled(enabled)
            sub.addAction(a)
        styles = sub.addMenu("Citation &style")
        styles.setObjectName("menuCitationStyle")
        for a in self.styles.actions():
            styles.addAction(a)
        sub.setEnabled(enabled)
        return sub

    # -- copying ---------------------------------------------------------------------------

    def _copy(self, what: str, make: Callable[[list[PaperRecord]], list[str]]) -> None:
        ids = list(self.w.selected_ids())
        if not ids:
            return
        n = len(ids)

        def done(text: object) -> None:
            QGuiApplication.clipboard().setText(str(text))
            self.w.status.showMessage(f"Copied {what} of {n} paper{'s' if n != 1 else ''}.", 4000)

        def failed(reason: str) -> None:
            self.w.status.showMessage(f"Nothing copied: {reason}", 8000)

        self.w.ops.op(lambda lib: _texts(lib, ids, make), self).success(done).failure(failed).run()

    def copy_formatted(self) -> None:
        style = self.style
        self._copy(f"the {style.upper()} citation", lambda ps: cite.formatted(ps, style, "text"))

    def copy_bibtex(self) -> None:
        self._copy("BibTeX", lambda ps: [cite.bibtex_entry(p) for p in ps])

    def copy_keys(self) -> None:
        self._copy("the citation key", lambda ps: [p.citation_key or "" for p in ps])

    def copy_markdown(self) -> None:
        self._copy("a Markdown link", lambda ps: [cite.markdown_link(p) for p in ps])
