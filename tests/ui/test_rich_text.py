"""User text that looks like HTML is shown as text everywhere in the window (issue 16, item 22).

A paper titled ``Study of <img src="x.png"> <h1>BIG</h1>`` and a tag ``<b>t</b>``: every
tooltip (table cells, header, sidebar, actions, widgets), every label and every message box
the tag manager and the Trash open is read the way Qt shows it — as HTML when the format is
rich or Qt.mightBeRichText says so — and must show the user's text literally: no heading,
no bold, no image loaded.
"""

from __future__ import annotations

import html

from PySide6 import QtGui
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import QAction, QHelpEvent, QTextDocument, QTextFormat
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QToolTip,
    QWidget,
)

from tests.ui.conftest import wait_listing
from ui.import_summary import ImportSummaryDialog
from ui.paper_model import COLUMNS
from ui.sidebar import KEY_ROLE

TITLE = 'Study of <img src="x.png"> <h1>BIG</h1>'
TAG = "<b>t</b>"
OTHER_TAG = "<i>u</i> & co"
AUTHOR = "Ada <h2>Lovelace</h2>"
QUERY = '<img src="q.png"> diffusion'
SAVED = "<h3>mine</h3>"
NOTE = "a <h1>note</h1>"
USER_TEXTS = (TITLE, TAG, OTHER_TAG, AUTHOR, QUERY, SAVED, NOTE)


