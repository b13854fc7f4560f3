"""Fixtures for the annotation panels: a real library, a real undo stack, real widgets."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtGui import QUndoStack

from ui.annotations import AnnotationPanel


@pytest.fixture
def stack(qtbot):
    s = QUndoStack()
    yield s
    s.clear()


@pytest.fixture
def panel(qtbot, seeded, stack):
    p = AnnotationPanel(seeded, stack)
    qtbot.addWidget(p)
    p.resize(420, 600)
    p.show()
    qtbot.waitExposed(p)
    return p


def settle(widget) -> None:
    """Wait until the writes ``widget`` queued on its writer thread are stored and every
    view has heard of them (one ``libraryChanged`` each)."""
    widget.ops.wait()


def db_state(lib) -> tuple:
    """Everything an annotation can touch, read straight from the SQLite file."""
    con = sqlite3.connect(lib.db_path)
    try:
        return (
            sorted(con.execute("SELECT id, name, color, created_at FROM tags")),
            sorted(con.execute("SELECT paper_id, tag_id FROM paper_tags")),
            sorted(con.execute("SELECT paper_id, body FROM notes")),
            sorted(con.execute("SELECT id, starred, read FROM papers")),
        )
    finally:
        con.close()


def tagged(lib, name: str) -> set[int]:
    from app.library import PaperFilter

    return set(lib.paper_ids(PaperFilter(tags=(name,))))
