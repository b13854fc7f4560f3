"""The reader pane: one paper's title, metadata, authors, arXiv links, tags, links, abstract
and the Hub's AI summary, all escaped; only http(s) links are clickable."""

from __future__ import annotations

import html
from collections.abc import Callable, Collection, Iterable, Mapping

from PySide6.QtCore import QEvent, QUrl
from PySide6.QtGui import QDesktopServices, QPalette
from PySide6.QtWidgets import QTextBrowser

from app.links import WEB_SEARCH, arxiv_links, is_web_link, paper_link, title_search
from app.records import PaperRecord, metadata_line
from app.search import match_spans

__all__ = [
    "WEB_SEARCH",
    "ReaderPane",
    "arxiv_links",
    "highlight",
    "is_web_link",
    "paper_html",
    "paper_link",
]
AUTHORS_SHOWN = 8  # names shown before "+ N more"
# The pane's own links (expand the authors, open the AI summary): never leave the pane.
PANE_SCHEME = "paperdesk"
TOGGLE_AUTHORS = f"{PANE_SCHEME}:authors"
TOGGLE_SUMMARY = f"{PANE_SCHEME}:summary"
LIGHT_HIT = ("#fff3a0", "black")  # (background, text) of a highlighted search word
DARK_HIT = ("#7a6400", "white")


Terms = Mapping[str, Collection[str]]  # per index field, the analysed terms a query matched
TEXT_FIELDS = ("title", "authors", "abstract")
SUMMARY_FIELD = "abstract"  # the AI summary is not indexed: it marks what the abstract matched
# Qt lays out rich text in the GUI thread: a 10-million-character abstract froze the window
# for a minute. The pane shows this much of a long text; the rest is one line saying so.
SHOWN_CHARS = 100_000


def _shown(text: str) -> tuple[str, str]:
    """``text`` cut to SHOWN_CHARS, and the line that says what was left out ("" if nothing)."""
    if len(text) <= SHOWN_CHARS:
        return text, ""
    more = len(text) - SHOWN_CHARS
    return text[:SHOWN_CHARS], (
        f'<p class="meta">… {more:,} more characters not shown here '
        "(Paper ▸ Edit details… or an export has the whole text)</p>"
    )


def per_field(terms: Terms | Iterable[str]) -> dict[str, frozenset[str]]:
    """``SearchResult.terms`` as is; plain words (lower-cased) count in every field."""
    if isinstance(terms, Mapping):
        return {name: frozenset(words) for name, words in terms.items()}
    words = frozenset(w.lower() for w in terms if w)
    return dict.fromkeys(TEXT_FIELDS, words) if words else {}


def highlight(text: str, terms: Collection[str]) -> str:
    """Escape ``text`` and mark the tokens whose analysed form is in ``terms``: the search
    engine's own analysis (``app.search.match_spans``), so exactly what the index matched."""
    out, pos = [], 0
    for start, end in match_spans(text, terms) if terms else ():
        out.append(html.escape(text[pos:start]))
        out.append(f'<span class="hit">{html.escape(text[start:end])}</span>')
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _link(url: str, label: str) -> str:
    esc = html.escape
    if is_web_link(url):
        return f'<a href="{esc(url, quote=True)}">{esc(label)}</a>'
    return esc(label)  # shown, never clickable


def _authors_html(rec: PaperRecord, expanded: bool, terms: Collection[str]) -> str | None:
    names = rec.authors
    if not names:
        return None
    shown = names if expanded else names[:AUTHORS_SHOWN]
    text = ", ".join(highlight(n, terms) for n in shown)
    hidden = len(names) - len(shown)
    unlisted = max(0, (rec.authors_count or 0) - len(names))  # "+ N authors" on the page
    if hidden:
        text += f' <a href="{TOGGLE_AUTHORS}">+ {hidden + unlisted} more</a>'
    elif expanded and len(names) > AUTHORS_SHOWN:
        text += f' <a href="{TOGGLE_AUTHORS}">(fewer)</a>'
        if unlisted:
            text += f" + {unlisted} more not listed"
    elif unlisted:
        text += f" + {unlisted} more"
    return f'<p class="authors">{text}</p>'


def _facts_html(rec: PaperRecord) -> str | None:
    esc = html.escape
    facts = []
    if rec.arxiv_id:
        links = " · ".join(_link(url, label) for label, url in arxiv_links(rec.arxiv_id))
        facts.append(f"arXiv {esc(rec.arxiv_id)}" + (f" — {links}" if links else ""))
    if rec.submitted_by:
        facts.append(f"submitted by {esc(rec.submitted_by)}")
    if rec.listed_on:
        facts.append(f"on Daily Papers {rec.listed_on.strftime('%d %b %Y')}")
    if rec.organization_id and rec.organization_id != rec.organization:
        facts.append(f"organisation {esc(rec.organization_id)}")
    if rec.github:
        stars = f" ({rec.github_stars} ★)" if rec.github_stars is not None else ""
        facts.append(_link(rec.github, "GitHub") + stars)
    if rec.project_page:
        facts.append(_link(rec.project_page, "project page"))
    return '<p class="meta">' + " · ".join(facts) + "</p>" if facts else None


