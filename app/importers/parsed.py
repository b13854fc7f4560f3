"""What every reader returns: papers with the fields their form carried, and the problems.

Pure and DB-free. The checks here are the one place where a value read from a page becomes a
field: numbers are non-negative and below 2**31, dates fall in 1990..2100, text loses control
and bidi-override characters. An unreadable value becomes None and a problem line; nothing
here raises on bad input.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field, fields
from datetime import date

from app.links import arxiv_id

INT_LIMIT = 2**31  # every count is below this: the index keeps counts as signed 32-bit
ID_LIMIT = 2**63  # paper ids: SQLite's INTEGER
YEAR_MIN, YEAR_MAX = 1990, 2100

Problem = tuple[int, str]  # (1-based line number, 0 when unknown; one-line reason)


@dataclass(slots=True)
class PaperFields:
    """One paper as a form showed it; field names follow DESIGN.md's paper JSON.

    None (or an empty list) means the form did not show the field. ``authors_count`` is the
    count the form gave (``· 9 authors``), or listed names + N for ``+ N authors``, or the
    number of names listed; ``line`` is where the paper's block starts (0 when unknown)."""

    title: str
    abstract: str = ""
    arxiv_id: str | None = None
    authors: list[str] = field(default_factory=list)
    authors_count: int | None = None
    organization: str | None = None
    organization_id: str | None = None
    published: date | None = None
    listed_on: date | None = None
    upvotes: int | None = None
    comments: int | None = None
    submitted_by: str | None = None
    ai_summary: str | None = None
    ai_keywords: list[str] = field(default_factory=list)
    github: str | None = None
    github_stars: int | None = None
    project_page: str | None = None
    url: str | None = None
    links: list[str] = field(default_factory=list)
    paper_of_the_day: int | None = None  # "#3 Paper of the day": the rank that day
    line: int = 0


@dataclass(slots=True)
class ParsedForm:
    """A whole file read by one reader: its papers in page order and what was skipped."""

    papers: list[PaperFields]
    problems: list[Problem]
    form: str


# --- text ---------------------------------------------------------------------------------

# C0/C1 controls (tab and newline kept), bidi embeddings/overrides/isolates, BOM, zero-width
# space, LRM/RLM. Right-to-left *letters* stay; only the invisible steering goes.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff"
    "\ud800-\udfff]"  # lone surrogates (JSON "\\ud800"): not text, and no store takes them
)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def clean_text(value: object) -> str:
    """Text with invisible control characters removed and runs of spaces collapsed per line;
    paragraphs (newlines) kept. Non-strings give ""."""
    if not isinstance(value, str):
        return ""
    if value.isprintable():  # the common case: no controls, odd spaces or newlines at all
        return (" ".join(value.split()) if "  " in value else value).strip()
    if _INVISIBLE.search(value):
        value = _INVISIBLE.sub("", value)
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _SPACES.sub(" ", value).strip()


def one_line(value: object) -> str:
    """Text on one line: every whitespace run (newlines too) becomes one space."""
    text = clean_text(value)
    return " ".join(text.split()) if ("\n" in text or "  " in text) else text


def prose(value: object) -> str:
    """An abstract: hard line wraps joined, blank-line paragraph breaks kept."""
    if isinstance(value, str) and value.isascii():
        # The common case (arXiv's hard-wrapped ASCII): no controls, no runs of spaces.
        flat = value.replace("\n", " ")
        if flat.isprintable() and "  " not in flat:
            return flat.strip()
    if isinstance(value, str) and "\n\n" not in value and "\r" not in value:
        # Hard-wrapped single paragraph (arXiv's way): one split and join does it all.
        if _INVISIBLE.search(value):
            value = _INVISIBLE.sub("", value)
        return " ".join(value.split())
    text = clean_text(value)
    if "\n" not in text:
        return text
    paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paras if p)


