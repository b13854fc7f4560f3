"""The Hub's JSON: ``/api/daily_papers``, ``/api/papers/<id>``, and lists of paper objects.

Shapes read (key names as the Hub writes them):

- a daily item ``{paper: {...}, title, numComments, submittedBy, organization?, publishedAt}``
  where ``publishedAt`` is when it was put on Daily Papers and ``paper.publishedAt`` the arXiv
  date; ``paper.upvotes`` is the upvote count, ``numComments`` the comment count;
- a paper object ``{id, title, summary, authors: [{name, hidden, ...}], publishedAt, upvotes,
  submittedOnDailyAt?, submittedOnDailyBy?, numComments?, ai_summary?, ai_keywords?,
  githubRepo?, githubStars?, projectPage?, organization?: {name, fullname}}``;
- an array of either, or an object holding one under ``dailyPapers`` / ``papers``.

Authors marked ``hidden: true`` are kept: on the Hub that flag hides a *claimed* paper from
the claiming user's profile; the name is still on the paper's author list (in the 2024-08-01
sample, "Xuanyu Huang" of 2407.21781 is hidden and is one of its six arXiv authors).

The top-level array is decoded item by item, so a file cut off mid-way still yields every
item before the cut, and each problem names the item and its line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any, TextIO

from app.importers.parsed import (
    PaperFields,
    ParsedForm,
    Problem,
    arxiv_id,
    count,
    finish,
    github_repo,
    iso_day,
    name,
    one_line,
    prose,
    web_url,
)

FORM = "hub-json"
_DECODER = json.JSONDecoder()
_SPACE = " \t\n\r"


def read(text: str, as_of: date) -> ParsedForm:  # noqa: ARG001 - the Hub's JSON has full dates
    """Every paper of a Hub JSON document (see the module doc for the shapes)."""
    problems: list[Problem] = []
    papers: list[PaperFields] = []
    text = text.lstrip("\ufeff")
    start = len(text) - len(text.lstrip(_SPACE))
    if text.startswith("[", start):
        for index, (line, item) in enumerate(_array_items(text, start, problems), start=1):
            _add(papers, item, line, problems, index)
        if not papers and not problems:
            problems.append((1, "no papers in this JSON"))
        return ParsedForm(papers, problems, FORM)
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        problems.append((_line_of(text, getattr(exc, "pos", 0)), f"not readable JSON: {exc}"))
        return ParsedForm(papers, problems, FORM)
    for index, item in enumerate(items_of(doc), start=1):
        _add(papers, item, 1, problems, index)
    if not papers and not problems:
        problems.append((1, "JSON, but not Hugging Face papers data"))
    return ParsedForm(papers, problems, FORM)


def items_of(doc: Any) -> list[Any]:
    """The paper items inside a decoded document (empty if it holds none)."""
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        for key in ("dailyPapers", "papers"):
            if isinstance(doc.get(key), list):
                return list(doc[key])
        if isinstance(doc.get("paper"), dict) or ("title" in doc and "id" in doc):
            return [doc]
    return []


def _array_items(
    text: str, pos: int, problems: list[Problem], more: Callable[[], str] | None = None
):
    """(line, item) for each element of the top-level array starting at ``pos``. With
    ``more`` (a function giving the next chunk, "" at the end) the text is a window that
    slides over a stream, so only one chunk and one item are held at a time."""
    buf, eof = text, more is None
    pos += 1
    line = 1 + buf.count("\n", 0, pos)
    index = 0

    def refill() -> bool:
        nonlocal buf, pos, eof
        if eof or more is None:
            return False
        chunk = more()
        if not chunk:
            eof = True
            return False
        buf, pos = buf[pos:] + chunk, 0
        return True

    def skip_space() -> None:
        nonlocal pos, line
        while True:
            start = pos
            while pos < len(buf) and buf[pos] in _SPACE:
                pos += 1
            line += buf.count("\n", start, pos)
            if pos < len(buf) or not refill():
                return

    while True:
        skip_space()
        if pos >= len(buf):
            problems.append((line, "the JSON array is cut off"))
            return
        if buf[pos] == "]":
            return
        if index and buf[pos] == ",":
            pos += 1
            skip_space()
        while True:
            try:
                item, end = _DECODER.raw_decode(buf, pos)
                break
            except (ValueError, RecursionError) as exc:
                if refill():
                    continue
                at = getattr(exc, "pos", pos)
                cut = at >= len(buf) - 1 or "Unterminated" in str(exc)
                why = "cut off" if cut else f"not readable JSON ({exc})"
                problems.append((line, f"item {index + 1}: {why}; the rest of the file is skipped"))
                return
        index += 1
        yield line, item
        line += buf.count("\n", pos, end)
        pos = end
        skip_space()
        if pos < len(buf) and buf[pos] not in ",]":
            problems.append((line, f"item {index}: unexpected text after it; the rest is skipped"))
            return


def read_stream(stream: TextIO, as_of: date, chunk: int = 1 << 20) -> ParsedForm:
    """Like :func:`read`, from an open text file read ``chunk`` characters at a time: a large
    ``/api/daily_papers`` dump never sits in memory whole (only the papers read from it)."""
    problems: list[Problem] = []
    papers = list(iter_stream(stream, problems, chunk))
    if not papers and not problems:
        problems.append((1, "no papers in this JSON"))
    return ParsedForm(papers, problems, FORM)


def iter_stream(
    stream: TextIO, problems: list[Problem], chunk: int = 1 << 20
) -> Iterator[PaperFields]:
    """The papers of a Hub JSON file one at a time, for a writer that stores them in
    batches; problems are appended as they are found."""
    head = stream.read(chunk).lstrip("\ufeff")
    start = len(head) - len(head.lstrip(_SPACE))
    if not head.startswith("[", start):  # one object: small by nature, read it whole
        form = read(head + stream.read(), date.min)
        problems.extend(form.problems)
        yield from form.papers
        return
    items = _array_items(head, start, problems, lambda: stream.read(chunk))
    for index, (line, item) in enumerate(items, start=1):
        paper = from_item(item, line, problems, None, index)
        if paper is not None:
            yield paper


def _line_of(text: str, pos: int) -> int:
    return 1 + text.count("\n", 0, max(0, min(pos, len(text))))


def _add(
    papers: list[PaperFields],
    item: Any,
    line: int,
    problems: list[Problem],
    index: int,
) -> None:
    paper = from_item(item, line, problems, None, index)
    if paper is not None:
        papers.append(paper)


def from_item(
    item: Any,
    line: int,
    problems: list[Problem],
    listed_on: date | None = None,
    index: int = 0,
) -> PaperFields | None:
    """One paper from a daily item or a paper object; None (and a problem) without a title.

    ``listed_on`` is the page's own date, used when the item does not carry its day."""
    where = f"item {index}" if index else "item"
    if not isinstance(item, dict):
        problems.append((line, f"{where}: not a paper object"))
        return None
    inner = item.get("paper")
    wrapped = isinstance(inner, dict)
    p: dict[str, Any] = inner if isinstance(inner, dict) else item
    title = one_line(item.get("title")) or one_line(p.get("title"))
    if not title:
        problems.append((line, f"{where}: no title; skipped"))
        return None
    where = f"{where} ({title[:60]!r})"  # a problem names the paper
    fields = PaperFields(title=title, abstract=prose(p.get("summary")), line=line)
    fields.arxiv_id = arxiv_id(p.get("id"))
    if p.get("id") and fields.arxiv_id is None:
        problems.append((line, f"{where}: id {str(p.get('id'))[:30]!r} is not an arXiv id"))
    authors = p.get("authors")
    if isinstance(authors, list):
        names = fields.authors
        for author in authors:
            who = author.get("name") if isinstance(author, dict) else author
            # name()'s own fast test, inlined: lists run to hundreds of names per paper
            if isinstance(who, str) and who.isprintable() and "&" not in who:
                if "  " not in who and who and who[0] != " " and who[-1] != " ":
                    names.append(who)
                    continue
            who = name(who)
            if who:
                names.append(who)
    fields.published = iso_day(p.get("publishedAt"), f"{where}: published", line, problems)
    day = p.get("submittedOnDailyAt") or item.get("submittedOnDailyAt")
    fields.listed_on = iso_day(day, f"{where}: listed on", line, problems) if day else None
    if fields.listed_on is None:
        fields.listed_on = listed_on
    if fields.listed_on is None and wrapped:
        fields.listed_on = iso_day(item.get("publishedAt"), f"{where}: listed on", line, problems)
    fields.upvotes = count(p.get("upvotes"), f"{where}: upvotes", line, problems)
    comments = item.get("numComments", p.get("numComments"))
    fields.comments = count(comments, f"{where}: comments", line, problems)
    fields.submitted_by = _user(item.get("submittedBy") or p.get("submittedOnDailyBy"))
    org = item.get("organization") or p.get("organization")
    if isinstance(org, dict):
        org_id = name(org.get("name")) or None
        fields.organization = name(org.get("fullname")) or org_id
        fields.organization_id = org_id
    elif isinstance(org, str) and name(org):
        fields.organization = name(org)
    fields.ai_summary = prose(p.get("ai_summary")) or None
    keywords = p.get("ai_keywords")
    if isinstance(keywords, list):
        fields.ai_keywords = [k for k in (one_line(k) for k in keywords) if k]
    repo = web_url(p.get("githubRepo"))
    if repo and github_repo(repo):
        fields.github = repo
    elif p.get("githubRepo"):
        problems.append((line, f"{where}: githubRepo is not a GitHub repository URL"))
    fields.github_stars = count(p.get("githubStars"), f"{where}: GitHub stars", line, problems)
    fields.project_page = web_url(p.get("projectPage"))
    return finish(fields, problems)


def _user(value: Any) -> str | None:
    """The Hub user name of a ``submittedBy`` object (its handle, as pages show it)."""
    if isinstance(value, dict):
        return name(value.get("name")) or name(value.get("fullname")) or None
    if isinstance(value, str):
        return name(value) or None
    return None