def _summary_html(rec: PaperRecord, open_: bool, terms: Collection[str]) -> list[str]:
    if not rec.ai_summary:
        return []
    mark = "▾" if open_ else "▸"
    head = (
        f'<p class="ai"><a href="{TOGGLE_SUMMARY}">{mark} AI summary</a> '
        "<i>(generated by the Hugging Face Hub, not the authors)</i></p>"
    )
    if not open_:
        return [head]
    summary, rest = _shown(rec.ai_summary)
    body = [f'<p class="ai">{highlight(para, terms)}</p>' for para in summary.split("\n\n")]
    if rest:
        body.append(rest)
    if rec.ai_keywords:
        words = ", ".join(html.escape(k) for k in rec.ai_keywords)
        body.append(f'<p class="ai"><i>Keywords: {words}</i></p>')
    return [head, *body]


def paper_html(
    rec: PaperRecord,
    terms: Terms | Iterable[str] = (),
    hit_bg: str = "#fff3a0",
    hit_fg: str = "black",
    authors_expanded: bool = False,
    summary_open: bool = False,
    credits: str | None = None,
) -> str:
    """The pane's HTML; every piece of paper text goes through ``html.escape``."""
    esc = html.escape
    marked = per_field(terms)
    empty: frozenset[str] = frozenset()
    parts = [
        f"<style>.hit {{ background-color: {hit_bg}; color: {hit_fg}; }} "
        ".meta { color: gray; } .tag { font-weight: bold; } .ai { color: gray; }</style>",
        f"<h2>{highlight(rec.title, marked.get('title', empty))}</h2>",
    ]
    authors = _authors_html(rec, authors_expanded, marked.get("authors", empty))
    if authors is not None:
        parts.append(authors)
    parts.append(f'<p class="meta">{metadata_line(rec, "%d %b %Y", esc)}</p>')
    if (facts := _facts_html(rec)) is not None:
        parts.append(facts)
    if rec.tags:
        chips = " ".join(f'<span class="tag">#{esc(t)}</span>' for t in rec.tags)
        parts.append(f"<p>{chips}</p>")
    if credits:
        parts.append(f'<p class="meta" id="credits">{esc(credits)}</p>')
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
    abstract, rest = _shown(rec.abstract)
    for para in abstract.split("\n\n"):
        parts.append(f"<p>{highlight(para, marked.get('abstract', empty))}</p>")
    if rest:
        parts.append(rest)
    parts += _summary_html(rec, summary_open, marked.get(SUMMARY_FIELD, empty))
    return "\n".join(parts)


def team_credits(tagged_by: dict[str, str], note_by: str | None, note_at: object) -> str | None:
    """ "ml, vision tagged by ann · note by bob, 2 Dec 2026 15:40 UTC" (None: nothing known)."""
    by_member: dict[str, list[str]] = {}
    for tag, member in sorted(tagged_by.items(), key=lambda kv: kv[0].casefold()):
        by_member.setdefault(member, []).append(tag)
    parts = [f"{', '.join(tags)} tagged by {who}" for who, tags in by_member.items()]
    if note_by:
        when = f", {note_at:%d %b %Y %H:%M} UTC" if note_at is not None else ""
        parts.append(f"note by {note_by}{when}")
    return " · ".join(parts) or None


class ReaderPane(QTextBrowser):
    """Read-only view of the selected paper. Links open in the system browser."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("readerPane")
        self.setOpenLinks(False)  # never navigate inside the pane
        self.anchorClicked.connect(self._open)
        self.open_url: Callable[[QUrl], object] = QDesktopServices.openUrl
        self.paper: PaperRecord | None = None
        self.terms: dict[str, frozenset[str]] = {}
        self.authors_expanded = False  # per paper: reset when another paper is shown
        self.summary_open = False
        # A team library: who tagged the paper and who last saved its note (one line).
        self.credits_of: Callable[[int], str | None] | None = None
        self.show_paper(None)

    def show_paper(self, rec: PaperRecord | None, terms: Terms | Iterable[str] = ()) -> None:
        """Show ``rec``, marking ``terms`` (``SearchResult.terms``: per field)."""
        same = rec is not None and self.paper is not None and self.paper.id == rec.id
        self.paper, self.terms = rec, per_field(terms)
        if rec is None:
            self.setHtml('<p style="color: gray">Select a paper to read it here.</p>')
            return
        if not same:
            self.authors_expanded = self.summary_open = False
        bar = self.verticalScrollBar()
        keep = bar.value() if same else 0  # the same paper repainted (starred): stay put
        self.setHtml(
            paper_html(
                rec,
                self.terms,
                *(DARK_HIT if self.is_dark() else LIGHT_HIT),
                authors_expanded=self.authors_expanded,
                summary_open=self.summary_open,
                credits=self._credits(rec),
            )
        )
        if keep:
            bar.setValue(keep)

    def _credits(self, rec: PaperRecord) -> str | None:
        if self.credits_of is None:
            return None
        try:
            return self.credits_of(rec.id)
        except Exception:  # noqa: BLE001 — the server is away: the paper still shows
            return None

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
        text = url.toString()
        if text in (TOGGLE_AUTHORS, TOGGLE_SUMMARY) and self.paper is not None:
            if text == TOGGLE_AUTHORS:
                self.authors_expanded = not self.authors_expanded
            else:
                self.summary_open = not self.summary_open
            self.show_paper(self.paper, self.terms)
            return
        if is_web_link(text):
            self.open_url(url)
