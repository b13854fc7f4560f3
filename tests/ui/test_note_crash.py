"""A note survives SIGKILL one second after the last keystroke (issue 7): a real editor in
a child process types into a real library, is killed, and the note is there on reopen."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from app.library import Library

CHILD = r"""
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtGui import QUndoStack
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from app import Library
from ui.annotations.note_editor import NoteEditor

app = QApplication([])
lib = Library.open(sys.argv[1])
editor = NoteEditor(lib, QUndoStack())
editor.show()
editor.set_paper(int(sys.argv[2]))
editor.text.setFocus()
QTest.keyClicks(editor.text, sys.argv[3])
print("typed", flush=True)
app.exec()
"""


@pytest.mark.parametrize("text", ["zebrafish notes: read §3 again", "x" * 2000 + " quokka"])
def test_sigkill_one_second_after_typing_loses_nothing(seeded, text):
    pid = seeded.paper_ids()[5]
    path = seeded.path
    seeded.close()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(pid), text],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert child.stdout.readline().strip() == "typed", child.stderr.read()
    with pytest.raises(subprocess.TimeoutExpired):
        child.wait(timeout=1.0)  # the last keystroke was one second ago
    child.send_signal(signal.SIGKILL)
    child.communicate()
    with Library.open(path) as lib:
        assert lib.note(pid) == text
        word = text.split()[-1] if " " in text else text
        hits = [h.paper_id for h in lib.search(f"note:{word.split(':')[0]}").hits]
        assert pid in hits