class _Document(QTextDocument):
    """A rich-text document that records every resource (image) it would load."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []

    def loadResource(self, kind: int, name: QUrl):  # noqa: N802 (Qt override)
        self.loaded.append(name.toString())
        return super().loadResource(kind, name)


def as_shown(text: str, fmt: Qt.TextFormat = Qt.TextFormat.AutoText, links: bool = False) -> str:
    """``text`` as Qt shows it in a label or tooltip of format ``fmt``; fails when showing
    it would render markup (a heading, bold, italics, a link unless ``links``) or load an
    image."""
    rich = fmt == Qt.TextFormat.RichText or (
        fmt == Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(text)
    )
    if fmt == Qt.TextFormat.MarkdownText:
        raise AssertionError(f"user text shown as Markdown: {text!r}")
    if not rich:
        return text
    doc = _Document()
    doc.setHtml(text)
    doc.size()  # lays the document out: images are loaded here
    assert doc.loaded == [], f"{text!r} loads {doc.loaded}"
    block = doc.begin()
    while block.isValid():
        assert block.blockFormat().headingLevel() == 0, f"{text!r} renders a heading"
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            f = frag.charFormat()
            assert not f.isImageFormat(), f"{text!r} renders an image"
            assert links or not f.isAnchor(), f"{text!r} renders a link"
            assert f.fontWeight() <= 400 and not f.fontItalic(), f"{text!r} renders {frag.text()!r}"
            assert f.objectType() == QTextFormat.ObjectTypes.NoObject
            it += 1
        block = block.next()
    return doc.toPlainText()


def tooltips_of(widget: QWidget) -> list[str]:
    """Every tooltip of ``widget``, its children and their actions."""
    out: list[str] = []
    actions: list[QAction] = list(widget.findChildren(QAction))
    for w in [widget, *widget.findChildren(QWidget)]:
        out.append(w.toolTip())
        actions += w.actions()
    out += [a.toolTip() for a in actions]
    return [t for t in out if t]


def labels_of(widget: QWidget, extra: tuple[str, ...] = ()) -> list[str]:
    """The text of every label in ``widget``. One that holds user text is read as Qt shows
    it (:func:`as_shown`) and must show each such text literally; our own markup (the
    welcome page's heading) holds none and is taken as it is."""
    out = []
    for lb in widget.findChildren(QLabel):
        text = lb.text()
        held = [m for m in (*USER_TEXTS, *extra) if m in text or html.escape(m) in text]
        if held:
            # The search hint's "Did you mean" link is ours (its text escaped).
            shown = as_shown(text, lb.textFormat(), links=lb.objectName() == "searchHint")
            for m in held:
                assert m in shown, f"{lb.objectName() or lb}: {m!r} not shown in {shown!r}"
            out.append(shown)
        else:
            out.append(text)  # ours: what it says is read, not checked
    return out


def _hostile(lib) -> int:
    """The paper with the hostile title, authors, tags and note; returns its id."""
    ids = lib.paper_ids(limit=3)
    pid = ids[0]
    lib.edit_paper(pid, {"title": TITLE, "authors": [AUTHOR, "Bob <b>Bold</b>"]})
    lib.add_tags([pid], [TAG])
    lib.add_tags(ids[1:], [OTHER_TAG])
    lib.set_tag_color(TAG, "#ff0000")  # it gets a key (1): its action's text names it
    lib.set_note(pid, NOTE)
    lib.save_search(SAVED, QUERY)
    lib.index.sync()  # the edits indexed: a search answers at once, not "being built"
    return pid


def _hostile_window(open_window, seeded, qtbot):
    pid = _hostile(seeded)
    window = open_window(seeded)
    row = window.model.row_of(pid)
    other = window.model.id_at(0 if row else 1)
    window.select_ids([pid, other])  # a partial chip: its tooltip names the tag
    editor = window.panel.tag_editor
    qtbot.waitUntil(lambda: any(c.name == TAG for c in editor.chips()), timeout=10_000)
    return window, pid


def test_every_tooltip_and_label_of_the_window_shows_user_text_literally(
    qtbot, open_window, seeded
):
    window, pid = _hostile_window(open_window, seeded, qtbot)
    model = window.model
    row = model.row_of(pid)
    cells = {}
    for r in range(model.rowCount()):
        for c in range(model.columnCount()):
            tip = model.data(model.index(r, c), Qt.ItemDataRole.ToolTipRole)
            if tip:
                cells[(r, c)] = as_shown(tip)
    assert TITLE in cells[(row, 0)] and "(has a note)" in cells[(row, 0)]
    authors = next(c for c, (h, _k) in enumerate(COLUMNS) if h == "Authors")
    assert AUTHOR in cells[(row, authors)] and "Bob <b>Bold</b>" in cells[(row, authors)]
    for c in range(model.columnCount()):
        tip = model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
        if tip:
            as_shown(tip)

    sidebar = {}
    for group in range(window.sidebar.model_.rowCount()):
        parent = window.sidebar.model_.item(group)
        for r in range(parent.rowCount()):
            item = parent.child(r)
            if item.toolTip():
                sidebar[item.data(KEY_ROLE)] = as_shown(item.toolTip())
    assert sidebar[f"tag:{TAG}"] == f"1 paper tagged {TAG}"
    assert sidebar[f"tag:{OTHER_TAG}"] == f"2 papers tagged {OTHER_TAG}"
    assert sidebar[f"saved:{SAVED}"] == QUERY

    # The paper's context menu and the Paper menu: the tag names in "Remove tag".
    window._paper_context_menu(window.table.viewport().mapToGlobal(QPoint(5, 5)))
    menu = window.context_menu
    remove = menu.findChild(QMenu, "menuRemoveTag")
    assert TAG in [a.text() for a in remove.actions()]
    assert "<i>u</i> && co" in [a.text() for a in remove.actions()]  # & is shown, not a key
    for a in remove.actions():
        as_shown(a.toolTip())
    menu.close()

    shown = [as_shown(tip) for tip in tooltips_of(window)]
    assert f"Toggle tag {TAG!r} (1)" in shown, shown
    assert f"1 of the 2 selected papers carry {TAG!r}" in shown, shown
    assert f"Remove {TAG!r}" in shown, shown
    assert any(TAG in t for t in labels_of(window))  # the chip
    # The reader shows the title as text (it escapes every piece of paper text).
    window.select_ids([pid])
    assert TITLE in window.reader.toPlainText()

    # A query that matches nothing is quoted by the empty-table message and the hint.
    query = '<img src="q.png"> <b>zzqqxx</b>'
    window.focus_search()
    window.search_box.setText(query)
    wait_listing(qtbot, window, lambda: QTest.keyClick(window.search_box, Qt.Key.Key_Return))
    assert window.model.rowCount() == 0
    assert any(query in t for t in labels_of(window, (query,)))
    empty = window.empty_message
    assert as_shown(empty.text(), empty.textFormat()).startswith(f"No papers match “{query}”")


def test_a_real_hover_shows_the_title_as_text(qtbot, open_window, seeded):
    window, pid = _hostile_window(open_window, seeded, qtbot)
    table = window.table
    table.scrollTo(window.model.index(window.model.row_of(pid), 0))
    rect = table.visualRect(window.model.index(window.model.row_of(pid), 0))
    pos = rect.center()
    event = QHelpEvent(QHelpEvent.Type.ToolTip, pos, table.viewport().mapToGlobal(pos))
    QApplication.sendEvent(table.viewport(), event)
    qtbot.waitUntil(QToolTip.isVisible, timeout=5000)
    tip = next(
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QLabel) and w.objectName() == "qtooltip_label" and w.isVisible()
    )
    assert TITLE in as_shown(tip.text(), tip.textFormat())
    QToolTip.hideText()


