"""Which addresses may be opened, and where a paper's title leads: the one rule for the
reader, the window and every export format.

Only ``http``/``https`` addresses with a host are ever made clickable (never ``file:``,
``javascript:``, ``data:``...). A paper links to its own address, else its first web link,
else a web search for its title.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from app.records import PaperRecord

WEB_SEARCH = "https://duckduckgo.com/?q="

# The query's own delimiters percent-encoded, spaces as "+": an IRI (non-ASCII stays
# readable; browsers encode it). str.translate is ~10x faster than urllib's quote.
_QUERY_ESCAPES = str.maketrans(
    {ch: f"%{ord(ch):02X}" for ch in "%&#+=?/;:@$,<>\"'`{}|\\^[]()!*~"} | {" ": "+"}
)


def is_web_link(url: str | None) -> bool:
    """True for an ``http(s)`` address with a host: the only links ever clickable."""
    if not url:
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def safe_url(url: str | None) -> str | None:
    """``url`` (trimmed) if it is a web address a reader may open, else None."""
    return url.strip() if url and is_web_link(url) else None


def title_search(title: str) -> str:
    """A web search for ``title``: the fallback link of a paper with no web address."""
    return WEB_SEARCH + " ".join(title.split()).translate(_QUERY_ESCAPES)


def paper_link(p: PaperRecord) -> str:
    """Where a paper's title leads: its own address, its first web link, else a search."""
    for url in (p.url, *p.links):
        own = safe_url(url)
        if own:
            return own
    return title_search(p.title)


# -- arXiv identifiers ----------------------------------------------------------------------
# The one rule for what an arXiv id looks like (importers, the details editor, the reader).

_NEW_ID = re.compile(r"(\d{4}\.\d{4,5})(?:v\d+)?")
_OLD_ID = re.compile(r"([a-z][a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?")


def arxiv_id(value: object) -> str | None:
    """A bare arXiv id (``2510.04618``, ``hep-th/9901001``), version dropped; else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    m = _NEW_ID.fullmatch(text) or _OLD_ID.fullmatch(text)
    if not m:
        return None
    if m.re is _NEW_ID and not 1 <= int(text[2:4]) <= 12:
        return None
    return m[1]


def arxiv_links(value: str | None) -> list[tuple[str, str]]:
    """``(label, url)`` for a paper's arXiv abstract, PDF and Hugging Face page; none for a
    value that is not an arXiv id (nothing odd reaches a URL)."""
    aid = arxiv_id(value)
    if aid is None:
        return []
    return [
        ("arXiv abstract", f"https://arxiv.org/abs/{aid}"),
        ("PDF", f"https://arxiv.org/pdf/{aid}"),
        ("Hugging Face", f"https://huggingface.co/papers/{aid}"),
    ]
