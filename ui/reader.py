"""The reader pane: one paper's title, metadata, tags, links and abstract, all escaped."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QUrl
from PySide6.QtGui import QDesktopServices, QPalette
from PySide6.QtWidgets import QTextBrowser

from app.links import WEB_SEARCH, is_web_link, paper_link, title_search
from app.records import PaperRecord, metadata_line

__all__ = ["WEB_SEARCH", "ReaderPane", "highlight", "is_web_link", "paper_html", "paper_link"]
LIGHT_HIT = ("#fff3a0", "black")  # (background, text) of a highlighted search word
DARK_HIT = ("#7a6400", "white")


def highlight(text: str, terms: Sequence[str]) -> str:
    """Escape ``text`` and mark words starting with any of ``terms`` (case-insensitive)."""
    words = sorted({t for t in terms if t}, key=len, reverse=True)
    if not words:
        return html.escape(text)
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\w*", re.I)
    out, pos = [], 0
    for m in pattern.finditer(text):
        out.append(html.escape(text[pos : m.start()]))
        out.append(f'<span class="hit">{html.escape(m.group(0))}</span>')
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


def paper_html(
    rec: PaperRecord, terms: Sequence[str] = (), hit_bg: str = "#fff3a0", hit_fg: str = "black"
) -> str:
    """The pane's HTML; every piece of paper text goes through ``html.escape``."""
    esc = html.escape
    parts = [
        f"<style>.hit {{ background-color: {hit_bg}; color: {hit_fg}; }} "
        ".meta { color: gray; } .tag { font-weight: bold; }</style>",
        f"<h2>{highlight(rec.title, terms)}</h2>",
        f'<p class="meta">{metadata_line(rec, "%d %b %Y", esc)}</p>',
    ]
    if rec.tags:
        chips = " ".join(f'<span class="tag">#{esc(t)}</span>' for t in rec.tags)
        parts.append(f"<p>{chips}</p>")
    links = []
    for url in dict.fromkeys([rec.url or "", *rec.links]):
        if not url:
            continue
        if is_web_link(url):
            links.append(f'<a href="{esc(url, quote=True)}">{esc(url)}</a>')
        else:
            links.append(esc(url))  # shown, never clickable
    if not (rec.url and is_web_link(rec.url)):
        search = title_search(rec.title)
        links.append(f'<a href="{esc(search, quote=True)}">Search the web for this title</a>')
    parts.append("<p>" + "<br>".join(links) + "</p>")
    for para in rec.abstract.split("\n\n"):
        parts.append(f"<p>{highlight(para, terms)}</p>")
    return "\n".join(parts)


class ReaderPane(QTextBrowser):
    """Read-only view of the selected paper. Links open in the system browser."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("readerPane")
        self.setOpenLinks(False)  # never navigate inside the pane
        self.anchorClicked.connect(self._open)
        self.open_url: Callable[[QUrl], object] = QDesktopServices.openUrl
        self.paper: PaperRecord | None = None
        self.terms: list[str] = []
        self.show_paper(None)

    def show_paper(self, rec: PaperRecord | None, terms: Sequence[str] = ()) -> None:
        same = rec is not None and self.paper is not None and self.paper.id == rec.id
        self.paper, self.terms = rec, list(terms)
        if rec is None:
            self.setHtml('<p style="color: gray">Select a paper to read it here.</p>')
            return
        bar = self.verticalScrollBar()
        keep = bar.value() if same else 0  # the same paper repainted (starred): stay put
        self.setHtml(paper_html(rec, self.terms, *(DARK_HIT if self.is_dark() else LIGHT_HIT)))
        if keep:
            bar.setValue(keep)

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        # The system switched between light and dark: redraw with colours that fit.
        if event.type() == QEvent.Type.PaletteChange and self.paper is not None:
            self.show_paper(self.paper, self.terms)
        super().changeEvent(event)

    def is_dark(self) -> bool:
        return self.palette().color(QPalette.ColorRole.Base).lightness() < 128

    def show_many(self, count: int) -> None:
        self.paper = None
        self.setHtml(f'<p style="color: gray">{count:,} papers selected.</p>')

    def _open(self, url: QUrl) -> None:
        if is_web_link(url.toString()):
            self.open_url(url)
