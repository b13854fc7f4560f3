"""Markdown captures of Daily Papers list pages (daily, search) and of paper pages.

Links come inline, ``[text](url)``, or by reference, ``[text][n]`` with ``[n]: url``
definitions (usually at the end; a capture cut short may have none). A list card is a
heading whose text is a link, ``### [Title](…/papers/<id>)`` (a long title may wrap onto a
second ``###`` line). Around it, in page order:

    [ 65 ][n]                 the upvote box: before the title; ``-`` is none
    ### [Title][n]
    [ abstract ][n]           the card's text (a link to the paper)
    [ * 3 authors ][n]  or  [[org] Organisation][n]
    ·
    Mar 8, 2024 [ 6][n]       arXiv date (year omitted for the capture's year), then the
                              comment count, a link to ``/papers/<id>#community``

A capture that ends mid-card ("[Content truncated]", or the file just stops) keeps every
whole card and reports the cut one. A capture with no such cards but with a paper page's
lines (``Published on``…) is read as a paper page (:mod:`paper_page`), links kept.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from app.importers import paper_page
from app.importers.parsed import (
    PaperFields,
    ParsedForm,
    Problem,
    count,
    finish,
    ids_in,
    name,
    one_line,
    prose,
    shown_date,
)

FORM = "markdown"
# [text] then [ref] or (url "title"); text may hold one level of brackets ([[logo] Name]).
_LINK = re.compile(
    r"\[((?:[^\[\]]|\[[^\[\]]*\])*)\]"
    r"(?:\[([^\[\]\s]{1,40})\]|\(\s*<?([^()\s<>]*)>?(?:\s+\"[^\"\n]*\")?\s*\))"
)
_DEF = re.compile(r"^ {0,3}\[([^\[\]]{1,40})\]:\s*<?(\S+?)>?(?:\s+[\"'(].*)?\s*$", re.MULTILINE)
_HEADING = re.compile(r" {0,3}#{2,6}[ \t]*$")  # a card's heading; "# " is a page title
_CONTINUED = re.compile(r"\n[ \t]*#{1,6}[ \t]*")
_COUNTISH = re.compile(r"^(?:-|–|—|\d[\d,.]*\s*[kKmM]?)$")
# "* 3 authors", or the end of a list of avatar images: "* ![][8]\n* · 533 authors"
_AUTHORS = re.compile(r"(?:^|[\s*•·-])(\d[\d,]*)\s+authors?\s*$", re.IGNORECASE)
_IMAGE = re.compile(r"!\[[^\[\]]*\](?:\[[^\[\]]*\]|\([^()]*\))")
_SUBMITTED = re.compile(r"submitted\s+by\b[ \t:]*", re.IGNORECASE)
# [[logo] Name] or [![logo](src) Name]: an organisation's avatar and display name
_NESTED = re.compile(r"^\s*!?\[([^\[\]]*)\](?:\([^()\s]*\))?\s*(.*)$", re.DOTALL)
_CAPTURED = re.compile(r"captured[^:\n]*:\s*(\d{4}-\d{2}-\d{2})", re.IGNORECASE)
_PAGE_URL = re.compile(r"^\s*[-*]?\s*URL:\s*(\S+)", re.IGNORECASE | re.MULTILINE)
_PAPER_PAGE = re.compile(r"^[ \t>*-]*published on\s+\w", re.IGNORECASE | re.MULTILINE)
TRUNCATED = ("[content truncated]", "[truncated]", "…[truncated]")


@dataclass(slots=True)
class _Link:
    start: int
    end: int
    text: str
    url: str | None
    heading: bool


def read(text: str, as_of: date) -> ParsedForm:
    """Every paper of a Markdown capture of a list page, or the one of a paper page."""
    problems: list[Problem] = []
    starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_of(pos: int) -> int:
        return bisect.bisect_right(starts, pos)

    captured = _CAPTURED.search(text[:4000])
    if captured:
        day = shown_date(captured[1], as_of)
        as_of = day or as_of
    refs = {m[1].casefold(): m[2] for m in _DEF.finditer(text)}
    links = [_link(m, text, refs) for m in _LINK.finditer(text)]
    cut_at = _truncation(text)
    cards = [k for k, link in enumerate(links) if link.heading]
    if not cards or _PAPER_PAGE.search(text, 0, links[cards[0]].start):
        return _as_paper_page(text, links, line_of, as_of, problems)
    listed_on = _page_day(text, links[cards[0]].start, as_of)
    papers: list[PaperFields] = []
    for n, k in enumerate(cards):
        head = links[k]
        upvote_box = links[k - 1] if k and _COUNTISH.match(links[k - 1].text.strip()) else None
        if upvote_box and n and upvote_box.start < links[cards[n - 1]].end:
            upvote_box = None
        stop = links[cards[n + 1]].start if n + 1 < len(cards) else len(text)
        after = links[k + 1 : cards[n + 1] if n + 1 < len(cards) else None]
        if n + 1 < len(cards) and after and _COUNTISH.match(after[-1].text.strip()):
            stop = after[-1].start
            after = after[:-1]
        line = line_of(head.start)
        title = one_line(_CONTINUED.sub(" ", head.text))
        if not title:
            problems.append((line, "a card heading without a title; skipped"))
            continue
        cut = cut_at is not None and head.start <= cut_at < stop
        paper = _card(title, head, upvote_box, after, text, stop, line_of, as_of, problems)
        if cut or paper is None:
            problems.append((line, f"card {title[:60]!r} is cut off by the capture; skipped"))
            continue
        paper.listed_on = listed_on
        pre_start = links[cards[n - 1]].end if n else 0
        paper.submitted_by = _submitter(text[pre_start : head.start])
        if finish(paper, problems) is not None:
            papers.append(paper)
    return ParsedForm(papers, problems, FORM)


def _link(m: re.Match[str], text: str, refs: dict[str, str]) -> _Link:
    url = m[3] if m[3] is not None else refs.get((m[2] or "").casefold())
    line_start = text.rfind("\n", 0, m.start()) + 1
    heading = bool(_HEADING.match(text, line_start, m.start())) and line_start < m.start()
    return _Link(m.start(), m.end(), m[1], url or None, heading)


def _truncation(text: str) -> int | None:
    tail = text[-2000:].casefold()
    for marker in TRUNCATED:
        at = tail.rfind(marker)
        if at >= 0:
            return len(text) - len(tail) + at
    return None


def _page_day(text: str, first_card: int, as_of: date) -> date | None:
    """The list page's own date (``Jun 29`` above the first card); None on a search page,
    whose results were listed on other days."""
    url = _PAGE_URL.search(text[:4000])
    if url and ("q=" in url[1] or "/search" in url[1]):
        return None
    for raw in reversed(text[:first_card].splitlines()[-40:]):
        when = shown_date(one_line(raw), as_of)
        if when is not None:
            return when
    return None


def _card(
    title: str,
    head: _Link,
    upvote_box: _Link | None,
    after: list[_Link],
    text: str,
    stop: int,
    line_of: Callable[[int], int],
    as_of: date,
    problems: list[Problem],
) -> PaperFields | None:
    """The card whose heading is ``head``; None when its meta line (authors or organisation,
    date) never came: the capture stops inside it."""
    line = line_of(head.start)
    paper = PaperFields(title=title, line=line)
    ids = ids_in(head.url or "")
    if upvote_box is not None:
        paper.upvotes = count(upvote_box.text.strip(), f"{title[:60]!r}: upvotes", line, problems)
    whole = False
    pos = head.end
    for link in after:
        whole = _plain(text[pos : link.start], paper, as_of) or whole
        inner = one_line(link.text)
        pos = link.end
        if not ids and link.url:
            ids = ids_in(link.url)
        if m := _AUTHORS.search(inner):
            paper.authors_count = count(
                m[1].replace(",", ""), f"{title[:60]!r}: authors", line, problems
            )
            whole = True
        elif (url := link.url or "").endswith("#community") or (
            paper.published is not None
            and _COUNTISH.match(inner)
            and line_of(link.start) == _date_line(text, link.start)
        ):
            paper.comments = count(
                inner, f"{title[:60]!r}: comments", line_of(link.start), problems
            )
        elif (nested := _NESTED.match(link.text)) and _is_name(nested[2]):
            paper.organization = name(nested[2]) or None
            paper.organization_id = _org_id(url)
            whole = True
        elif not paper.abstract and len(inner.split()) >= 5:
            paper.abstract = prose(link.text)
    whole = _plain(text[pos:stop], paper, as_of) or whole
    paper.arxiv_id = ids[0] if ids else None
    return paper if whole else None


def _is_name(text: str) -> bool:
    text = text.strip()
    return bool(text) and text[0] not in "[(!" and any(c.isalpha() for c in text)


def _submitter(chunk: str) -> str | None:
    """The name after the last ``Submitted by`` in ``chunk`` (a list card shows it above
    its upvote box), images and link brackets removed."""
    found = list(_SUBMITTED.finditer(chunk))[-1:]
    if not found:
        return None
    end = found[0].end()
    rest = _IMAGE.sub(" ", chunk[end : end + 400])
    rest = _LINK.sub(lambda m: m[1], rest)
    for raw in rest.splitlines():
        text = one_line(raw).strip("[]· ")
        if text:
            return name(text) or None
    return None


def _plain(chunk: str, paper: PaperFields, as_of: date) -> bool:
    """Read the card's plain text between links: its date. True if a date was there."""
    found = False
    for raw in chunk.splitlines():
        text = one_line(raw).strip("·• ")
        if not text:
            continue
        when = shown_date(text, as_of)
        if when is not None and paper.published is None:
            paper.published = when
            found = True
        elif len(text.split()) >= 5 and not paper.abstract:
            paper.abstract = prose(text)
    return found


