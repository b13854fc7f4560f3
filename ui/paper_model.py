"""The paper table's item model: it holds ids only and fetches rows lazily, a window at a time."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPixmap

from app import Library
from app.records import PaperRecord
from ui import plain

# (header, sort key understood by Library.paper_ids, or None when SQL cannot sort it)
# New columns go at the end, so the window's column positions (sort indicator, widths)
# stay valid.
COLUMNS: list[tuple[str, str | None]] = [
    ("Title", "title"),
    ("Published", "published"),
    ("Upvotes", "upvotes"),
    ("Authors", "author_names"),  # by name ("Tian et al."), or the count without names
    ("Organisation", "organization"),
    ("Tags", None),
    ("Added", "added"),
    ("Comments", "comments"),
    ("arXiv", "arxiv_id"),
]
_NUMBERS = (2, 7)  # right-aligned columns
# Shown at start (the rest through the header's menu): fits a 1280-px window, and Added —
# the default sort — is among them, so the sort arrow shows.
DEFAULT_HIDDEN = frozenset({"Organisation", "Comments", "arXiv"})
# What a column's default width must show (besides its header and sort arrow): widths come
# from the font (PaperTable.fitted_widths), so the set fits at any font size.
COLUMN_SAMPLES = {"Published": "2025-08-28", "Upvotes": "1,234", "Authors": "Tian et al."}
COLUMN_SAMPLES |= {"Organisation": "Google DeepMind", "Comments": "123", "arXiv": "2510.04618"}
COLUMN_SAMPLES |= {"Tags": "diffusion", "Added": "2025-08-28"}
NOTE_MARK = "✎"  # a paper with a note (Title column)
PAPER_ID_ROLE = Qt.ItemDataRole.UserRole + 1
RECORD_ROLE = Qt.ItemDataRole.UserRole + 2

_WINDOW_BEFORE = 40  # rows fetched above a missing row (scrolling up)
_WINDOW_AFTER = 160  # and below it: one fetch fills a screen or two
_CACHE_MAX = 4000  # records kept; far fewer than a large library


class PaperTableModel(QAbstractTableModel):
    """Rows are paper ids in display order; records come from ``lib.papers`` on demand."""

    def __init__(self, lib: Library, parent=None) -> None:
        super().__init__(parent)
        self._lib = lib
        self._ids: list[int] = []
        self._rows: dict[int, int] | None = None  # id -> row, built on first need
        self._cache: OrderedDict[int, PaperRecord] = OrderedDict()
        self._missing: set[int] = set()  # ids the library no longer has
        self._bold = QFont()
        self._bold.setBold(True)
        self._tag_colors: dict[str, str] = {}  # tag name (casefolded) -> colour
        self._dots: dict[tuple[str, ...], QPixmap] = {}

    def set_tag_colors(self, colors: dict[str, str | None]) -> None:
        """Tag colours for the rows' dots (the window passes them on every tag change)."""
        new = {name.casefold(): c for name, c in colors.items() if c}
        if new != self._tag_colors:
            self._tag_colors = new
            self._dots.clear()
            if self._ids:
                col = _column("Tags")
                self.dataChanged.emit(self.index(0, col), self.index(len(self._ids) - 1, col))

    def _dot_pixmap(self, colors: tuple[str, ...]) -> QPixmap:
        pix = self._dots.get(colors)
        if pix is None:
            size, gap = 10, 3
            pix = QPixmap(len(colors) * (size + gap), size)
            pix.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pix)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            for n, c in enumerate(colors):
                painter.setBrush(QBrush(QColor(c)))
                painter.drawEllipse(QRectF(n * (size + gap), 0, size, size))
            painter.end()
            self._dots[colors] = pix
        return pix

    # -- contents --------------------------------------------------------------------------

    def ids(self) -> list[int]:
        return self._ids

    def set_ids(self, ids: Sequence[int], records: Iterable[PaperRecord] = ()) -> None:
        """Show these ids (a new view, query or sort): one reset; the cache stays warm.
        ``records`` (read off the GUI thread) pre-fill the cache for the first rows."""
        self.beginResetModel()
        self._ids = list(ids)
        self._rows = None
        self._missing.clear()
        for rec in records:
            self._cache[rec.id] = rec
            self._cache.move_to_end(rec.id)
        while len(self._cache) > _CACHE_MAX:
            self._cache.popitem(last=False)
        self.endResetModel()

    def row_of(self, paper_id: int) -> int:
        """The row showing ``paper_id``, or -1."""
        if self._rows is not None:
            return self._rows.get(paper_id, -1)
        try:  # a C-speed scan beats building a 100,000-entry map for one lookup
            return self._ids.index(paper_id)
        except ValueError:
            return -1

    def rows_of(self, ids: Iterable[int]) -> list[int]:
        """Rows of many ids at once (-1 where not shown)."""
        ids = list(ids)
        if len(ids) > 8 and self._rows is None:
            self._rows = {pid: row for row, pid in enumerate(self._ids)}
        return [self.row_of(pid) for pid in ids]

    def id_at(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def record(self, row: int) -> PaperRecord | None:
        pid = self.id_at(row)
        if pid is None:
            return None
        rec = self._cache.get(pid)
        if rec is None:
            if pid in self._missing:
                return None
            self._fetch_around(row)
            rec = self._cache.get(pid)
        else:
            self._cache.move_to_end(pid)
        return rec

    def refresh_papers(self, ids: Iterable[int]) -> list[int]:
        """Reload changed papers: only their rows are repainted. Returns the rows touched."""
        ids = list(ids)
        for pid in ids:
            self._cache.pop(pid, None)
            self._missing.discard(pid)
        touched = [row for row in self.rows_of(ids) if row >= 0]
        last = self.columnCount() - 1
        for row in touched:
            self.dataChanged.emit(self.index(row, 0), self.index(row, last))
        return touched

    def forget(self) -> None:
        """Drop every cached record (e.g. after a bulk change from another process)."""
        self._cache.clear()
        self._missing.clear()
        if self._ids:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._ids) - 1, self.columnCount() - 1)
            )

    def _fetch_around(self, row: int) -> None:
        lo = max(0, row - _WINDOW_BEFORE)
        hi = min(len(self._ids), row + _WINDOW_AFTER)
        wanted = [pid for pid in self._ids[lo:hi] if pid not in self._cache]
        for rec in self._lib.papers(wanted):
            self._cache[rec.id] = rec
        # Deleted since the listing was made: remember, or every paint would ask again.
        self._missing.update(pid for pid in wanted if pid not in self._cache)
        while len(self._cache) > _CACHE_MAX:
            self._cache.popitem(last=False)

    # -- Qt overrides ----------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section][0]
            if role == Qt.ItemDataRole.ToolTipRole and COLUMNS[section][1] is None:
                return "This column cannot be sorted"
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._ids):
            return None
        if role == PAPER_ID_ROLE:
            return self._ids[index.row()]
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.FontRole,
            Qt.ItemDataRole.TextAlignmentRole,
            Qt.ItemDataRole.DecorationRole,
            RECORD_ROLE,
        ):
            return None
        rec = self.record(index.row())
        if rec is None:
            return None
        col = index.column()
        if role == RECORD_ROLE:
            return rec
        if role == Qt.ItemDataRole.DecorationRole:
            if COLUMNS[col][0] == "Tags" and self._tag_colors:
                colors = tuple(
                    c for t in rec.tags if (c := self._tag_colors.get(t.casefold())) is not None
                )
                return self._dot_pixmap(colors) if colors else None
            return None
        if role == Qt.ItemDataRole.FontRole:
            return self._bold if not rec.read and col == 0 else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if col in _NUMBERS:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 3 and rec.authors:
                names = ", ".join(rec.authors[:20]) + (" …" if len(rec.authors) > 20 else "")
                return plain.tooltip(names)
            if col == 0:
                return plain.tooltip(rec.title + ("\n(has a note)" if rec.note else ""))
            return None
        return _display(rec, col)