def name(value: object) -> str:
    """A person's or organisation's name: one line, HTML entities decoded — twice if the page
    escaped it twice (``D&amp;#39;Mello`` -> ``D&#39;Mello`` -> ``D'Mello``)."""
    if isinstance(value, str) and "&" not in value and value.isprintable() and "  " not in value:
        return value.strip()  # the common case, kept cheap: lists run to hundreds of names
    text = one_line(value)
    for _ in range(2):
        if "&" not in text:
            break
        text = one_line(html.unescape(text))
    return text


# --- numbers and dates --------------------------------------------------------------------

# Digits bounded: int() of thousands of digits is slow, and refused past 4,300.
_COUNT = re.compile(r"^(\d{1,3}(?:,\d{3}){1,12}|\d{1,40})(?:\.(\d{1,9}))?\s*([kKmM])?$")


def count(value: object, what: str, line: int, problems: list[Problem]) -> int | None:
    """A count: an int, or text such as ``17``, ``1,234``, ``1.2k``; ``-`` is 0 (the page's
    way of showing none). Anything else, or out of range (:func:`bound`), is None and a
    problem."""
    if value is None:
        return None
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if text in {"-", "–", "—"}:
            return 0
        m = _COUNT.match(text)
        if m:
            whole = int(m[1].replace(",", ""))
            frac = m[2] or ""
            scale = {"": 1, "k": 1000, "m": 1_000_000}[(m[3] or "").lower()]
            if scale == 1 and frac:
                number = None
            else:
                number = whole * scale + (int(frac) * scale // 10 ** len(frac) if frac else 0)
    if number is None:
        problems.append((line, f"{what}: not a usable count ({_show(value)})"))
        return None
    return bound(number, what, line, problems)


def out_of_range(number: int, limit: int = INT_LIMIT, low: int = 0) -> str | None:
    """Why ``number`` cannot be stored, or None when it can: the one range check every
    import form's numbers pass (counts ``0 <= n < 2**31``; ids ``low=1, limit=ID_LIMIT``)."""
    if low <= number < limit:
        return None
    digits = len(str(abs(number)))
    shown = str(number) if digits <= 20 else f"a {digits}-digit {'negative ' * (number < 0)}number"
    return f"{shown} is out of range ({low}..{limit - 1})"


def bound(number: int, what: str, line: int, problems: list[Problem]) -> int | None:
    """``number`` if it is a storable count, else None (unknown) and a problem line: a value
    out of range is never clamped to a made-up count, and never reaches the store."""
    if 0 <= number < INT_LIMIT:  # the common case, without a call
        return number
    problems.append((line, f"{what}: {out_of_range(number)}; left unknown"))
    return None


def sane_date(year: int, month: int, day: int) -> date | None:
    if not YEAR_MIN <= year <= YEAR_MAX:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")  # a timestamp's first ten characters, exactly
_DAYS: dict[str, date] = {}


def iso_day(value: object, what: str, line: int, problems: list[Problem]) -> date | None:
    """The day of an ISO timestamp (``2024-07-31T17:54:27.000Z`` -> 2024-07-31)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        when = _DAYS.get(value[:10])  # days repeat: each is read once
        if when is not None:
            return when
    m = _ISO.match(value) if isinstance(value, str) else None
    when = sane_date(int(m[1]), int(m[2]), int(m[3])) if m else None
    if when is not None and isinstance(value, str) and _DAY.match(value):
        if len(_DAYS) > 100_000:
            _DAYS.clear()
        _DAYS[value[:10]] = when
    if when is None:
        problems.append((line, f"{what}: not a usable date ({_show(value)})"))
    return when


MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}
# "Oct 6", "Oct 6, 2024", "October 6 2024", "Sept. 6"
_SHOWN = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:\s*,?\s*(\d{4}))?$")


def shown_date(text: str, as_of: date) -> date | None:
    """A date as pages show it: ``Oct 6, 2024``, or ``Oct 6`` (this year: the latest such day
    not after ``as_of``), or ISO ``2024-10-06``. None if it is not one."""
    text = text.strip()
    m = _SHOWN.match(text)
    if not m:
        iso = _ISO.match(text)
        if iso and len(text) <= 30:
            return sane_date(int(iso[1]), int(iso[2]), int(iso[3]))
        return None
    month = MONTHS.get(m[1][:3].lower())
    if month is None or (len(m[1]) > 3 and not _is_month_name(m[1])):
        return None
    day = int(m[2])
    if m[3]:
        return sane_date(int(m[3]), month, day)
    for year in range(as_of.year, as_of.year - 9, -1):  # Feb 29 can be up to 8 years back
        when = sane_date(year, month, day)
        if when is not None and when <= as_of:
            return when
    return None


_MONTH_NAMES = (
    "january february march april may june july august september sept october november december"
).split()


def _is_month_name(word: str) -> bool:
    return word.lower() in _MONTH_NAMES


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --- identifiers and links ----------------------------------------------------------------

# arxiv.org/abs/<id>, arxiv.org/pdf/<id>, huggingface.co/papers/<id>, arxiv:<id>
_ID_IN_TEXT = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|huggingface\.co/papers/|(?<![\w/])/papers/|arxiv:\s?)"
    r"(\d{4}\.\d{4,5}(?:v\d+)?|[a-z][a-z\-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)",
    re.IGNORECASE,
)


def ids_in(text: str) -> list[str]:
    """arXiv ids named by links or ``arxiv:`` tags in ``text``, in order, once each."""
    found: list[str] = []
    for m in _ID_IN_TEXT.finditer(text):
        pid = arxiv_id(m[1])
        if pid and pid not in found:
            found.append(pid)
    return found


URL = re.compile(r"https?://[^\s<>\"'`)\]}]+", re.IGNORECASE)


def urls_in(text: str) -> list[str]:
    found: list[str] = []
    if "http" not in text and "HTTP" not in text:
        return found
    for url in URL.findall(text):
        url = url.rstrip(".,;:!?'\"")
        if url not in found:
            found.append(url)
    return found


def web_url(value: object) -> str | None:
    """An http(s) URL without spaces, else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text.lower().startswith(("http://", "https://")) or len(text) > 2000:
        return None
    if any(c.isspace() for c in text) or _INVISIBLE.search(text):
        return None
    return text


def github_repo(url: str) -> bool:
    """True for a repository URL on github.com (not github.com itself or a profile page)."""
    lower = url.lower()
    for prefix in ("https://github.com/", "http://github.com/", "https://www.github.com/"):
        if lower.startswith(prefix):
            parts = [p for p in url[len(prefix) :].split("/") if p]
            return len(parts) >= 2
    return False


def hub_url(pid: str | None) -> str | None:
    return f"https://huggingface.co/papers/{pid}" if pid else None


TITLE_MAX = 1000  # the store's title key holds this many characters
NAME_MAX = 300  # organisation and user names


def finish(paper: PaperFields, problems: list[Problem]) -> PaperFields | None:
    """Fill what follows from the rest (the Hub URL from the id, the count from the names,
    GitHub and project page among the links) and apply the store's limits: a paper whose
    title is too long is skipped; a name too long is dropped; each with a problem."""
    if len(paper.title) > TITLE_MAX:
        problems.append((paper.line, f"title longer than {TITLE_MAX} characters; skipped"))
        return None
    for key in ("organization", "organization_id", "submitted_by"):
        value = getattr(paper, key)
        if value is not None and len(value) > NAME_MAX:
            problems.append((paper.line, f"{key} longer than {NAME_MAX} characters; dropped"))
            setattr(paper, key, None)
    if paper.url is None:
        paper.url = hub_url(paper.arxiv_id)
    if paper.authors_count is None and paper.authors:
        paper.authors_count = len(paper.authors)
    for url in (paper.github, paper.project_page):
        if url and url not in paper.links:
            paper.links.append(url)
    return paper


def fill_in(paper: PaperFields, other: PaperFields) -> None:
    """Give ``paper`` what only ``other`` (the same paper, seen again on the page) has."""
    for f in fields(PaperFields):
        if f.name != "line" and getattr(paper, f.name) in (None, "", []):
            value = getattr(other, f.name)
            if value not in (None, "", []):
                setattr(paper, f.name, value)
