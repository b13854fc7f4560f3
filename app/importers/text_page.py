"""Parse a saved Hugging Face *Daily Papers* page (text) into papers.

A page is a run of lines. Once blank lines and the page's own furniture (the e-mail
banner, "Subscribe", "Daily Papers", "by AK and the research community", a lone page
date) are set aside, what is left is, per paper: a title line, an abstract line, and an
optional metadata block of three lines::

    • 9 authors            (or an organisation line: "spiralworks Spiral Works")
    ·
    Dec 26, 2023 1         (a date, with or without a year, then the comment count)

A layout that shows the upvote count puts it on its own line before the title (``12``;
``-`` for none, i.e. 0). The compact layout has no blank lines and no metadata; the spaced
one has both.
Nothing here depends on either file: the rules above are the whole format.
:func:`import_lines` hands the papers, a batch at a time, to the store's merge writer.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import Any

from sqlalchemy.orm import Session

from app.errors import RefusedFile
from app.records import FileResult
from app.store.merge import NewIds, add_row, merge, title_key

BATCH = 5_000  # papers per INSERT batch: bounds memory, keeps executemany efficient

MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}
_MONTH_RE = r"(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
# "Dec 26, 2023 1" / "Jul 24 2" / "May 12, 2024" / "Oct 30"
DATE_RE = re.compile(
    rf"^{_MONTH_RE}\s+(?P<day>\d{{1,2}})(?:\s*,\s*(?P<year>\d{{4}}))?(?:\s+(?P<up>\d{{1,7}}))?$",
    re.IGNORECASE,
)
AUTHORS_RE = re.compile(r"^[•·*\-]?\s*(?P<n>\d{1,5})\s+authors?$", re.IGNORECASE)
# The same shapes with any number of digits: a line of this shape is metadata even when
# its value cannot be read (Feb 30, year 0000, 20245, a 9-digit count): its value is then
# unknown and reported, and it never becomes a title (which would shift every block after).
LOOSE_DATE_RE = re.compile(
    rf"^{_MONTH_RE}\s+(?P<day>\d{{1,9}})(?:\s*,\s*(?P<year>\d{{1,9}}))?(?:\s+(?P<up>\d{{1,40}}))?$",
    re.IGNORECASE,
)
LOOSE_AUTHORS_RE = re.compile(r"^[•·*\-]?\s*(?P<n>\d{1,40})\s+authors?$", re.IGNORECASE)
SEPARATOR = {"·", "•", "-", "–", "—"}
LONE_SEPARATOR = {"·", "•"}  # "-" and "–" alone are also an upvote count of none
COUNT_DIGITS = 7  # counts on a page have at most 7 digits
URL_RE = re.compile(r"https?://[^\s<>\"'`)\]}]+", re.IGNORECASE)

_BANNERS = {
    "new",
    "get trending papers in your email inbox once a day!",
    "get trending papers in your email inbox!",
    "subscribe",
    "daily papers",
}
_BY_AK = re.compile(r"^by\s*ak and the research community$", re.IGNORECASE)
_SUBSCRIBE_GLUED = re.compile(r"^subscribe(?=\S)", re.IGNORECASE)

TITLE_MAX = 500
# A page's longest lines are abstracts (a few thousand characters): a longer line is not a
# page's, and is refused as soon as it is seen, before it is held whole.
MAX_LINE_CHARS = 2**20
# Markdown, code and prose lines are not titles: this keeps notes and docs from passing
# as pages.
UPVOTES_RE = re.compile(r"^(?:\d{1,7}|[-–])$")
_DIGITS_RE = re.compile(r"^\d{8,40}$")  # an upvote count too large to be one
_NOT_TITLE_START = ("#", "|", "```", "- ", "* ", "> ", "//", "/*", "<", "{", "[", "=")
_NOT_TITLE_END = (",", ";", ":", "{", "(", "[", "=", "\\")
ABSTRACT_MIN_WORDS = 12  # real abstracts run to 100-300 words
ABSTRACT_MIN_CHARS = 80
_WORD = re.compile(r"[^\W\d_]{2,}")


def _has_words(text: str) -> bool:
    """At least ABSTRACT_MIN_WORDS words of letters near the start: prose, not code."""
    found = 0
    for _ in _WORD.finditer(text, 0, 40 * ABSTRACT_MIN_WORDS):
        found += 1
        if found >= ABSTRACT_MIN_WORDS:
            return True
    return False


@dataclass
class ParsedPaper:
    title: str
    abstract: str = ""
    authors_count: int | None = None
    organization: str | None = None
    published: date | None = None
    upvotes: int | None = None  # the number before the title, when the layout shows it
    comments: int | None = None  # the number after the date (0 when the date has none)
    links: list[str] = field(default_factory=list)
    has_metadata: bool = False
    key: str = ""  # title_key(title), set once the paper is checked
    line: int = 0  # the title's line number (1-based)
    doubtful: str | None = None  # imported, but would not vouch for the file being a page


@dataclass
class ParsedPage:
    papers: list[ParsedPaper]
    problems: list[str]  # lines that could not be read as part of a paper


_ODD_SPACE = re.compile(r"[\u00a0\u202f\u2000-\u200b\u3000\ufeff\x0b\x0c\x1c-\x1f\x85]")


def clean_line(line: str) -> str:
    """Normalise one line: NBSP, BOM and other odd spaces become single spaces; trim."""
    line = line.strip()
    # Rare: only then pay for a full rewrite (str checks are far cheaper than a regex).
    if "  " in line or "\t" in line or (not line.isascii() and _ODD_SPACE.search(line)):
        line = " ".join(line.replace("\ufeff", "").replace("\u200b", "").split())
    return line


def resolve_date(month: int, day: int, year: int | None, as_of: date) -> date | None:
    """A date; without a year, the most recent such date not after ``as_of``."""
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            return None
    for y in range(as_of.year, as_of.year - 9, -1):  # Feb 29 may be up to 8 years back
        try:
            candidate = date(y, month, day)
        except ValueError:
            continue
        if candidate <= as_of:
            return candidate
    return None


def parse_date_line(line: str, as_of: date) -> tuple[date, int] | None:
    """``(date, comments)`` for a readable metadata date line, or None."""
    read = read_date_line(line, as_of)
    if read is None or read[0] is None or read[1] is None:
        return None
    return read[0], read[1]


DateLine = tuple[date | None, int | None, str | None]


def read_date_line(line: str, as_of: date) -> DateLine | None:
    """``(date, comments, problem)`` for a line shaped like a metadata date line (None
    if it is not one): a value that cannot be read is None and ``problem`` says why."""
    m = LOOSE_DATE_RE.match(line)
    if not m:
        return None
    problem = None
    up = m["up"]
    comments: int | None = 0
    if up:
        comments = int(up) if len(up) <= COUNT_DIGITS else None
        if comments is None:
            problem = f"comment count {up[:20]} is too large"
    month = MONTHS[m["mon"][:3].lower()]
    year, day = m["year"], m["day"]
    when = None
    if len(day) <= 2 and (year is None or len(year) == 4):
        when = resolve_date(month, int(day), int(year) if year else None, as_of)
    if when is None:
        problem = f"{line[:40]!r} is not a date" + (f" on or before {as_of}" if not year else "")
    return when, comments, problem


def read_authors(line: str) -> tuple[int | None, str | None] | None:
    """``(count, problem)`` for an author-count line ("• 9 authors"), else None."""
    m = LOOSE_AUTHORS_RE.match(line) if len(line) < 60 else None
    if not m:
        return None
    if len(m["n"]) > 5:
        return None, f"author count {m['n'][:20]} is too large"
    return int(m["n"]) or None, None


def organisation_name(line: str) -> str:
    """``"spiralworks Spiral Works"`` -> ``"Spiral Works"``: keep the display name."""
    handle, _, display = line.partition(" ")
    return display.strip() or handle


def extract_links(text: str) -> list[str]:
    links: list[str] = []
    if "http" not in text and "HTTP" not in text:
        return links
    for url in URL_RE.findall(text):
        url = url.rstrip(".,;:!?'\"")
        if url not in links:
            links.append(url)
    return links


def _is_banner(line: str) -> bool:
    return line.casefold() in _BANNERS or bool(_BY_AK.match(line))


def parse_page(text: str, as_of: date) -> ParsedPage:
    """Split a page's text into papers. Never raises on odd text; reports what it skipped."""
    problems: list[str] = []
    papers = list(iter_papers(text.splitlines(), as_of, problems))
    sound = sum(1 for p in papers if p.doubtful is None)
    if not is_page(len(papers), sound, len(problems)):
        problems += [f"line {p.line}: {p.title[:60]!r}: {p.doubtful}" for p in papers if p.doubtful]
        return ParsedPage([], problems)
    return ParsedPage(papers, problems)