def _column(header: str) -> int:
    return next(n for n, (h, _k) in enumerate(COLUMNS) if h == header)


def _display(rec: PaperRecord, col: int) -> str:
    if col == 0:
        # ★ starred, ✎ has a note: both visible at a glance, in any column layout.
        marks = ("★ " if rec.starred else "") + (f"{NOTE_MARK} " if rec.note else "")
        return marks + rec.title
    if col == 1:
        return rec.published.isoformat() if rec.published else ""
    if col == 2:
        return "" if rec.upvotes is None else str(rec.upvotes)
    if col == 3:
        return authors_short(rec)
    if col == 4:
        return rec.organization or ""
    if col == 5:
        return ", ".join(rec.tags)
    if col == 6:
        return rec.added_at.strftime("%Y-%m-%d")
    if col == 7:
        return "" if rec.comments is None else str(rec.comments)
    return rec.arxiv_id or ""


def authors_short(rec: PaperRecord) -> str:
    """Authors by name: "Tian", "Tian and Chen", "Tian et al."; the count without names."""
    names = rec.authors
    if not names:
        n = rec.authors_count
        return "" if not n else f"{n} author" + ("s" if n != 1 else "")
    family = [_family(n) for n in names[:2]]
    total = max(len(names), rec.authors_count or 0)
    if total == 1:
        return family[0]
    if total == 2 and len(family) == 2:
        return f"{family[0]} and {family[1]}"
    return f"{family[0]} et al."


def _family(name: str) -> str:
    parts = name.split()
    return parts[-1] if parts else name
