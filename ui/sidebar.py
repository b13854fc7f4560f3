"""The sidebar: library views, tags with live counts and colours, saved searches.

Extension point for other panels (export, tag management): connect to
:attr:`Sidebar.tagMenuAboutToShow` — ``(tag_name, menu)`` is emitted just before a tag's
context menu opens, and a slot may add its own actions to ``menu`` (for example
"Export…"). The same holds for :attr:`Sidebar.savedMenuAboutToShow` on saved searches.
"""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QMenu, QStyle, QTreeView

from app import Library, PaperFilter
from app.records import TagInfo, utcnow
from app.store.changes import Changes
from ui import plain
from ui.operations.changes import TAG_LIST_KINDS, ChangeFeed

KEY_ROLE = Qt.ItemDataRole.UserRole + 1

# view key -> (label, filter maker)
VIEWS: dict[str, str] = {
    "view:all": "All papers",
    "view:unread": "Unread",
    "view:starred": "Starred",
    "view:recent": "Recently added",
    "view:untagged": "Untagged",
    "view:trash": "Trash",
}
RECENT_DAYS = 7


def filter_for(key: str) -> PaperFilter:
    """The paper filter of a sidebar key (``view:…`` or ``tag:NAME``; saved searches use
    the view they were saved with)."""
    if key == "view:unread":
        return PaperFilter(read=False)
    if key == "view:starred":
        return PaperFilter(starred=True)
    if key == "view:recent":
        return PaperFilter(added_since=utcnow() - timedelta(days=RECENT_DAYS))
    if key == "view:untagged":
        return PaperFilter(untagged=True)
    if key == "view:trash":
        return PaperFilter(trashed=True)
    if key.startswith("tag:"):
        return PaperFilter(tags=(key[4:],))
    return PaperFilter()