def answering(call, handle, seconds: float = 20.0):
    """``call()`` (a flow that blocks in a modal ``exec``), running ``handle(dialog)`` on
    each modal message box or input dialog it opens; returns ``(call's result, dialogs)``.

    Whatever ``handle`` does or raises, the dialog is closed (``done``) so ``exec`` returns;
    a modal still open after ``seconds`` is closed too. A failure in ``handle`` is raised
    here, after the flow returned — never left inside Qt's event loop, where it would leave
    the dialog open and the test hung."""
    from time import monotonic

    from PySide6.QtCore import QTimer

    found: list[QWidget] = []
    errors: list[BaseException] = []
    state = {"running": True, "deadline": monotonic() + seconds}

    def poll() -> None:
        if not state["running"]:
            return  # the flow returned: this poller must not answer a later dialog
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox | QInputDialog) and box not in found:
            found.append(box)
            try:
                handle(box)
            except BaseException as exc:  # noqa: BLE001 (re-raised after the flow)
                errors.append(exc)
            finally:
                if box.isVisible():
                    box.done(0)
        elif box is not None and monotonic() > state["deadline"]:
            errors.append(AssertionError(f"a modal {type(box).__name__} was left open"))
            if isinstance(box, QDialog):
                box.done(0)  # a QMessageBox without an Escape button ignores close()
            else:
                box.close()
        QTimer.singleShot(5, poll)

    QTimer.singleShot(0, poll)
    try:
        result = call()
    finally:
        state["running"] = False
    if errors:
        raise errors[0]
    return result, found


def _shown_texts(dialog: QWidget, extra: tuple[str, ...] = ()) -> str:
    texts = labels_of(dialog, extra)
    texts += [as_shown(tip) for tip in tooltips_of(dialog)]
    return "\n".join([dialog.windowTitle(), *texts])


def test_tag_manager_and_trash_boxes_show_names_literally(qtbot, open_window, seeded):
    window, pid = _hostile_window(open_window, seeded, qtbot)
    manager = window.tag_manager
    seen: dict[str, str] = {}

    def answer(name: str, button):
        def handle(box):
            seen[name] = _shown_texts(box)
            if isinstance(box, QMessageBox):
                box.button(button).click()
            else:
                box.reject()

        return handle

    deleted, found = answering(
        lambda: manager.delete(TAG), answer("delete", QMessageBox.StandardButton.No)
    )
    assert not deleted and len(found) == 1
    assert f"Delete the tag {TAG!r} from 1 paper?" in seen["delete"]

    merged, found = answering(
        lambda: manager.rename(TAG, OTHER_TAG), answer("merge", QMessageBox.StandardButton.No)
    )
    assert not merged and len(found) == 1
    assert f"Merge {TAG!r} (1 paper) into {OTHER_TAG!r}?" in seen["merge"]

    renamed, found = answering(lambda: manager.rename(TAG), answer("rename", None))
    assert not renamed and len(found) == 1
    assert f"New name for {TAG!r}" in seen["rename"]
    assert f"Rename tag {TAG!r}" in seen["rename"]

    # The Trash: the hostile paper moved there, then "Empty Trash…" asks first.
    seeded.trash_papers([pid])
    window.paper_actions.confirm_empty_trash()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox), timeout=5000)
    box = QApplication.activeModalWidget()
    try:  # the box is open()ed, not exec()ed: closed here whatever the check finds
        assert "Delete the 1 paper in the Trash for good?" in _shown_texts(box)
    finally:
        box.button(QMessageBox.StandardButton.Cancel).click()
    assert seeded.trash_count() == 1


def test_import_summary_shows_file_names_and_reasons_literally(qtbot, seeded, tmp_path):
    name = '<h1>page <img src="x.png"> <b>bold.txt'  # a file name cannot hold a /
    bad = tmp_path / name
    bad.write_bytes(b"\x00\x01 not a page <b>at all</b>")
    report = seeded.import_files([bad])
    assert report.refused
    dialog = ImportSummaryDialog(report, cancelled=False)
    qtbot.addWidget(dialog)
    dialog.show()
    texts = _shown_texts(dialog, (name,))
    refused = dialog.refused.topLevelItem(0)
    assert name in as_shown(refused.toolTip(0))
    assert as_shown(refused.toolTip(1)) == refused.text(1)
    assert refused.text(0) == str(bad) and "refused" in texts.lower()