def is_page(total: int, sound: int, problems: int) -> bool:
    """The text is a page if sound papers outnumber, by half, the blocks that are not."""
    return sound > 0 and problems + (total - sound) <= 2 * sound


def iter_papers(lines: Iterable[str], as_of: date, problems: list[str]) -> Iterator[ParsedPaper]:
    """Papers in page order, read in one pass with three lines of look-ahead, so that a
    100,000-paper page never sits in memory whole. Blocks that are not a usable paper are
    described in ``problems`` (``line N: …``). A paper whose title or abstract looks odd
    (short abstract, markup-like title) is still yielded, marked ``doubtful``: the caller
    decides from the sound papers whether the file is a page at all."""
    cleaned = ((n, c) for n, c in enumerate(map(clean_line, lines), start=1) if c)
    buf: deque[tuple[int, str]] = deque()

    def peek(k: int) -> str | None:
        while len(buf) <= k:
            nxt = next(cleaned, None)
            if nxt is None:
                return None
            buf.append(nxt)
        return buf[k][1]

    def dated(k: int) -> DateLine | None:
        sep = peek(k)
        if sep is not None and sep in SEPARATOR:
            nxt = peek(k + 1)
            if nxt is not None:
                return read_date_line(nxt, as_of)
        return None

    current: ParsedPaper | None = None
    seen_content = False
    upvotes: int | None = None  # shown before the next title
    counted = False  # an upvote line came before the next title (its value may be unknown)
    while (line := peek(0)) is not None:
        number = buf[0][0]
        # A metadata block: [authors | organisation] · date, or a shortened form of it.
        # Titles and abstracts are most lines; a long line is never metadata. A line of
        # metadata's shape whose value cannot be read is metadata all the same (its value
        # unknown, reported): taken for a title, it would shift every block after it.
        meta: Meta | None = None
        why: list[str | None] = []
        size = 1
        if len(line) <= 120:
            am = read_authors(line)
            when = dated(1)
            if when and (am or not _looks_like_prose(line)):
                authors = am[0] if am else None
                meta = (authors, None if am else organisation_name(line), when[0], when[1])
                why, size = [am[1] if am else None, when[2]], 3
            elif (when := dated(0)) is not None:
                meta, size, why = (None, None, when[0], when[1]), 2, [when[2]]
            elif am:  # an author count with no date after it
                meta, why = (am[0], None, None, None), [am[1]]
            elif line in LONE_SEPARATOR:  # a separator without a readable date after it
                meta, why = (None, None, None, None), ["a metadata separator without a date"]
            elif "·" in line:  # the whole block on one line: "• 9 authors · Dec 26, 2023 1"
                meta, why = _one_line_meta(line, as_of)
        for _ in range(size):
            buf.popleft()

        if meta is not None:
            for reason in why:
                if reason:
                    problems.append(f"line {number}: {reason}; left unknown")
            if current is None or current.has_metadata:
                if any(v is not None for v in meta):
                    problems.append(f"line {number}: metadata without a paper")
                continue
            current.authors_count, current.organization, current.published = meta[:3]
            current.comments = meta[3]
            current.has_metadata = True
            continue
        if UPVOTES_RE.match(line) or _DIGITS_RE.match(line):
            # The upvote count before a card's title ("-" = none yet).
            counted = True
            upvotes = 0 if not line[0].isdigit() else None if len(line) > 7 else int(line)
            if upvotes is None:
                problems.append(f"line {number}: upvote count {line[:20]} is too large")
            continue
        # Page furniture (banners, a lone page date) goes wherever it is.
        if _is_banner(line) or LOOSE_DATE_RE.match(line):
            continue
        if not seen_content and _SUBSCRIBE_GLUED.match(line):  # "SubscribeFirst title"
            line = line[len("subscribe") :].strip()
        seen_content = True
        if (
            current is not None
            and not current.abstract
            and not current.has_metadata
            and not counted
        ):
            current.abstract = line
            current.links = extract_links(line)
            continue
        if current is not None:
            yield from _checked(current, problems)
        current = ParsedPaper(title=line, line=number, upvotes=upvotes)
        upvotes, counted = None, False
    if current is not None:
        yield from _checked(current, problems)


