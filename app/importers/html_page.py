"""Saved HTML of a Daily Papers list page or a paper page ("HTML only" or "complete").

First the page's own data: every element with ``data-target`` and a ``data-props`` JSON
attribute (``DailyPapers`` on list pages; the paper page's widget carries a ``paper``
object). The attribute is decoded once by the HTML parser; names inside may be escaped a
second time (``D&#39;Mello``) and are decoded again by :func:`parsed.name`. Items are read as
the Hub's JSON (:mod:`hub_json`). Only when no embedded papers are found are the cards'
markup read: each ``<article>`` with a heading is one card (title in the heading, arXiv id
from its ``/papers/<id>`` link, the number before the heading is upvotes, the
``#community`` link's number is comments, ``N authors``, ``Submitted by``, the date); a page
with neither data nor cards but with a paper page's lines is read as a copied paper page
(its text, one line per block, and its links).

Python's ``html.parser``; no regular expressions over tags.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from typing import Any

from app.importers.hub_json import from_item
from app.importers.paper_page import is_marker, read_lines
from app.importers.parsed import (
    PaperFields,
    ParsedForm,
    Problem,
    count,
    fill_in,
    finish,
    ids_in,
    iso_day,
    name,
    one_line,
    prose,
    shown_date,
)

FORM = "html"
_HEADINGS = {"h1", "h2", "h3", "h4"}
_BLOCKS = _HEADINGS | {
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "br",
    "section",
    "article",
    "header",
    "footer",
    "main",
    "nav",
    "table",
    "tr",
    "td",
    "th",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "hr",
    "form",
    "h5",
    "h6",
    "time",
    "body",
    "head",
    "title",
}
_AUTHORS = re.compile(r"^[·•*]?\s*(\d[\d,]*)\s+authors?$", re.IGNORECASE)
_DECODER = json.JSONDecoder()
_COUNTISH = re.compile(r"^(?:-|–|—|\d[\d,.]*\s*[kKmM]?)$")


@dataclass
class _Card:
    line: int
    tokens: list[tuple[str, str, str]] = field(default_factory=list)  # (where, text, href)
    hrefs: list[str] = field(default_factory=list)
    cut: bool = True  # until its </article> is seen


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.props: list[tuple[int, str, str]] = []  # (line, target, JSON text)
        self.cards: list[_Card] = []
        self.card: _Card | None = None
        self.depth = 0  # <article> nesting inside the current card
        self.heading = 0
        self.paragraph = 0
        self.href: list[str] = []
        self.skip = 0  # inside <script>/<style>/<svg>
        self.cut_props: tuple[int, str] | None = None  # a tag cut off inside its data-props
        self.last_data = ""
        self.has_data = False  # embedded paper data seen: cards and text are not needed
        # The page as text, one line per block, with its links: for a paper page's fallback.
        self.lines: list[tuple[int, str]] = []
        self.words: list[str] = []
        self.words_line = 0
        self.links: list[tuple[int, str, str]] = []
        self.open_links: list[tuple[int, str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "svg", "template"):
            self.skip += 1
            return
        if attrs:
            target = props = None
            for key, value in attrs:
                if key == "data-props":
                    props = value
                elif key == "data-target":
                    target = value
            if props:
                self.props.append((self.getpos()[0], target or "", props))
                if '"dailyPapers":[{' in props or ('"paper":{' in props and '"title"' in props):
                    self.has_data = True  # the markup after it need not be collected
        if self.has_data:
            return
        if tag in _BLOCKS:
            self._flush()
        if tag == "a":
            href = next((v or "" for k, v in attrs if k == "href"), "")
            self.open_links.append((self.getpos()[0], href, []))
        elif tag in ("link", "meta"):
            values = dict(attrs)
            if values.get("rel") == "canonical" or values.get("property") == "og:url":
                url = values.get("href") or values.get("content") or ""
                self.links.append((0, "", url))
        if tag == "article":
            if self.card is None:
                self.card = _Card(self.getpos()[0])
                self.cards.append(self.card)
                self.depth = 0
            self.depth += 1
        elif self.card is not None:
            if tag in _HEADINGS:
                self.heading += 1
            elif tag == "p":
                self.paragraph += 1
            elif tag == "a":
                href = next((v or "" for k, v in attrs if k == "href"), "")
                self.href.append(href)
                self.card.hrefs.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "svg", "template"):
            self.skip = max(0, self.skip - 1)
            return
        if self.has_data:
            return
        if tag in _BLOCKS:
            self._flush()
        if tag == "a" and self.open_links:
            line, href, words = self.open_links.pop()
            if href:
                self.links.append((line, one_line(" ".join(words)), href))
        if self.card is None:
            return
        elif tag == "article":
            self.depth -= 1
            if self.depth <= 0:
                self.card.cut = False
                self.card = None
        elif tag in _HEADINGS:
            self.heading = max(0, self.heading - 1)
        elif tag == "p":
            self.paragraph = max(0, self.paragraph - 1)
        elif tag == "a" and self.href:
            self.href.pop()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if "data-props=" in data and (data.startswith("<") or self.last_data == "<"):
            # The file ends inside a tag: html.parser hands the unfinished tag over as text.
            self.cut_props = (self.getpos()[0], data)
            return
        self.last_data = data
        if self.has_data:
            return
        text = one_line(data)
        if text:
            if not self.words:
                self.words_line = self.getpos()[0]
            self.words.append(text)
            if self.open_links:
                self.open_links[-1][2].append(text)
        if self.card is None:
            return
        if text:
            where = "h" if self.heading else "p" if self.paragraph else ""
            self.card.tokens.append((where, text, self.href[-1] if self.href else ""))

    def _flush(self) -> None:
        if self.words:
            self.lines.append((self.words_line, " ".join(self.words)))
            self.words = []

    def close(self) -> None:
        super().close()
        self._flush()


def read(text: str, as_of: date) -> ParsedForm:
    """Every paper of a saved Hugging Face papers page (list or single paper)."""
    problems: list[Problem] = []
    reader = _Reader()
    try:
        reader.feed(text)
        reader.close()
    except (AssertionError, ValueError, RecursionError) as exc:  # html.parser on odd markup
        problems.append((reader.getpos()[0], f"HTML not readable past here ({exc})"))
    papers = _embedded(reader.props, problems)
    if reader.cut_props is not None:
        papers = (papers or []) + _salvage(*reader.cut_props, problems)
    if papers is None and not reader.cards and any(is_marker(t) for _, t in reader.lines):
        # A paper page without its embedded data: read its text as a copied page.
        one = read_lines(reader.lines, as_of, problems, reader.links)
        papers = [one] if one else []
    if papers is None:
        papers = []
        for card in reader.cards:
            paper = _card(card, as_of, problems)
            if paper is not None:
                papers.append(paper)
    if not papers and not any("cut off" in why for _, why in problems):
        problems.append((1, "a Hugging Face papers page with no papers on it"))
    return ParsedForm(papers, problems, FORM)


def _embedded(props: list[tuple[int, str, str]], problems: list[Problem]) -> list | None:
    """Papers from the ``data-props`` JSON; None when the page embeds none."""
    found = False
    papers: list[PaperFields] = []
    seen: dict[str, PaperFields] = {}
    for line, target, raw in props:
        if '"title' not in raw and "&quot;title" in raw:  # the attribute escaped twice
            raw = html.unescape(raw)
        if '"title' not in raw or ('"paper' not in raw and '"authors' not in raw):
            continue
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            problems.append((line, f"the {target or 'page'} data is not readable JSON ({exc})"))
            continue
        if not isinstance(data, dict):
            continue
        items = _items(data)
        if not items:
            continue
        found = True
        listed_on = _page_day(data, line, problems)
        for index, item in enumerate(items, start=1):
            paper = from_item(item, line, problems, listed_on, index)
            if paper is None:
                continue
            key = paper.arxiv_id or paper.title
            if key in seen:  # a paper page's widgets each carry the paper: one, filled in
                fill_in(seen[key], paper)
                continue
            seen[key] = paper
            papers.append(paper)
    return papers if found else None


def _salvage(line: int, tag: str, problems: list[Problem]) -> list[PaperFields]:
    """The whole items at the start of a ``data-props`` cut off by the end of the file."""
    raw = tag.split("data-props=", 1)[1][1:]
    if '"dailyPapers"' not in raw:  # not yet decoded (the parser's habit varies by version)
        raw = html.unescape(raw)
    papers: list[PaperFields] = []
    start = raw.find('"dailyPapers":[')
    if start < 0:
        problems.append((line, "the page is cut off inside its data; no paper is whole"))
        return papers
    pos, end = start + len('"dailyPapers":['), len(raw)
    index = 0
    while pos < end:
        try:
            item, pos = _DECODER.raw_decode(raw, pos)
        except (ValueError, RecursionError):
            break
        index += 1
        paper = from_item(item, line, problems, None, index)
        if paper is not None:
            papers.append(paper)
        while pos < end and raw[pos] in ", \n\t\r":
            pos += 1
    problems.append(
        (line, f"the page is cut off inside its data: paper {index + 1} on are skipped")
    )
    return papers


def _items(data: dict[str, Any]) -> list[Any]:
    if isinstance(data.get("dailyPapers"), list):
        return list(data["dailyPapers"])
    paper = data.get("paper")
    if isinstance(paper, dict) and paper.get("title"):
        # A paper page: the widget's own keys (numComments, submittedBy...) sit beside it.
        return [data]
    if isinstance(data.get("papers"), list):
        return list(data["papers"])
    # Other pages (search, trending) under other keys: the first list of paper items.
    for value in data.values():
        if isinstance(value, list) and value and all(_is_item(v) for v in value[:3]):
            return list(value)
    return []


def _is_item(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    inner = value.get("paper")
    paper = inner if isinstance(inner, dict) else value
    return isinstance(paper.get("title"), str) and isinstance(paper.get("id"), str)


def _page_day(data: dict[str, Any], line: int, problems: list[Problem]) -> date | None:
    for key in ("date", "dateString"):
        value = data.get(key)
        if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
            return iso_day(value, "page date", line, problems)
    return None


def _card(card: _Card, as_of: date, problems: list[Problem]) -> PaperFields | None:
    title = " ".join(text for where, text, _ in card.tokens if where == "h")
    title = one_line(title)
    if not title:
        problems.append((card.line, "a card without a title; skipped"))
        return None
    if card.cut:
        problems.append((card.line, f"card {title[:60]!r} is cut off; skipped"))
        return None
    paper = PaperFields(title=title, line=card.line)
    ids = ids_in(" ".join(card.hrefs))
    paper.arxiv_id = ids[0] if ids else None
    seen_heading = False
    submitted = False
    abstract: list[str] = []
    for where, text, href in card.tokens:
        if where == "h":
            seen_heading = True
            continue
        if submitted:
            paper.submitted_by = name(text)
            submitted = False
            continue
        if text.lower().startswith("submitted by"):
            rest = text[len("submitted by") :].strip()
            if rest:
                paper.submitted_by = name(rest)
            else:
                submitted = True
            continue
        if href.endswith("#community"):
            paper.comments = count(text, f"{title[:60]!r}: comments", card.line, problems)
            continue
        if not seen_heading:
            if paper.upvotes is None and _COUNTISH.match(text):
                paper.upvotes = count(text, f"{title[:60]!r}: upvotes", card.line, problems)
            continue
        m = _AUTHORS.match(text)
        if m:
            paper.authors_count = count(
                m[1].replace(",", ""), f"{title[:60]!r}: authors", card.line, problems
            )
        elif where == "p":
            abstract.append(text)
        elif paper.published is None and (when := shown_date(text, as_of)):
            paper.published = when
        elif _org_link(href) and not _COUNTISH.match(text) and text != "·":
            paper.organization = name(text)
            paper.organization_id = href.strip("/")
    paper.abstract = prose(" ".join(abstract))
    return finish(paper, problems)


def _org_link(href: str) -> bool:
    """``/microsoft``: a link to an organisation (one path segment that is not a site page)."""
    if not href.startswith("/") or href.startswith("//"):
        return False
    part = href.strip("/")
    return (
        bool(part)
        and "/" not in part
        and "?" not in part
        and "#" not in part
        and part
        not in {
            "papers",
            "login",
            "join",
            "models",
            "datasets",
            "spaces",
        }
    )
