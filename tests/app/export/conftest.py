"""A library of papers whose titles, notes and tags hold every character that a format
could mangle: TeX and Markdown specials, HTML, formula triggers, newlines, emoji, scripts."""

from __future__ import annotations

import json

import pytest

from app.library import Library

NASTY_TITLES = [
    "Quotes \"double\" and 'single', {braces} and \\backslash",
    "100% of $x_1$ & #hash ~tilde ^caret <script>alert(1)</script>",
    "Emoji 😀🚀, 日本語の論文, Ελληνικά, العربية and हिन्दी",
    '=HYPERLINK("http://evil.example","click") formula title',
    "-2+3 leading minus",
    "@mention and *stars* and _under_ and [brackets](x) and `ticks`",
    "Plain Capitals: BERT, GPT-4 and LoRA",
    "A title\nwith a newline",
]
NASTY_NOTES = [
    'He said "hi" {braces} \\back % & $ # _ ~ ^ <script>alert(1)</script>\nsecond line\n\n'
    "after a blank line 😀 日本語",
    "=1+1",
    "+SUM(A1:A2)",
    "-- a dash line\n@at line",
    "\ttab first",
    "",
    "# A heading in a note\n- a list item\n> a quote\nER  - not the end",
    "plain",
]
NASTY_TAGS = [["ml & vision", "C++ #1"], ["日本語"], ["under_score ~^"], [], ["ml & vision"]]


def nasty_export() -> dict:
    """A Paperdesk export document holding the nasty papers (restored through import)."""
    papers = []
    for i, title in enumerate(NASTY_TITLES):
        papers.append(
            {
                "id": 100 + i,
                "title": title,
                "abstract": f"Abstract {i} with % & $ and a link https://example.org/{i}_x.",
                "authors_count": i + 1 if i % 3 else None,
                "organization": "Org & <Co> {x}" if i % 2 else None,
                "published": f"2025-{1 + i:02d}-{10 + i:02d}" if i != 4 else None,
                "upvotes": 7 * i,
                "url": f"https://arxiv.org/abs/2501.{1000 + i}" if i % 2 == 0 else None,
                "links": [f"https://github.com/x/y{i}"] if i % 3 == 0 else [],
                "tags": NASTY_TAGS[i % len(NASTY_TAGS)],
                "note": NASTY_NOTES[i],
                "starred": i % 2 == 0,
                "read": i % 3 == 0,
                "added_at": f"2025-11-0{1 + i % 5}T10:20:30.123456+00:00",
            }
        )
    return {
        "format": "paperdesk-export",
        "version": 1,
        "papers": papers,
        "tags": [{"name": "ml & vision", "color": "#ff8800"}, {"name": "日本語", "color": None}],
    }


@pytest.fixture
def nasty(tmp_path) -> Library:
    lib = Library.open(tmp_path / "nasty")
    result = lib.import_text(json.dumps(nasty_export()), name="nasty.json")
    assert result.new == len(NASTY_TITLES)
    yield lib
    lib.close()
