"""The export dialog through pytest-qt: scopes, live count, formats, files, memory, errors,
and the tag context-menu entry in the main window."""

from __future__ import annotations

import csv
import json

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMenu

from app.library import Library, PaperFilter
from tests.conftest import SEED_AS_OF, SEEDS
from ui.export_dialog import ExportDialog


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    """The seed library with two overlapping tags; built once (indexing takes seconds)."""
    lib = Library.open(tmp_path_factory.mktemp("export-ui") / "lib")
    lib.import_files([SEEDS["001"], SEEDS["003"]], as_of=SEED_AS_OF)
    ids = sorted(lib.paper_ids())
    lib.add_tags(ids[:10], ["alpha"])
    lib.add_tags(ids[5:15], ["beta"])
    lib.set_starred(ids[:4])
    yield lib
    lib.close()


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make(qtbot, settings):
    made = []

    def make_dialog(lib, **kw) -> ExportDialog:
        dialog = ExportDialog(lib, settings=settings, **kw)
        qtbot.addWidget(dialog)
        made.append(dialog)
        # The first count arrives from a worker thread: wait for it before testing.
        qtbot.waitUntil(lambda: dialog.last_count is not None, timeout=10_000)
        return dialog

    yield make_dialog
    for d in made:
        d._count_job.wait(5000)
        d._export_job.wait(5000)


def recount(qtbot, dialog, action) -> int:
    with qtbot.waitSignal(dialog.countChanged, timeout=10_000) as blocker:
        action()
    return blocker.args[0]


def run_export(qtbot, dialog) -> tuple[int, str]:
    with qtbot.waitSignal(dialog.exported, timeout=20_000) as blocker:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    return tuple(blocker.args)


def test_tag_scope_live_count_and_csv(qtbot, make, lib, tmp_path):
    dialog = make(lib, tags=["alpha"])
    assert dialog.scope == "tags" and dialog.checked_tags() == ["alpha"]
    assert dialog.last_count == 10 and "10 papers" in dialog.count_label.text()
    assert recount(qtbot, dialog, lambda: dialog.set_tags(["alpha", "beta"], "any")) == 15
    assert recount(qtbot, dialog, lambda: dialog.set_tags(["alpha", "beta"], "all")) == 5
    dialog.set_format("csv")
    dest = tmp_path / "both.csv"
    dialog.dest_edit.setText(str(dest))
    count, path = run_export(qtbot, dialog)
    assert (count, path) == (5, str(dest))
    with dest.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(int(r["id"]) for r in rows) == sorted(lib.paper_ids())[5:10]
    assert all(r["tags"] == "alpha; beta" for r in rows)
    assert dialog.result() == dialog.DialogCode.Accepted


def test_selected_papers_to_json(qtbot, make, lib, tmp_path):
    chosen = sorted(lib.paper_ids())[100:103]
    dialog = make(lib, selected_ids=chosen)
    assert dialog.scope == "selected" and dialog.last_count == 3
    dialog.set_format("json")
    dialog.dest_edit.setText(str(tmp_path / "picked"))  # no extension: the format's is added
    count, path = run_export(qtbot, dialog)
    assert count == 3 and path.endswith("picked.json")
    doc = json.loads((tmp_path / "picked.json").read_text(encoding="utf-8"))
    assert [p["id"] for p in doc["papers"]] == chosen


def test_current_view_is_sidebar_filter_plus_query(qtbot, make, lib, tmp_path):
    dialog = make(lib, current_filter=PaperFilter(starred=True))
    assert dialog.scope == "view" and dialog.last_count == 4
    assert not dialog.scope_selected.isEnabled()  # nothing selected
    if hasattr(lib, "search"):
        hits = {h.paper_id for h in lib.search("diffusion", limit=1000).hits}
        view = make(lib, current_filter=PaperFilter(), current_query="diffusion")
        assert view.last_count == len(hits) > 0


def test_choices_are_remembered(qtbot, make, lib, tmp_path):
    dialog = make(lib)
    dialog.set_scope("tags")
    recount(qtbot, dialog, lambda: dialog.set_tags(["beta"], "all"))
    dialog.set_format("bibtex")
    dialog.group_by_tag.setChecked(False)
    dest = tmp_path / "beta.bib"
    dialog.dest_edit.setText(str(dest))
    run_export(qtbot, dialog)
    assert dest.read_text(encoding="utf-8").count("@misc{") == 10
    again = make(lib)
    assert again.scope == "tags" and again.checked_tags() == ["beta"]
    assert again.match_box.currentData() == "all" and again.format == "bibtex"
    assert again.dest_edit.text() == str(dest) and again.last_count == 10


def test_format_change_follows_file_name(qtbot, make, lib, tmp_path):
    dialog = make(lib, tags=["alpha"])
    dialog.dest_edit.setText(str(tmp_path / "list.md"))
    dialog.set_format("ris")
    assert dialog.dest_edit.text() == str(tmp_path / "list.ris")
    assert not dialog.group_by_tag.isEnabled()
    dialog.set_format("html")
    assert dialog.group_by_tag.isEnabled()


def test_failure_is_one_line_inline_and_leaves_nothing(qtbot, make, lib, tmp_path):
    dialog = make(lib, tags=["alpha"])
    dialog.show()
    dest = tmp_path / "missing" / "list.md"
    dialog.dest_edit.setText(str(dest))
    with qtbot.waitSignal(dialog.failed, timeout=10_000) as blocker:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    reason = blocker.args[0]
    assert str(dest) in reason and "\n" not in reason and "Traceback" not in reason
    assert dialog.message.text() == reason and dialog.isVisible()
    assert not dest.parent.exists()
    assert dialog.export_button.isEnabled()  # fix the path and try again


def test_no_tags_ticked_disables_export(qtbot, make, lib, tmp_path):
    dialog = make(lib)
    dialog.set_scope("tags")
    assert recount(qtbot, dialog, lambda: dialog.set_tags([])) == 0
    assert not dialog.export_button.isEnabled()


def test_tag_context_menu_opens_the_dialog_for_that_tag(qtbot, open_window, lib, tmp_path):
    window = open_window(lib)
    menu = QMenu(window)
    window.sidebar.tagMenuAboutToShow.emit("beta", menu)
    actions = [a for a in menu.actions() if a.text() == "Export…"]
    assert len(actions) == 1
    actions[0].trigger()
    dialog = window._export_dialog
    qtbot.waitUntil(lambda: dialog.last_count is not None, timeout=10_000)
    assert dialog.scope == "tags" and dialog.checked_tags() == ["beta"]
    assert dialog.last_count == 10
    assert dialog.dest_edit.text().endswith("beta.md")
    dest = tmp_path / "beta.html"
    dialog.set_format("html")
    dialog.dest_edit.setText(str(dest))
    run_export(qtbot, dialog)
    assert dest.read_text(encoding="utf-8").count("<article") == 10
    assert "10 paper(s)" in window.statusBar().currentMessage()


def test_file_menu_export_opens_on_the_current_view(qtbot, open_window, lib):
    window = open_window(lib)
    assert window.export_action.shortcut().toString() == "Ctrl+E"
    window.export_action.trigger()  # File › Export…
    dialogs = window.findChildren(ExportDialog)
    assert len(dialogs) == 1
    dialog = dialogs[0]
    qtbot.waitUntil(lambda: dialog.last_count is not None, timeout=10_000)
    assert dialog.scope == "view" and dialog.last_count == lib.count()
    dialog.reject()
