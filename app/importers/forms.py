"""Which saved form a file is, from its first characters, and the reader for it.

``sniff(head)`` gives ``(form, refusal)``: the form's name when the file is one of these
forms; otherwise, for a near-miss (HTML, JSON or Markdown that is not Hugging Face papers
content), a one-line reason to refuse it; ``(None, None)`` when the file is none of this
module's business (plain text, which the list-page reader tries, or a Paperdesk backup).
Give it the first :data:`HEAD_CHARS` characters (more is fine).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from app.importers import html_page, hub_json, markdown_page, paper_page
from app.importers.parsed import ParsedForm

HEAD_CHARS = 65536

READERS: dict[str, Callable[[str, date], ParsedForm]] = {
    paper_page.FORM: paper_page.read,
    markdown_page.FORM: markdown_page.read,
    html_page.FORM: html_page.read,
    hub_json.FORM: hub_json.read,
}

NOT_HF_HTML = "an HTML page, but not a Hugging Face papers page"
NOT_HF_JSON = "JSON, but not Hugging Face papers data"
NOT_HF_MARKDOWN = "Markdown, but not a Hugging Face papers page"

_LINK_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]*\[", re.MULTILINE)
_MD_LINK = re.compile(r"\]\((?:https?://|/)[^)\s]*\)|^ {0,3}\[[^\]\n]{1,40}\]:\s*\S", re.MULTILINE)
_PUBLISHED = re.compile(r"^\s*published on\s+\w", re.IGNORECASE | re.MULTILINE)
_AUTHORS = re.compile(r"^\s*authors:", re.IGNORECASE | re.MULTILINE)
_OF_THE_DAY = re.compile(r"^\s*#\s*\d+\s+paper of the day", re.IGNORECASE | re.MULTILINE)
_OTHER = re.compile(r"^\s*(?:abstract|submitted by|upvote)\b", re.IGNORECASE | re.MULTILINE)
_JSON_PAPER = re.compile(r'"(?:paper|dailyPapers)"\s*:\s*[\[{]')
_JSON_KEYS = re.compile(r'"(?:authors|upvotes|publishedAt|summary|numComments)"\s*:')


def sniff(head: str) -> tuple[str | None, str | None]:
    """``(form, None)``, ``(None, refusal)`` or ``(None, None)``; see the module doc."""
    text = head.lstrip("\ufeff \t\r\n")
    low = text[:HEAD_CHARS].casefold()
    if text[:1] in ("[", "{"):
        if "paperdesk-export" in low[:4000]:
            return None, None  # the Paperdesk backup: its own reader
        if _JSON_PAPER.search(text) or ('"title"' in text and _JSON_KEYS.search(text)):
            return hub_json.FORM, None
        if text[:1] == "[" and text[1:].lstrip(" \t\r\n")[:1] in ("]", ""):
            return hub_json.FORM, None  # an empty list of papers
        return None, NOT_HF_JSON
    if _is_html(low):
        hf = "huggingface" in low or "hugging face" in low
        if "dailypapers" in low or (hf and "/papers" in low):
            return html_page.FORM, None
        return None, NOT_HF_HTML
    paper_markers = _paper_page(text)
    if _LINK_HEADING.search(text) or _MD_LINK.search(text):
        hf = "huggingface.co" in low or "daily papers" in low or "/papers/" in low
        if (_LINK_HEADING.search(text) and hf) or paper_markers:
            return markdown_page.FORM, None
        if low.startswith("# ") or _LINK_HEADING.search(text) or "```" in low:
            return None, NOT_HF_MARKDOWN
    if paper_markers:
        return paper_page.FORM, None
    return None, None


def sniff_form(head: str) -> str | None:
    """The form's name (one of :data:`READERS`), or None."""
    return sniff(head)[0]


def refusal(head: str) -> str | None:
    """The one-line reason to refuse a near-miss, or None."""
    return sniff(head)[1]


def read_form(text: str, as_of: date) -> ParsedForm | None:
    """Sniff ``text`` and read it with its form's reader; None when it is not one of them."""
    form = sniff_form(text[:HEAD_CHARS])
    return READERS[form](text, as_of) if form else None


def _is_html(low: str) -> bool:
    start = low[:200]
    if start.startswith(("<!doctype html", "<html", "<?xml", "<!--", "<head", "<meta")):
        return "<html" in low[:5000] or "<head" in low[:5000] or "<body" in low[:5000]
    return start.startswith("<") and ("<body" in low or "<div" in low or "<article" in low)


def _paper_page(text: str) -> bool:
    strong = bool(_PUBLISHED.search(text) or _AUTHORS.search(text) or _OF_THE_DAY.search(text))
    return strong and bool(_OTHER.search(text) or _PUBLISHED.search(text))
