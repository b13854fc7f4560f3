"""User text (titles, tags, notes, authors, file names, error texts) shown as text, never as HTML.

Qt renders a tooltip, a label and a message box as HTML when ``Qt.mightBeRichText`` says the
string looks like HTML — a title ``<img src="x.png"> <h1>BIG</h1>`` would show a heading and
load a local image. Labels and message boxes are set to plain text; tooltips (which have no
format setting) get such text escaped; menu entries keep a literal ``&``.
"""

from __future__ import annotations

import html

from PySide6.QtGui import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget


def tooltip(text: str) -> str:
    """``text`` as a tooltip that shows it literally (unchanged when Qt takes it as plain)."""
    if not Qt.mightBeRichText(text):
        return text
    # pre-wrap keeps the text's own spaces and line breaks, as a plain tooltip would.
    return f'<p style="white-space: pre-wrap">{html.escape(text, quote=False)}</p>'


def label(widget: QLabel) -> QLabel:
    """Make ``widget`` show its text as plain text; returns it."""
    widget.setTextFormat(Qt.TextFormat.PlainText)
    return widget


def dialog(widget: QWidget) -> QWidget:
    """Make every label of a message box or input dialog plain text; returns ``widget``.

    Call it after the texts are set: QInputDialog makes its label in ``setLabelText``, and
    QMessageBox its informative label in ``setInformativeText``.
    """
    if isinstance(widget, QMessageBox):
        widget.setTextFormat(Qt.TextFormat.PlainText)
    for child in widget.findChildren(QLabel):
        child.setTextFormat(Qt.TextFormat.PlainText)
    return widget


def menu_text(text: str) -> str:
    """``text`` as a menu entry or button label: ``&`` is shown, not taken as a mnemonic."""
    return text.replace("&", "&&")
