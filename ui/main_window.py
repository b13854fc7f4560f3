"""The main window: sidebar, search, the paper table, the reader pane and the status bar."""

from __future__ import annotations

import html
from datetime import date
from functools import partial

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QIcon, QKeySequence, QShortcut, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QStatusBar,
    QStyle,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app import Library
from app.store.changes import Changes
from ui import plain, resources_path
from ui.annotations.panel import AnnotationPanel
from ui.annotations.tag_manager import TagManager
from ui.import_summary import ImportSummaryDialog
from ui.import_task import ImportTask
from ui.jobs import LatestJob
from ui.listing import Listing, ListRequest, compute_listing
from ui.operations import IndexFollower, Operations
from ui.operations.kept_exports import KeptExports
from ui.paper_actions import PaperActions, open_url_or_say
from ui.paper_model import COLUMN_SAMPLES, COLUMNS, DEFAULT_HIDDEN, PaperTableModel
from ui.paper_table import PaperTable
from ui.reader import ReaderPane, paper_link
from ui.shortcuts import ShortcutsDialog
from ui.sidebar import Sidebar, filter_for

DEBOUNCE_MS = 150
RECENT_MAX = 8  # File › Open Recent
# Sidebar, list, reader at 1280 px: the list gets most, and Title the rest of the list.
SPLITTER_SIZES = [170, 740, 370]
LAYOUT_VERSION = 2  # of the saved splitter and column layout; older ones are not restored
WELCOME_WIDTH = 520
WELCOME_TEXT = (
    "Your library is empty. Save a Hugging Face <i>Daily Papers</i> page as text and "
    "import it, drop page files on this window, or start with the bundled samples."
)
INDEXING_RETRY_MS = 700  # while the index is being built, search again this often
DEMO_AS_OF = date(2025, 10, 30)  # the day the bundled sample pages were saved


class SearchBox(QLineEdit):
    """The search field. Esc (:attr:`escaped`) goes back to the list, keeping the query (a
    second Esc, in the list, clears it); ↓ (:attr:`down`) moves to the results."""

    escaped = Signal()
    down = Signal()

    def event(self, event) -> bool:  # noqa: D102 (Qt override)
        # Esc is the window's shortcut too (clear the search): in the box it means "back to
        # the list" first, so the box takes it before any shortcut does.
        if event.type() == QEvent.Type.ShortcutOverride and event.key() == Qt.Key.Key_Escape:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Escape:
            self.escaped.emit()
            return
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_PageDown):
            self.down.emit()
            return
        super().keyPressEvent(event)


