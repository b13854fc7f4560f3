"""The Qt binding keeps Python's reference counts: a call returning nothing, a signal
carrying a bool, an overridden virtual. PySide6 6.12.0 on Python 3.11 dropped a reference
to None on every void call (and to True on every bool signal); the suite then crashed at
random, wherever the count reached zero (pyproject pins it out)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit

N = 500


class _Emitter(QObject):
    flag = Signal(bool)


class _Box(QLineEdit):
    def event(self, event) -> bool:  # noqa: D102 (Qt override, as SearchBox's)
        return super().event(event)


def _counts() -> tuple[int, int, int]:
    return sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)


def test_void_calls_bool_signals_and_overrides_keep_reference_counts(qtbot):
    box = _Box()
    qtbot.addWidget(box)
    key = QKeyEvent(QEvent.Type.ShortcutOverride, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)
    emitter = _Emitter()
    got: list[bool] = []
    emitter.flag.connect(got.append)

    def once() -> None:
        key.accept()  # void
        box.setText("x")  # void
        box.setEnabled(True)  # void, a bool argument
        QApplication.sendEvent(box, QEvent(QEvent.Type.User))  # the Python override
        emitter.flag.emit(True)
        emitter.flag.emit(False)

    once()
    got.clear()
    before = _counts()
    for _ in range(N):
        once()
    assert len(got) == 2 * N
    got.clear()  # it held N Trues and N Falses
    after = _counts()
    # Other threads may hold a few references for a moment; a leak here is N or more.
    assert all(abs(a - b) < N // 2 for a, b in zip(after, before, strict=True)), (before, after)