Meta = tuple[int | None, str | None, date | None, int | None]


def _one_line_meta(line: str, as_of: date) -> tuple[Meta | None, list[str | None]]:
    who, _, when_text = (part.strip() for part in line.rpartition("·"))
    when = read_date_line(when_text, as_of)
    if when is None or not who or _looks_like_prose(who):
        return None, []
    am = read_authors(who)
    if am:
        return (am[0], None, when[0], when[1]), [am[1], when[2]]
    return (None, organisation_name(who.lstrip("•· ")), when[0], when[1]), [when[2]]


def _checked(paper: ParsedPaper, problems: list[str]) -> Iterator[ParsedPaper]:
    reason = _unusable(paper)
    if reason:
        problems.append(f"line {paper.line}: {paper.title[:60]!r}: {reason}")
        return
    paper.doubtful = _doubtful(paper)
    yield paper


def _looks_like_prose(line: str) -> bool:
    return len(line.split()) > 12 or line.endswith(".")


def _unusable(paper: ParsedPaper) -> str | None:
    """Why a block cannot be a paper at all (it has no title, or a title and no text)."""
    paper.key = title_key(paper.title)
    if not paper.key:
        return "title has no letters or digits"
    if len(paper.title) > TITLE_MAX:
        return "title line is too long to be a title"
    if not paper.abstract and not paper.has_metadata:
        # A title alone is a paper only where the page's metadata vouches for it.
        return "a title without an abstract or metadata"
    return None