class MainWindow(QMainWindow):
    """The Paperdesk window on an open :class:`app.Library`.

    ``settings`` defaults to the per-user ``QSettings("Paperdesk", "paperdesk")``; tests
    pass a file of their own. Every write runs on ``ops.writer``; views learn of changes
    only from ``changes.libraryChanged(changes, initiator)``; ``index_follower`` keeps the
    search index up with the feed on its own thread.
    """

    listingApplied = Signal()  # the table shows a fresh listing (tests and benchmarks wait)
    importFinished = Signal(object)  # ImportReport
    importFailed = Signal(str)
    # A team library: another member committed (from the listener's thread: queued here),
    # and the server connection went away (False) or came back (True).
    remoteChanged = Signal()
    serverState = Signal(bool)

    def __init__(self, lib: Library, settings: QSettings | None = None, parent=None) -> None:
        super().__init__(parent)
        self.lib = lib
        self.ops = Operations(lib, self)
        self.changes = self.ops.changes
        self.ops.on_failure(lambda text: self.status.showMessage(text, 8000))
        self.index_follower = IndexFollower(lib, self)
        self.index_follower.synced.connect(self._index_synced)
        self._search_waits_for: int | None = None  # follower generation a re-search awaits
        self._stopped = False
        self.settings = settings or QSettings("Paperdesk", "paperdesk")
        # Qt adds the application's display name ("… — Paperdesk"): the library's alone here.
        self.setWindowTitle(lib.path.name)
        self.setWindowIcon(QIcon(str(resources_path("icons", "paperdesk.svg"))))
        self.setAcceptDrops(True)
        self.undo_stack = QUndoStack(self)
        self.listing: Listing | None = None
        self.import_task: ImportTask | None = None
        self.last_import_report = None
        self.remember_state = True  # False for throw-away windows (screenshots)
        self._applying = False  # a listing is being applied (selection churn is ours)
        self._shown_ids: list[int] = []  # what the reader and the panel show
        self._view_key = "view:all"
        self._sort: str | None = "added"
        self._descending = True
        self._column_sort: tuple[str, bool] = ("added", True)  # restored when a query clears
        self._pending_select: int | None = None
        self._restore_position = False
        self._first_listing = True  # the first listing selects a paper and takes the focus
        # The focus went to the list (Enter in the search box) before the listing arrived:
        # that listing selects its first paper if the old selection is not among its hits.
        self._select_on_listing = False

        self._jobs = LatestJob(self)
        self._jobs.finished.connect(self._apply_listing)
        self._jobs.failed.connect(self._listing_failed)
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._debounce.timeout.connect(lambda: self.refresh(as_you_type=True))

        self._build_widgets()
        self._build_actions()
        self._restore_settings()

        self.changes.libraryChanged.connect(self._library_changed)
        # Kept-up-to-date exports follow the feed on their own thread (issue 12).
        self.kept_exports = KeptExports(lib, self)
        self.changes.libraryChanged.connect(self.kept_exports.request)
        self.kept_exports.failed.connect(lambda text: self.status.showMessage(text, 10000))
        self._update_tag_colors()
        self._stop_watching = self._follow_team()
        self.refresh()

    # -- building --------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.search_box = SearchBox(self)
        self.search_box.setObjectName("searchBox")
        self.search_box.setPlaceholderText("Search titles, abstracts, tags, notes   (Ctrl+F or /)")
        self.search_box.setClearButtonEnabled(True)
        help_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_TitleBarContextHelpButton)
        self.search_help = self.search_box.addAction(
            help_icon, QLineEdit.ActionPosition.TrailingPosition
        )
        self.search_help.setObjectName("searchHelpButton")
        self.search_help.setToolTip("Search syntax: fields, phrases, OR, -word, year:, tag: …")
        self.search_help.triggered.connect(lambda: self.show_query_help())
        self.search_box.setMinimumWidth(360)
        self.search_box.textEdited.connect(self._query_edited)
        self.search_box.returnPressed.connect(self._query_entered)
        self.search_box.escaped.connect(self.focus_list)
        self.search_box.down.connect(self.focus_list)
        self.hint = QLabel(self)
        self.hint.setObjectName("searchHint")
        self.hint.setTextFormat(Qt.TextFormat.RichText)
        self.hint.linkActivated.connect(self._use_suggestion)

        self.toolbar = QToolBar("Search", self)
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setMovable(False)
        self.toolbar.addWidget(self.search_box)
        self.toolbar.addWidget(self.hint)
        self.addToolBar(self.toolbar)

        self.sidebar = Sidebar(self.lib, self, self.changes)
        self.sidebar.viewSelected.connect(self._view_selected)
        self.sidebar.deleteSavedRequested.connect(self._delete_saved)
        self.sidebar.tagMenuAboutToShow.connect(self._tag_export_entry)  # "Export…" on a tag

        self.model = PaperTableModel(self.lib, self)
        self.table = PaperTable(self)
        self.table.contextMenuRequested.connect(self._paper_context_menu)
        self.table.setObjectName("paperTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        vh = self.table.verticalHeader()
        vh.hide()
        # Fixed row heights: the view never measures 100,000 rows.
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.fontMetrics().height() + 8)
        hh = self.table.horizontalHeader()
        hh.setSectionsMovable(True)
        hh.setSectionsClickable(True)
        hh.setSortIndicatorShown(True)
        hh.setHighlightSections(False)
        hh.setSortIndicator(6, Qt.SortOrder.DescendingOrder)
        hh.sectionClicked.connect(self._header_clicked)
        self.table.setup_columns([h for h, _k in COLUMNS], DEFAULT_HIDDEN, COLUMN_SAMPLES)
        self.table.columnsChanged.connect(self._show_sort_indicator)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _idx: self.open_current_link())

        self.empty_message = QLabel(self.table.viewport())
        self.empty_message.setObjectName("emptyMessage")
        self.empty_message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_message.setWordWrap(True)
        self.empty_message.setTextFormat(Qt.TextFormat.PlainText)  # it quotes the query
        self.empty_message.setStyleSheet("color: gray; padding: 12px")
        self.empty_message.hide()

        self.reader = ReaderPane(self)
        self.panel = AnnotationPanel(self.ops, self.undo_stack, self)

        self.tag_manager = TagManager(self.ops, self.undo_stack, self, self.panel.feedback)
        self.tag_manager.renaming.connect(self.sidebar.follow_rename)
        self.sidebar.tagMenuAboutToShow.connect(self._tag_menu)
        self.sidebar.viewMenuAboutToShow.connect(self._view_menu)
        rename = QShortcut(QKeySequence(Qt.Key.Key_F2), self.sidebar, self._rename_current_tag)
        rename.setContext(Qt.ShortcutContext.WidgetShortcut)

        self.right = QSplitter(Qt.Orientation.Vertical, self)
        self.right.setObjectName("readerSplitter")
        self.right.addWidget(self.reader)
        self.right.addWidget(self.panel)
        self.right.setStretchFactor(0, 3)
        self.right.setStretchFactor(1, 2)
        self.right.setSizes([460, 300])
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes(SPLITTER_SIZES)

        self.welcome = self._build_welcome()
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.splitter)
        self.stack.addWidget(self.welcome)
        self.setCentralWidget(self.stack)

        self.status = QStatusBar(self)
        self.status.setObjectName("statusBar")
        self.setStatusBar(self.status)
        self.counts = QLabel(self)
        self.counts.setObjectName("countsLabel")
        self.status.addWidget(self.counts, 1)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("importProgress")
        self.progress.setMinimumWidth(260)
        self.progress.setMaximumWidth(340)
        self.progress.setFormat("importing…")
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(self.cancel_import)
        self.status.addPermanentWidget(self.progress)
        self.status.addPermanentWidget(self.cancel_button)
        self.progress.hide()
        self.cancel_button.hide()

    def _build_welcome(self) -> QWidget:
        page = QWidget(self)
        page.setObjectName("welcome")
        layout = QVBoxLayout(page)
        layout.addStretch(2)
        title = QLabel("<h1>Welcome to Paperdesk</h1>", page)
        text = QLabel(WELCOME_TEXT, page)
        text.setObjectName("welcomeText")
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        # A wrapped label in a centring layout gets its one-line width hint and shows a
        # clipped first line: give it its width, so the layout asks its height for that.
        text.setFixedWidth(WELCOME_WIDTH)
        text.setMinimumHeight(text.heightForWidth(WELCOME_WIDTH))
        self.welcome_text = text
        self.import_button = QPushButton("Import pages…", page)
        self.import_button.clicked.connect(self.choose_import)
        self.samples_button = QPushButton("Add sample papers", page)
        self.samples_button.clicked.connect(self.add_samples)
        for w in (title, text, self.import_button, self.samples_button):
            w.setMaximumWidth(WELCOME_WIDTH)
            layout.addWidget(w, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)
        return page

    def _build_actions(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.import_action = file_menu.addAction("&Import pages…", self.choose_import)
        self.import_action.setObjectName("actionImport")
        self.import_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_action.setIcon(QIcon(str(resources_path("icons", "import.svg"))))
        self.import_action.setToolTip("Import saved Daily Papers pages (Ctrl+I)")
        self.toolbar.insertAction(self.toolbar.actions()[0], self.import_action)
        self.export_action = file_menu.addAction("&Export…", self.open_export)
        self.export_action.setObjectName("actionExport")
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        file_menu.addSeparator()
        self.save_search_action = file_menu.addAction("&Save search…", self.save_search)
        self.save_search_action.setShortcut(QKeySequence("Ctrl+S"))
        self.save_search_action.setObjectName("actionSaveSearch")
        file_menu.addSeparator()
        self.open_library_action = file_menu.addAction("&Open Library…", self.choose_library)
        self.open_library_action.setObjectName("actionOpenLibrary")
        self.open_library_action.setShortcut(QKeySequence("Ctrl+O"))
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.setObjectName("menuOpenRecent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addSeparator()
        quit_action = file_menu.addAction("&Quit", self.close)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))

        edit = bar.addMenu("&Edit")
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence("Ctrl+Z"))
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence("Ctrl+Shift+Z"))
        edit.addAction(undo)
        edit.addAction(redo)
        edit.addSeparator()
        find = edit.addAction("&Find", self.focus_search)
        find.setShortcuts([QKeySequence("Ctrl+F"), QKeySequence("/")])

        self.toggle_read_action = QAction("Toggle &read", self)
        self.toggle_read_action.setObjectName("actionToggleRead")
        self.toggle_read_action.triggered.connect(self.toggle_read)
        self.toggle_read_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.next_action = QAction("&Next paper", self)
        self.next_action.triggered.connect(lambda: self.move_selection(1))
        self.next_action.setShortcut(QKeySequence("J"))
        self.prev_action = QAction("&Previous paper", self)
        self.prev_action.triggered.connect(lambda: self.move_selection(-1))
        self.prev_action.setShortcut(QKeySequence("K"))
        panel_actions = list(self.panel.actions())
        self.toolbar.addSeparator()
        for n, action in enumerate(panel_actions):
            self.addAction(action)  # keys work wherever the focus is in the window
            if n < 2:  # star and read; the nine tag keys are in the Paper menu
                self.toolbar.addAction(action)
        for action in (self.toggle_read_action, self.next_action, self.prev_action, find):
            self.addAction(action)
        # The Paper menu and the rows' context menu: the same actions, filled for the
        # selection each time one opens.
        self.paper_actions = PaperActions(self)
        self.paper_menu = bar.addMenu("&Paper")
        self.paper_menu.setObjectName("menuPaper")
        self.paper_menu.aboutToShow.connect(lambda: self.paper_actions.fill(self.paper_menu))
        self.paper_actions.fill(self.paper_menu)  # so the actions' keys are listed at once
        edit.addSeparator()
        edit.addAction(self.paper_actions.empty_trash)

        help_menu = bar.addMenu("&Help")
        self.query_help_action = help_menu.addAction("&Search syntax", self.show_query_help)
        self.query_help_action.setObjectName("actionQueryHelp")
        keys = help_menu.addAction("&Keyboard shortcuts", self.show_shortcuts)
        keys.setShortcut(QKeySequence(Qt.Key.Key_F1))
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self._escape)

    # -- listing ---------------------------------------------------------------------------

    def current_request(self, as_you_type: bool = False) -> ListRequest:
        key = self._view_key
        query = self.search_box.text()
        flt = filter_for(key)
        if key.startswith("saved:"):
            _q, view = self.sidebar.saved_queries.get(key[6:], ("", "view:all"))
            flt = filter_for(view)
        return ListRequest(flt, query, self._sort, self._descending, as_you_type)

    def refresh(self, as_you_type: bool = False, keep_position: bool = False) -> None:
        """Recompute the listing off the GUI thread; the newest request wins."""
        self._restore_position = keep_position
        req = self.current_request(as_you_type)
        lib = self.lib
        self._jobs.submit(lambda: compute_listing(lib, req))

    def _apply_listing(self, listing: Listing) -> None:
        self.listing = listing
        selected = self.selected_ids()
        old_rows = [r for r in self.model.rows_of(selected[:1]) if r >= 0]
        top_id = self.model.id_at(self.table.rowAt(0))
        # Records read before a change this window has since applied would be stale.
        fresh = listing.seq >= self.changes.seq
        # The reset clears the selection and we restore it: the reader and the annotation
        # panel hear about it once, and only if the selection really changed.
        self._applying = True
        try:
            self.model.set_ids(listing.ids, listing.records if fresh else ())
            if self._pending_select is not None:
                selected, top_id = [self._pending_select], None
                self._pending_select = None
            if selected:
                self.select_ids(selected, scroll=top_id is None)
            if self._restore_position and top_id is not None and self.model.row_of(top_id) >= 0:
                self.table.scrollTo(
                    self.model.index(self.model.row_of(top_id), 0),
                    QAbstractItemView.ScrollHint.PositionAtTop,
                )
            if (
                self._restore_position
                and selected
                and old_rows
                and not self.selected_ids()
                and self.model.rowCount()
            ):
                # The selected papers left this view (trashed, untagged in the tag's own
                # view, read in Unread): stay at the same place, on the paper now there.
                row = min(old_rows[0], self.model.rowCount() - 1)
                self.select_ids([pid for pid in [self.model.id_at(row)] if pid], scroll=False)
            wants = self._first_listing or (self._select_on_listing and self.table.hasFocus())
            self._select_on_listing = False
            if wants and not self.selected_ids() and self.model.rowCount():
                # Start on a paper (the remembered one, else the first): keys act at once.
                self.select_ids([pid for pid in [self.model.id_at(0)] if pid])
        finally:
            self._applying = False
        if self._first_listing:
            self._first_listing = False
            if self.isVisible() and not self.search_box.hasFocus():
                self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        now = self.selected_ids()
        if now != selected or self._shown_ids != now:
            self._selection_changed()
        elif self.reader.paper is not None and self.reader.terms != listing.terms:
            self.reader.show_paper(self.reader.paper, listing.terms)  # new words to highlight
        self._show_counts()
        self._show_hint()
        self._show_empty_message(listing)
        if listing.indexing and not self._stopped:
            # The index is being built (first start, another process's bulk import): ask
            # again shortly, so the hits appear when it is done rather than never.
            QTimer.singleShot(INDEXING_RETRY_MS, self._retry_while_indexing)
        empty_library = listing.library_total == 0
        self.stack.setCurrentWidget(self.welcome if empty_library else self.splitter)
        self.listingApplied.emit()

    def _show_empty_message(self, listing: Listing) -> None:
        """An empty result says why, instead of a blank table."""
        if listing.ids or listing.library_total == 0:
            self.empty_message.hide()
            return
        query = listing.request.query.strip()
        if listing.indexing:
            text = "The search index is being built; the results appear when it is done."
        elif query:
            text = f"No papers match “{query}”."
            if listing.suggestion:
                text += f" Did you mean “{listing.suggestion}”?"
            text += "  (Help › Search syntax)"
        elif self._view_key == "view:trash":
            text = "The Trash is empty."
        else:
            text = "No papers in this view."
        self.empty_message.setText(text)
        self.empty_message.resize(self.table.viewport().width(), 80)
        self.empty_message.move(0, 24)
        self.empty_message.show()

    def _retry_while_indexing(self) -> None:
        if not self._stopped and self.listing is not None and self.listing.indexing:
            # The same kind of search: a word being typed stays a prefix ("diffus" would
            # otherwise be searched as a whole word, and match nothing).
            self.refresh(as_you_type=self.listing.request.as_you_type, keep_position=True)

    def _listing_failed(self, reason: str) -> None:
        self._set_hint_text(f'<span style="color:#c0392b">{html.escape(reason)}</span>')

    def _show_counts(self) -> None:
        lst = self.listing
        if lst is None:
            return
        text = f"{lst.matches:,} of {lst.library_total:,} papers"
        if lst.request.query.strip():
            if lst.matches > len(lst.ids):
                text = f"{lst.matches:,}{'~' if lst.estimated else ''} matches of "
                text += f"{lst.library_total:,} papers (showing the best {len(lst.ids):,})"
            if lst.took_ms is not None:
                text += f"  ·  search took {lst.took_ms:.0f} ms"
        n = len(self.selected_ids())
        if n > 1:
            text += f"  ·  {n:,} selected"
        self.counts.setText(text)

    def _show_hint(self) -> None:
        lst = self.listing
        parts = []
        if lst is not None and lst.note:
            parts.append(f'<span style="color:#b9770e">{html.escape(lst.note)}</span>')
        if lst is not None and lst.suggestion:
            s = html.escape(lst.suggestion)
            parts.append(f'Did you mean <a href="suggest:{s}">{s}</a>?')
        self._set_hint_text("  ".join(parts))

    def _set_hint_text(self, text: str) -> None:
        self.hint.setText(f"&nbsp;&nbsp;{text}" if text else "")

    # -- search ----------------------------------------------------------------------------

    def _query_edited(self, text: str) -> None:
        self._switch_sort_for_query(text)
        self._debounce.start()

    def _query_entered(self) -> None:
        self._debounce.stop()
        self._switch_sort_for_query(self.search_box.text())
        self.refresh(as_you_type=False)
        if self.search_box.hasFocus():
            self.focus_list()  # Enter in the box: on to the results (Zotero, Calibre)

    def _switch_sort_for_query(self, text: str) -> None:
        """A new query lists by relevance; clearing it brings the column sort back."""
        had_query = self.listing is not None and bool(self.listing.request.query.strip())
        if text.strip() and not had_query and self._sort is not None:
            self._column_sort = (self._sort, self._descending)
            self._sort = None
            self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.DescendingOrder)
        elif not text.strip() and self._sort is None:
            self._set_sort(*self._column_sort)

    def set_query(self, text: str) -> None:
        """Search for ``text`` now (as if typed and Enter pressed)."""
        self.search_box.setText(text)
        self._query_entered()

    def _use_suggestion(self, link: str) -> None:
        if link.startswith("suggest:"):
            self.set_query(link[len("suggest:") :])

    def _escape(self) -> None:
        """Esc outside the search box: clear the search (the box's own Esc comes first)."""
        if self.search_box.text():
            self.search_box.clear()
            self._query_entered()
        self.focus_list()

    def focus_list(self) -> None:
        """Move the keyboard focus to the list, with a paper selected (the first if none)."""
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if not self.selected_ids() and self.model.rowCount():
            self.move_selection(0)
        self._select_on_listing = self._jobs.busy  # a listing on its way: it selects too

    def focus_search(self) -> None:
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def save_search(self) -> None:
        query = self.search_box.text().strip()
        if not query:
            self.status.showMessage("Type a search first, then save it.", 5000)
            return
        name, ok = QInputDialog.getText(self, "Save search", "Name:", text=query)
        if ok:
            self.save_search_as(name, query)

    def save_search_as(self, name: str, query: str) -> None:
        view = self._view_key if self._view_key.startswith("view:") else "view:all"

        def saved(_result: object) -> None:
            self.sidebar.refresh_saved()  # saved searches are not in the change feed
            self.status.showMessage(f"Saved search {' '.join(name.split())!r}", 5000)

        self.ops.op(lambda lib: lib.save_search(name, query, view), self).success(saved).run()

    def _tag_export_entry(self, tag: str, menu) -> None:
        from ui.export_dialog import add_tag_export_action

        add_tag_export_action(self, self.lib, tag, menu)

    def _tag_menu(self, tag: str, menu) -> None:
        """Rename, colour and delete in a tag's context menu (through the undoable manager)."""
        manager = self.tag_manager
        rename = menu.addAction("Rename or merge…", lambda: manager.rename(tag))
        rename.setShortcut(QKeySequence(Qt.Key.Key_F2))
        edits = [
            rename,
            menu.addAction("Colour…", lambda: manager.set_color(tag)),
            menu.addAction("Remove colour", lambda: manager.set_color(tag, None)),
            menu.addAction("Delete…", lambda: manager.delete(tag)),
        ]
        menu.addSeparator()
        if getattr(self.lib, "read_only", False):  # tags are shared: a reader only looks
            menu.setToolTipsVisible(True)
            for action in edits:
                action.setEnabled(False)
                action.setToolTip(self._read_only_why())
                action.setStatusTip(self._read_only_why())

    def _view_menu(self, key: str, menu) -> None:
        if key == "view:trash":  # right-click on Trash empties it, as in Zotero
            menu.addAction(self.paper_actions.empty_trash)

    def _rename_current_tag(self) -> None:
        if self.read_only_refusal():
            return
        key = self.sidebar.current_key() or ""
        if key.startswith("tag:"):
            self.tag_manager.rename(key[4:])

    def _delete_saved(self, name: str) -> None:
        if self.read_only_refusal():
            return
        self.ops.op(lambda lib: lib.delete_saved_search(name), self.sidebar).success(
            lambda _r: self.sidebar.refresh_saved()
        ).run()

    # -- sidebar and sort ------------------------------------------------------------------

    def _view_selected(self, key: str) -> None:
        self._view_key = key
        if key.startswith("saved:"):
            query, _view = self.sidebar.saved_queries.get(key[6:], ("", "view:all"))
            self.search_box.setText(query)
            self._switch_sort_for_query(query)
        self.refresh()

    def _header_clicked(self, section: int) -> None:
        key = COLUMNS[section][1]
        if key is None:  # not sortable in SQL: put the indicator back
            self._show_sort_indicator()
            self.status.showMessage("The tags column cannot be sorted.", 4000)
            return
        if self._sort == key:
            descending = not self._descending
        else:
            descending = key not in ("title", "organization")
        self.sort_by(key, descending)

    def sort_by(self, key: str, descending: bool) -> None:
        self._set_sort(key, descending)
        self.refresh(keep_position=False)

    def _set_sort(self, key: str | None, descending: bool) -> None:
        self._sort, self._descending = key, descending
        if key is not None:
            self._column_sort = (key, descending)
        self._show_sort_indicator()

    def _show_sort_indicator(self) -> None:
        hh = self.table.horizontalHeader()
        cols = [c for c, (_h, k) in enumerate(COLUMNS) if k == self._sort]
        order = Qt.SortOrder.DescendingOrder if self._descending else Qt.SortOrder.AscendingOrder
        col = cols[0] if cols else -1
        if col >= 0 and hh.isSectionHidden(col):
            hh.setSectionHidden(col, False)  # the list's order is always in view
        self.table.sort_column = col
        hh.setSortIndicator(col, order)

    # -- selection and reading -------------------------------------------------------------

    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [pid for r in rows if (pid := self.model.id_at(r)) is not None]

    def current_id(self) -> int | None:
        ids = self.selected_ids()
        if ids:
            return ids[0]
        return self.model.id_at(self.table.currentIndex().row())

    def select_ids(self, ids: list[int], scroll: bool = True) -> None:
        sel = QItemSelection()
        rows = [r for r in self.model.rows_of(ids) if r >= 0]
        last = self.model.columnCount() - 1
        for r in rows:
            sel.select(self.model.index(r, 0), self.model.index(r, last))
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        self.table.selectionModel().select(sel, flags)
        if rows:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(rows[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate
            )
            if scroll:
                self.table.scrollTo(
                    self.model.index(rows[0], 0), QAbstractItemView.ScrollHint.PositionAtCenter
                )

    def select_paper(self, paper_id: int) -> None:
        """Select ``paper_id`` now, or as soon as the listing that holds it arrives."""
        if self.model.row_of(paper_id) >= 0:
            self.select_ids([paper_id])
        else:
            self._pending_select = paper_id

    def move_selection(self, step: int) -> None:
        n = self.model.rowCount()
        if not n:
            return
        row = self.table.currentIndex().row()
        if row < 0 or not self.selected_ids():
            row = min(max(row, 0), n - 1)  # the first key press selects the paper there
        else:
            row = max(0, min(n - 1, row + step))
        idx = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            idx,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(idx)

    def _selection_changed(self, *_args) -> None:
        if self._applying:
            return
        ids = self.selected_ids()
        self._shown_ids = ids
        if len(ids) == 1:
            row = self.model.row_of(ids[0])
            terms = self.listing.terms if self.listing else {}
            self.reader.show_paper(self.model.record(row), terms)
        elif ids:
            self.reader.show_many(len(ids))
        else:
            self.reader.show_paper(None)
        self._tell_panel(ids)
        self.paper_actions.update()
        self._disable_writes()
        self._show_counts()

    def _tell_panel(self, ids: list[int]) -> None:
        self.panel.set_papers(ids)

    def _paper_context_menu(self, global_pos) -> None:
        """The Paper menu's actions on the selected papers, where the pointer is."""
        if not self.selected_ids():
            return
        menu = QMenu(self)
        menu.setObjectName("paperContextMenu")
        self.paper_actions.fill(menu)
        self.context_menu = menu  # tests reach it; the next one replaces it
        menu.popup(global_pos)

    def current_record(self):
        """The record of the current paper (the first selected), or None."""
        pid = self.current_id()
        if pid is None:
            return None
        return self.model.record(self.model.row_of(pid))

    def in_trash_view(self) -> bool:
        return self._view_key == "view:trash"

    def open_url(self, url: str) -> bool:
        return open_url_or_say(self, url)

    def open_current_link(self) -> None:
        rec = self.current_record()
        if rec is not None:
            self.open_url(paper_link(rec))

    def select_after_removal(self, ids: list[int]) -> None:
        """Papers are about to leave the list: select the row after them (or before), so
        the keyboard stays on a paper once they are gone."""
        rows = sorted(r for r in self.model.rows_of(ids) if r >= 0)
        if not rows:
            return
        gone = set(ids)
        after = [self.model.id_at(r) for r in range(rows[-1] + 1, self.model.rowCount())]
        before = [self.model.id_at(r) for r in range(rows[0] - 1, -1, -1)]
        for pid in after[:1] + before[:1]:
            if pid is not None and pid not in gone:
                self._pending_select = pid
                return

    def edit_details(self) -> None:
        """The details editor of the current paper (title, authors, date, links…)."""
        from ui.details_dialog import DetailsDialog

        rec = self.current_record()
        if rec is None or len(self.selected_ids()) != 1:
            return
        dialog = DetailsDialog(self, rec)
        self.details_dialog = dialog
        dialog.open()

    def toggle_read(self) -> None:
        """Space: through the annotation panel's undoable step."""
        if self.selected_ids():
            self.panel.toggle_read()

    # -- changes from anywhere -------------------------------------------------------------

    def _library_changed(self, changes: Changes, _initiator: object) -> None:
        """The table and the reader follow ``libraryChanged``: each repaints once, and only
        what the flags say (a tag colour: nothing here; the sidebar and chips follow it)."""
        generation = self.index_follower.request()
        if changes.everything or changes.tag_meta:
            self._update_tag_colors()
        # A renamed tag's papers are in the feed too (its name shows anew on each of them);
        # a colour names no paper: no row or reader repaints for it.
        if changes.everything:
            self.model.forget()
        elif changes.paper_ids:
            self.model.refresh_papers(changes.paper_ids)
        current = self.reader.paper
        # The reader does not show the note (a team library's reader says who saved it).
        shown = changes.kinds != {"note"} or self.reader.credits_of is not None
        if current is not None and (
            changes.everything or (shown and current.id in changes.paper_ids)
        ):
            row = self.model.row_of(current.id)
            rec = self.model.record(row) if row >= 0 else None
            self.reader.show_paper(rec, self.reader.terms)
        if self._listing_affected(changes):
            if self.search_box.text().strip():
                # Hits come from the index: search again once it has followed this change.
                self._search_waits_for = generation
            else:
                self.refresh(keep_position=True)

    def _update_tag_colors(self) -> None:
        try:
            tags = self.changes.tags()
        except Exception:  # noqa: BLE001 — a closing library: the next change repaints
            return
        self.model.set_tag_colors({t.name: t.color for t in tags})

    def _listing_affected(self, changes: Changes) -> bool:
        """Whether the rows listed (not just their contents) may differ after ``changes``."""
        if changes.everything or changes.kinds & {"add", "delete", "trash", "restore"}:
            return True
        key = self._view_key
        if key.startswith("saved:"):
            key = self.sidebar.saved_queries.get(key[6:], ("", "view:all"))[1]
        if key == "view:unread" and "read" in changes.kinds:
            return True  # the Unread view and its count follow marking read at once
        if key == "view:starred" and "star" in changes.kinds:
            return True
        tagged_rows = key.startswith("tag:") or key == "view:untagged"
        # A query may name tags (``tag:x``). Notes are searchable too, but a note being typed
        # must not re-run the search under the cursor (its paper could leave the listing).
        if tagged_rows or self.search_box.text().strip():
            return bool(changes.kinds & {"tag", "tags"})
        return False

    def _index_synced(self, generation: int) -> None:
        waiting = self._search_waits_for
        if waiting is not None and generation >= waiting:
            self._search_waits_for = None
            self.refresh(keep_position=True)

    # -- import and export -----------------------------------------------------------------

    def choose_import(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self,
            "Import saved Daily Papers pages",
            "",
            "Saved pages and backups (*.txt *.md *.html *.htm *.json);;All files (*)",
        )
        if files:
            self.start_import(files)

    def add_samples(self) -> None:
        from app.paths import sample_pages

        self.start_import(sample_pages(), as_of=DEMO_AS_OF)

    def start_import(self, files, as_of: date | None = None) -> ImportTask | None:
        if self.import_task is not None and self.import_task.is_running():
            self.status.showMessage("An import is already running; wait or cancel it.", 5000)
            return None
        task = ImportTask(self.lib.path, [str(f) for f in files], as_of, self)
        task.progress.connect(self._import_progress)
        task.papers.connect(self._import_papers)
        task.indexing.connect(lambda: self.progress.setFormat("making them searchable…"))
        self._import_paper_count = 0
        task.finished.connect(self._import_finished)
        task.failed.connect(self._import_failed)
        self.import_task = task
        self.progress.setRange(0, len(task.files))
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        task.start()
        return task

    def cancel_import(self) -> None:
        if self.import_task is not None:
            self.import_task.cancel()

    def _import_progress(self, done: int, total: int, path: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.setToolTip(plain.tooltip(path))
        self._show_import_format()

    def _import_papers(self, n: int) -> None:
        self._import_paper_count = n
        self._show_import_format()

    def _show_import_format(self) -> None:
        """Papers, the unit the user cares about (one big page is one file for minutes)."""
        n = self._import_paper_count
        papers = f"{n:,} paper{'s' if n != 1 else ''}"
        files = self.progress.maximum()
        text = f"importing: {papers}"
        if files > 1:
            text += " · file %v of %m"
        self.progress.setFormat(text)

    def _import_done(self) -> None:
        self.progress.hide()
        self.cancel_button.hide()
        self.changes.poll()  # show the new papers now, not at the next tick

    def _import_finished(self, report) -> None:
        self._import_done()
        self.last_import_report = report
        cancelled = self.import_task is not None and self.import_task.cancelled
        if cancelled:
            kept = report.new + report.merged
            head = "Import cancelled: "
            if kept:
                head += "what was imported before the cancel stays (and is searchable): "
            self.status.showMessage(head + report.summary(), 15000)
        else:
            self.status.showMessage("Imported: " + report.summary(), 15000)
        if report.refused or report.skipped or cancelled:  # something to read, file by file
            dialog = ImportSummaryDialog(report, cancelled, self)
            dialog.setObjectName("importSummary")
            dialog.show()  # not modal: the window stays usable
            self.import_summary = dialog
        self.importFinished.emit(report)

    def _import_failed(self, reason: str) -> None:
        self._import_done()
        self.status.showMessage(f"Import failed: {reason}", 15000)
        self.importFailed.emit(reason)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        if any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.start_import(files)

    def open_export(self, selection: bool = False) -> None:
        """File › Export… (the view, or a deliberate selection of several papers), or
        Paper › Export selection… (``selection``)."""
        from ui.export_dialog import ExportDialog  # on first use: its format libraries are big

        req = self.current_request()
        ids = self.selected_ids()
        dialog = ExportDialog(
            self.lib,
            self,
            selected_ids=ids,
            current_filter=req.flt,
            current_query=req.query,
        )
        # The list always has a paper selected: one selected paper is where the keyboard
        # is, not a choice to export it alone.
        if ids and (selection or len(ids) > 1):
            dialog.set_scope("selected")
        elif not selection:
            dialog.set_scope("view")
        self.export_dialog = dialog
        dialog.open()

    def show_query_help(self) -> None:
        from ui.query_help import QueryHelpDialog

        dialog = QueryHelpDialog(self)
        dialog.exampleChosen.connect(self.set_query)
        self.query_help = dialog
        dialog.show()

    def show_shortcuts(self) -> None:
        self.shortcuts_dialog = ShortcutsDialog(self)
        self.shortcuts_dialog.open()

    # -- remembered state ------------------------------------------------------------------

    def _settings_group(self) -> str:
        """Window state is kept per library (two libraries, two layouts and selections)."""
        import hashlib

        digest = hashlib.sha1(str(self.lib.path.resolve()).encode()).hexdigest()[:12]
        return f"library-{digest}"

    def _here(self) -> str:
        """How this library is named in the recent list: its folder, or a team's URL."""
        if getattr(self.lib, "is_team", False):
            return str(self.lib.store.db_path)
        return str(self.lib.path.resolve())

    def _remember_recent(self) -> None:
        recent = [self._here()] + [p for p in self.recent_libraries() if p != self._here()]
        self.settings.setValue("recent/libraries", recent[:RECENT_MAX])

    def recent_libraries(self) -> list[str]:
        value = self.settings.value("recent/libraries") or []
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in value]

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        here = self._here()
        others = [p for p in self.recent_libraries() if p != here]
        for path in others:
            self.recent_menu.addAction(plain.menu_text(path), partial(self.open_library, path))
        if not others:
            self.recent_menu.addAction("No other library yet").setEnabled(False)

    def choose_library(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Open a library folder", str(self.lib.path.parent)
        )
        if folder:
            self.open_library(folder)

    def open_library(self, folder: str) -> None:
        """Open the library in ``folder`` in a window of its own (its own process, so each
        library keeps its one-window lock); this window stays as it is."""
        from pathlib import Path

        if "://" in folder:  # a team library's URL: its own window, as for a folder
            if folder == self._here():
                self.status.showMessage("That library is open in this window.", 5000)
                return
            self.launch_library(folder)
            self.status.showMessage(f"Opening {folder} in a new window…", 5000)
            return
        path = Path(folder)
        if path.resolve() == self.lib.path.resolve():
            self.status.showMessage("That library is open in this window.", 5000)
            return
        if path.is_dir() and not (path / "library.sqlite").exists() and any(path.iterdir()):
            self.status.showMessage(
                f"{path} holds no library and is not empty: choose a library folder "
                "(one with library.sqlite) or an empty folder for a new library.",
                10000,
            )
            return
        recent = [str(path.resolve())] + [p for p in self.recent_libraries() if p != str(path)]
        self.settings.setValue("recent/libraries", recent[:RECENT_MAX])
        self.launch_library(str(path))
        self.status.showMessage(f"Opening {path} in a new window…", 5000)

    def launch_library(self, folder: str) -> None:
        import sys

        from PySide6.QtCore import QProcess

        QProcess.startDetached(sys.executable, ["-m", "app", "--library", folder, "gui"])

    def _restore_settings(self) -> None:
        s = self.settings
        self._remember_recent()
        s.beginGroup(self._settings_group())
        try:
            self._restore_settings_in_group(s)
        finally:
            s.endGroup()

    def _restore_settings_in_group(self, s) -> None:
        geometry = s.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        # A layout saved before the current default (a fixed-width Title, wide columns) is
        # not restored: the new defaults fit 1280 px.
        current = str(s.value("layout/version", "")) == str(LAYOUT_VERSION)
        for key, splitter in (("window/splitter", self.splitter), ("window/right", self.right)):
            state = s.value(key)
            if state is not None and (current or splitter is self.right):
                splitter.restoreState(state)
        header = s.value("table/header")
        if header is not None and current:
            self.table.horizontalHeader().restoreState(header)
            self.table.apply_title_stretch()  # an older layout kept a fixed-width title
        sort = s.value("table/sort")
        if sort in {k for _h, k in COLUMNS if k}:
            self._set_sort(sort, s.value("table/descending", "true") in (True, "true"))
        else:
            self._show_sort_indicator()
        view = s.value("view")
        if isinstance(view, str) and self.sidebar.select_key(view, emit=False):
            self._view_key = view
        paper = s.value("paper")
        if paper is not None:
            try:
                self._pending_select = int(paper)
            except (TypeError, ValueError):
                pass

    def save_settings(self) -> None:
        s = self.settings
        s.beginGroup(self._settings_group())
        try:
            self._save_settings_in_group(s)
        finally:
            s.endGroup()
        s.sync()

    def _save_settings_in_group(self, s) -> None:
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("layout/version", LAYOUT_VERSION)
        s.setValue("window/splitter", self.splitter.saveState())
        s.setValue("window/right", self.right.saveState())
        s.setValue("table/header", self.table.horizontalHeader().saveState())
        sort, descending = (
            self._column_sort if self._sort is None else (self._sort, self._descending)
        )
        s.setValue("table/sort", sort)
        s.setValue("table/descending", "true" if descending else "false")
        s.setValue("view", self._view_key)
        pid = self.current_id()
        if pid is not None:
            s.setValue("paper", pid)
        else:
            s.remove("paper")
        s.sync()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if not self.search_box.text():
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)  # the list, not the box

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        # A note conflict still being asked about is saved as "keep both" (ui/annotations).
        self.panel.note_editor.close_down()
        self.panel.flush()
        if self.remember_state:
            self.save_settings()
        self.shutdown()
        super().closeEvent(event)

    def _follow_team(self):
        """A team library: LISTEN/NOTIFY wakes the feed read (another member's change shows
        within a second); a read-only member's editing controls are disabled, saying why."""
        if not getattr(self.lib, "is_team", False):
            return None
        if self.lib.read_only:
            self.panel.set_read_only(self._read_only_why())
            self._disable_writes()
            self.status.showMessage(self._read_only_why(), 10000)
        self._rebuild_if_feed_pruned()
        from ui.reader import team_credits

        def credits(paper_id: int) -> str | None:
            note = self.lib.note_info(paper_id)
            return team_credits(self.lib.tagged_by(paper_id), note.by, note.at)

        self.reader.credits_of = credits
        # A wake-up still queued when the window shut down must not read the library: it
        # may be closed by then (a connection opened on a disposed engine leaks).
        self.remoteChanged.connect(lambda: None if self._stopped else self.changes.poll())
        self.serverState.connect(self._server_state)
        return self.lib.watch(self.remoteChanged.emit, self.serverState.emit)

    def _read_only_why(self) -> str:
        return (
            f"Read only: {self.lib.member} may browse, search and export this team library "
            "(star and read are their own)"
        )

    def _rebuild_if_feed_pruned(self) -> None:
        """This client's index is older than the team library's change feed reaches back
        (away longer than the retention): it is rebuilt from the server on the follower's
        thread, the status bar saying why and how far it is."""
        from app.team.retention import stale_index

        try:
            if not stale_index(self.lib):
                return
        except Exception:  # noqa: BLE001 — the server away: the follower says so
            return
        why = "this client was away longer than the team library's change feed keeps"
        self.status.showMessage(f"Rebuilding the search index: {why}…")
        timer = QTimer(self)
        timer.setObjectName("indexRebuildProgress")
        timer.setInterval(250)

        def tick() -> None:
            index = self.lib.index
            if index.rebuilding:
                done, total = index.progress
                self.status.showMessage(
                    f"Rebuilding the search index ({why}): {done:,} of {total:,} papers"
                )
            elif self.index_follower.idle() and not stale_index(self.lib):
                timer.stop()
                self.status.showMessage(f"Search index rebuilt ({why})", 10000)

        timer.timeout.connect(tick)
        timer.start()
        self.index_follower.request()

    # The editing actions of a read-only team member (selection changes re-enable the
    # paper actions: this runs after each). Star and read are each member's own: live.
    WRITE_ACTIONS = (
        "actionEditDetails",
        "actionMoveToTrash",
        "actionImport",
        "actionEmptyTrash",
        "actionSaveSearch",
        "actionAddTag",
        "actionRestore",
    )
    WRITE_MENUS = ("menuRemoveTag", "menuToggleTag")

    def read_only_refusal(self) -> bool:
        """A read-only member tried an editing command (a key, a sidebar entry): say why
        in the status bar; True if refused."""
        if not getattr(self.lib, "read_only", False):
            return False
        self.status.showMessage(self._read_only_why(), 8000)
        return True

    def _disable_writes(self, menu: QMenu | None = None) -> None:
        """A read-only member: every action that would change what the team shares is
        disabled and says why (tooltip, and the status bar on hover) — in the window and
        in ``menu`` (the Paper menu or a row's context menu, filled anew each time)."""
        if not getattr(self.lib, "read_only", False):
            return
        why = self._read_only_why()
        actions = [a for name in self.WRITE_ACTIONS for a in self.findChildren(QAction, name)]
        for button in (getattr(self, "import_button", None), getattr(self, "samples_button", None)):
            if button is not None:
                button.setEnabled(False)
                button.setToolTip(why)
        if menu is not None:
            menu.setToolTipsVisible(True)
            for sub in menu.findChildren(QMenu):
                if sub.objectName() in self.WRITE_MENUS:
                    actions.append(sub.menuAction())
        for action in actions:
            action.setEnabled(False)
            action.setToolTip(why)
            action.setStatusTip(why)

    def _server_state(self, up: bool) -> None:
        if up:
            if self.status.currentMessage().startswith("reconnecting"):
                self.status.showMessage("connected", 3000)
            self.changes.poll()
        else:
            self.status.showMessage("reconnecting… (the team library's server is away)")

    def shutdown(self) -> None:
        """Store every queued write, stop following the feed, stop the threads (once)."""
        if self._stopped:
            return
        self._stopped = True
        if self._stop_watching is not None:
            self._stop_watching()
        self.ops.stop()
        if self.import_task is not None and self.import_task.is_running():
            self.import_task.cancel()
            self.import_task.wait(10_000)
        self.index_follower.stop()
        self.kept_exports.stop()
        self._jobs.wait(5000)
        self.panel.stop_suggestions(5000)
