"""Help › Search syntax (``actionQueryHelp``, also the "?" in the search box): the query
language in one table; clicking an example puts it in the search box and runs it."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout

# (examples, what they find) — the README's table, in the window.
SYNTAX: list[tuple[tuple[str, ...], str]] = [
    (("concept erasure",), "all the words, each in the title, abstract, tags or note"),
    (('"concept erasure"',), "the phrase (the words next to each other)"),
    (("erasure OR unlearning",), "either word (OR in capitals)"),
    (("erasure -diffusion", "erasure NOT diffusion"), "the first word and not the second"),
    (("(erasure OR unlearning) diffusion",), "grouping with parentheses"),
    (("title:erasure", "abstract:video", "note:todo", "org:google"), "the word in that field"),
    (("author:tian", 'author:"Ada Lovelace"'), "an author's name (plain words match names too)"),
    (("arxiv:2401.01234",), "the paper with that arXiv id (any version)"),
    (('tag:"to read"',), "papers carrying that tag (the whole name, any case)"),
    (("year:2024", "year:2023..2024"), "published in that year / those years"),
    (("date:>=2024-05-01", "date:2024-05"), "published in that range (a day, a month, a year)"),
    (("upvotes:>=10", "upvotes:10..50", "comments:>=3"), "with that many upvotes / comments"),
    (("is:starred", "is:unread"), "by state (starred, unstarred, read, unread)"),
    (("has:note", "has:tag"), "with a note / with at least one tag"),
    (("eras*",), "a word starting with eras (at least two letters)"),
]
WIDTH = 700  # of the dialog
NOTES = (
    "Words match whole, without stemming (use <code>model*</code> for <i>models</i>). "
    "Everything combines: <code>erasure year:2024 is:unread -video</code>. A query that "
    "cannot be read as written searches the plain words and says so beside the box."
)


def help_html() -> str:
    rows = []
    for examples, finds in SYNTAX:
        links = ", ".join(
            f'<a href="query:{html.escape(q, quote=True)}"><code>{html.escape(q)}</code></a>'
            for q in examples
        )
        rows.append(f"<tr><td>{links}</td><td>{html.escape(finds)}</td></tr>")
    return (
        "<p>Click an example to search for it.</p>"
        '<table cellspacing="0" cellpadding="3">'
        "<tr><th align='left'>You type</th><th align='left'>Finds papers with</th></tr>"
        + "".join(rows)
        + f"</table><p>{NOTES}</p>"
    )


class QueryHelpDialog(QDialog):
    """Not modal: the search box stays usable beside it. ``exampleChosen(query)``."""

    exampleChosen = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("queryHelp")
        self.setWindowTitle("Search syntax")
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("queryHelpText")
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._clicked)
        self.browser.setHtml(help_html())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, Qt.Orientation.Horizontal)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        # As tall as the text (no scrollbar, no empty half), within the screen.
        doc = self.browser.document()
        doc.setTextWidth(WIDTH - 40)
        height = int(doc.size().height()) + 2 * self.browser.frameWidth() + 70
        screen = self.screen().availableGeometry().height() if self.screen() else 800
        self.resize(WIDTH, min(height, screen - 60))

    def _clicked(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("query:"):
            self.exampleChosen.emit(QUrl.fromPercentEncoding(text[6:].encode()))