class Sidebar(QTreeView):
    """Emits :attr:`viewSelected` with a key: ``view:all``…, ``tag:NAME`` or ``saved:NAME``."""

    viewSelected = Signal(str)
    tagMenuAboutToShow = Signal(str, QMenu)
    savedMenuAboutToShow = Signal(str, QMenu)
    viewMenuAboutToShow = Signal(str, QMenu)  # a library view ("view:trash" …)
    deleteSavedRequested = Signal(str)

    def __init__(self, lib: Library, parent=None, changes: ChangeFeed | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self._lib = lib
        self._feed = changes
        self.setHeaderHidden(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        self.model_ = QStandardItemModel(self)
        self.setModel(self.model_)
        self._library = self._group("Library")
        self._tags = self._group("Tags")
        self._saved = self._group("Saved searches")
        self._view_items: dict[str, QStandardItem] = {}
        for key, label in VIEWS.items():
            item = self._item(label, key)
            icon = _icon(key.replace(":", "-"))
            if icon.isNull() and key == "view:trash":
                icon = self.style().standardIcon(QStyle.StandardPixmap.SP_TrashIcon)
            item.setIcon(icon)
            self._library.appendRow(item)
            self._view_items[key] = item
        self.refresh_trash()
        self.saved_queries: dict[str, tuple[str, str]] = {}  # name -> (query, view)
        self._renamed: dict[str, str] = {}  # old tag key (casefolded) -> new tag key
        self.refresh_tags()
        self.refresh_saved()
        self.expandAll()
        self.selectionModel().currentChanged.connect(self._current_changed)
        self.select_key("view:all")
        if changes is not None:
            changes.libraryChanged.connect(self.library_changed)

    def library_changed(self, changes: Changes, _initiator: object) -> None:
        """Counts, names and colours follow the change feed (once per change)."""
        if changes.everything or changes.kinds & TAG_LIST_KINDS:
            self.refresh_tags()
        if changes.everything or changes.kinds & {"trash", "restore", "delete"}:
            self.refresh_trash()

    def refresh_trash(self) -> None:
        """The Trash entry shows how many papers it holds."""
        item = self._view_items.get("view:trash")
        if item is not None:
            n = self._lib.trash_count()
            item.setText(f"Trash  ({n:,})" if n else "Trash")

    # -- building --------------------------------------------------------------------------

    def _group(self, label: str) -> QStandardItem:
        item = QStandardItem(label)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        font = item.font()
        font.setBold(True)
        item.setFont(font)
        self.model_.appendRow(item)
        return item

    @staticmethod
    def _placeholder(group: QStandardItem, label: str, hint: str) -> None:
        """A greyed line under an empty group, saying how to fill it (as Zotero's tag
        selector does), so a heading never stands alone."""
        item = QStandardItem(label)
        item.setFlags(Qt.ItemFlag.NoItemFlags)  # shown disabled: not a view to select
        item.setToolTip(hint)
        font = item.font()
        font.setItalic(True)
        item.setFont(font)
        group.appendRow(item)

    @staticmethod
    def _item(label: str, key: str) -> QStandardItem:
        item = QStandardItem(label)
        item.setData(key, KEY_ROLE)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        return item

    def refresh_tags(self, tags: list[TagInfo] | None = None) -> None:
        """Rebuild the tag list (names, counts, colours), keeping the selection."""
        if tags is None:
            tags = self._feed.tags() if self._feed is not None else self._lib.tags()
        current = self.current_key()
        self._tags.removeRows(0, self._tags.rowCount())
        for tag in tags:
            item = self._item(f"{tag.name}  ({tag.count:,})", f"tag:{tag.name}")
            noun = "paper" if tag.count == 1 else "papers"
            item.setToolTip(plain.tooltip(f"{tag.count:,} {noun} tagged {tag.name}"))
            if tag.color:
                item.setIcon(_swatch(tag.color))
            self._tags.appendRow(item)
        if not tags:
            self._placeholder(self._tags, "No tags yet", "Select papers and press T to tag them")
        self._reselect(current)

    def refresh_saved(self) -> None:
        current = self.current_key()
        self._saved.removeRows(0, self._saved.rowCount())
        self.saved_queries = {n: (q, v) for n, q, v in self._lib.saved_searches()}
        for name, (query, _view) in self.saved_queries.items():
            item = self._item(name, f"saved:{name}")
            item.setToolTip(plain.tooltip(query))
            item.setIcon(_icon("saved-search"))
            self._saved.appendRow(item)
        if not self.saved_queries:
            self._placeholder(
                self._saved, "No saved searches", "Search, then press Ctrl+S to save the search"
            )
        self._reselect(current)

    def follow_rename(self, old: str, new: str) -> None:
        """The tag ``old`` is being renamed or merged into ``new``: when the tag list next
        loses ``old``, select ``new`` instead of falling back to All papers."""
        self._renamed[f"tag:{old}".casefold()] = f"tag:{new}"

    def _reselect(self, key: str | None) -> None:
        if key and not self.select_key(key, emit=False):
            moved = self._renamed.pop(key.casefold(), None)
            if moved is not None:
                target = self._tag_key_like(moved)
                if target is not None:
                    self.select_key(target)  # emits: the window lists the merged tag
                    return
            self.select_key("view:all")

    def _tag_key_like(self, key: str) -> str | None:
        """The tag entry whose name equals ``key``'s ignoring case (tags are case-blind)."""
        for row in range(self._tags.rowCount()):
            k = self._tags.child(row).data(KEY_ROLE)
            if isinstance(k, str) and k.casefold() == key.casefold():
                return k
        return None

    # -- selection -------------------------------------------------------------------------

    def current_key(self) -> str | None:
        idx = self.currentIndex()
        return idx.data(KEY_ROLE) if idx.isValid() else None

    def index_of(self, key: str) -> QModelIndex:
        for group in (self._library, self._tags, self._saved):
            for row in range(group.rowCount()):
                if group.child(row).data(KEY_ROLE) == key:
                    return group.child(row).index()
        return QModelIndex()

    def select_key(self, key: str, emit: bool = True) -> bool:
        """Select the entry with ``key``; False if there is none."""
        idx = self.index_of(key)
        if not idx.isValid():
            return False
        if not emit:
            self.selectionModel().blockSignals(True)
        try:
            self.setCurrentIndex(idx)
        finally:
            self.selectionModel().blockSignals(False)
        return True

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        key = current.data(KEY_ROLE) if current.isValid() else None
        if key:
            self.viewSelected.emit(key)

    def _context_menu(self, pos) -> None:
        key = self.indexAt(pos).data(KEY_ROLE)
        if not key:
            return
        menu = self.menu_for(key)
        if not menu.isEmpty():
            menu.exec(self.viewport().mapToGlobal(pos))

    def menu_for(self, key: str) -> QMenu:
        """The right-click menu of the entry ``key`` (filled by the signals' slots)."""
        menu = QMenu(self)
        if key.startswith("view:"):
            self.viewMenuAboutToShow.emit(key, menu)
        elif key.startswith("tag:"):
            self.tagMenuAboutToShow.emit(key[4:], menu)
        elif key.startswith("saved:"):
            name = key[6:]
            menu.addAction("Delete saved search", lambda: self.deleteSavedRequested.emit(name))
            self.savedMenuAboutToShow.emit(name, menu)
        return menu


def _icon(name: str) -> QIcon:
    from ui import resources_path

    path = resources_path("icons", f"{name}.svg")
    if not path.exists():
        return QIcon()
    icon = QIcon(str(path))
    for size in (16, 32):  # on the selection's colour the icon shows white, not lost in it
        pix = icon.pixmap(size, size)
        painter = QPainter(pix)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
        painter.fillRect(pix.rect(), QColor("white"))
        painter.end()
        icon.addPixmap(pix, QIcon.Mode.Selected)
    return icon


def _swatch(color: str) -> QIcon:
    pix = QPixmap(12, 12)
    pix.fill(QColor(color))
    return QIcon(pix)