def _date_line(text: str, pos: int) -> int:
    """The line number of the text just before ``pos`` if that text ends with a date."""
    line_start = text.rfind("\n", 0, pos) + 1
    before = text[line_start:pos].strip(" ·•")
    if before and shown_date(before, date(2100, 12, 31)) is not None:
        return text.count("\n", 0, pos) + 1
    return -1


def _org_id(url: str | None) -> str | None:
    """``https://huggingface.co/microsoft`` or ``/microsoft`` -> ``microsoft``."""
    if not url:
        return None
    path = url.split("huggingface.co", 1)[1] if "huggingface.co" in url else url
    if not path.startswith("/"):
        return None
    parts = [p for p in path.split("?")[0].split("#")[0].split("/") if p]
    if len(parts) == 1 and parts[0] not in {"papers", "models", "datasets", "spaces", "login"}:
        return parts[0]
    return None


def _as_paper_page(
    text: str,
    links: list[_Link],
    line_of: Callable[[int], int],
    as_of: date,
    problems: list[Problem],
) -> ParsedForm:
    """A paper page captured as Markdown: links flattened to their text, then read as text.
    A link that spans lines leaves as many line breaks behind, so line numbers stay true."""
    out: list[str] = []
    pos = 0
    found: list[tuple[int, str, str]] = []
    for link in links:
        out.append(text[pos : link.start])
        nested = _NESTED.match(link.text)
        label = nested[2] if nested and nested[2].strip() else link.text
        out.append(label + "\n" * (text.count("\n", link.start, link.end) - label.count("\n")))
        if link.url:
            found.append((line_of(link.start), one_line(label), link.url))
        pos = link.end
    out.append(text[pos:])
    flat = "".join(out)
    lines = [(i, one_line(raw).lstrip("#").strip()) for i, raw in enumerate(flat.splitlines(), 1)]
    lines = [(i, t) for i, t in lines if t.casefold() not in {"```", "```text"}]
    paper = paper_page.read_lines(lines, as_of, problems, found)
    return ParsedForm([paper] if paper else [], problems, FORM)
