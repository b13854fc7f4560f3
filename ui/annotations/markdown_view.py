"""Safe HTML for a note's Markdown preview: markdown-it-py renders, nh3 sanitises."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

# No <img> at all: a note must never make the app fetch a remote image (tracking pixels),
# and local files have no business in a preview either. Scripts, styles, iframes, forms
# and event attributes are not in nh3's allow-list to begin with.
_TAGS = set(nh3.ALLOWED_TAGS) - {"img"}
_SCHEMES = {"http", "https", "mailto"}

_md = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable(["table", "strikethrough"])


def render_note(text: str) -> str:
    """The note as sanitised HTML (an empty note renders as an empty string)."""
    return nh3.clean(_md.render(text), tags=_TAGS, url_schemes=_SCHEMES, link_rel="noopener")