def _doubtful(paper: ParsedPaper) -> str | None:
    """Why a paper would not vouch for its file being a page (it is imported all the same
    once the file is one): a title that looks like markup or a sentence, a short abstract."""
    if paper.title.startswith(_NOT_TITLE_START) or paper.title.endswith(_NOT_TITLE_END):
        return "title looks like markup or a sentence"
    if paper.abstract and (
        len(paper.abstract) < ABSTRACT_MIN_CHARS or not _has_words(paper.abstract)
    ):
        return "abstract too short"
    return None


# -- into the store -----------------------------------------------------------------------------


def no_papers(path: object) -> RefusedFile:
    return RefusedFile(
        path,
        "holds no recognisable paper (expected a saved Daily Papers page: "
        "a title line, then its abstract)",
    )


def import_lines(session: Session, path: object, lines: Iterable[str], as_of: date) -> FileResult:
    """Parse ``lines`` and merge their papers in batches, inside the caller's transaction.
    Raises :class:`RefusedFile` (the caller rolls back) if the text is not a page: the
    title heuristics decide that, from the papers that look sound; once it is a page,
    every paper with a title and text is imported."""
    problems: list[str] = []
    result = FileResult(path=str(path), status="imported", form="text")
    seen_new = NewIds()
    papers = iter_papers(bounded_lines(path, lines), as_of, problems)
    total = sound = 0
    while batch := list(islice(papers, BATCH)):
        total += len(batch)
        sound += sum(1 for p in batch if p.doubtful is None)
        by_key: dict[str, dict[str, Any]] = {}
        for p in batch:
            add_row(by_key, _row(p))
        merge(session, by_key, result, seen_new)
    if not is_page(total, sound, len(problems)):
        raise no_papers(path)
    result.skipped = problems
    return result


def line_too_long(path: object, number: int) -> RefusedFile:
    return RefusedFile(
        path,
        f"line {number} is over {MAX_LINE_CHARS // 2**20} MB long: not a saved page "
        "(a page's lines, abstracts included, are at most 1 MB)",
    )


def bounded_lines(path: object, lines: Iterable[str]) -> Iterator[str]:
    """``lines``, refusing the file at the first line over :data:`MAX_LINE_CHARS`."""
    for number, line in enumerate(lines, 1):
        if len(line) > MAX_LINE_CHARS:
            raise line_too_long(path, number)
        yield line


def _row(p: ParsedPaper) -> dict[str, Any]:
    return {
        "title": p.title,
        "abstract": p.abstract,
        "authors_count": p.authors_count,
        "organization": p.organization,
        "published": p.published,
        "upvotes": p.upvotes,
        "comments": p.comments,
        "url": None,
        "links": p.links,
    }
