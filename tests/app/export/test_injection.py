"""Issue 16, items 19, 20 and 25's CSV part: hostile text never escapes its field in an
export. Each export is read by two independent parsers, which must both find exactly one
entry per paper; the Markdown export is rendered by a CommonMark parser and must hold no
raw HTML; formula prefixes hidden behind blanks or invisible characters are neutralised."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess

import bibtexparser
import pytest
import rispy
from markdown_it import MarkdownIt
from pybtex.database import parse_string as pybtex_parse

from app.export import ExportOptions, Selection, export
from app.library import Library
from tests.conftest import require

BIB_TITLES = [
    "Break }} out @misc{evil1, title={pwn}}",
    r"Backslash \} does not close \{ anything",
    "Closing } brace alone",
    "@comment{ and @string{x = {y}} and @preamble{z}",
    "Percent % starts a comment in some readers {",
]
BIB_NOTES = [
    "\n@misc{evil2, title={pwn2}}\n",
    "}\n}\n@article{evil3,\n title={x}\n}",
    "a note with \\ a lone backslash at the end \\",
    "ok",
    "\r\n@misc{evil4,}",
]
RIS_URLS = [
    "https://example.org/a\nER  - \n\nTY  - JOUR\nID  - evil\nTI  - injected",
    "https://example.org/b\r\nTY  - JOUR",
    "https://example.org/c d\tER  - ",
    "https://example.org/d\u2028ER  - \u2029TY  - BOOK",
    "https://example.org/e",
]
MD_NOTES = [
    "```js```\n<script>alert(1)</script>",
    "a \\` <img src=x onerror=alert(1)> `",
    "```\n~~~\n```\n<script>alert(2)</script>\n~~~",
    "~~~\n```\n~~~\n<iframe src=javascript:alert(3)></iframe>",
    "<div onclick=alert(4)>\nclick\n</div>",
    "`<b>` is code\n\nand <b onmouseover=alert(5)>this</b> is not",
    "    <script>indented code is code</script>\n\n<svg onload=alert(6)>",
    "<!-- comment --> and <?php x ?> and <![CDATA[x]]>",
]


def hostile_backup() -> dict:
    papers = []
    for i in range(5):
        papers.append(
            {
                "id": i + 1,
                "title": BIB_TITLES[i],
                "abstract": f"Abstract {i} }}}} {{{{ @misc{{{{evil{i}, }}}}",
                "authors": ["Evil } Author", "Name, With Comma", "Tom and Jerry"],
                "authors_count": 4,
                "organization": "Org } @misc{x,",
                "published": "2024-05-0" + str(i + 1),
                "url": RIS_URLS[i],
                "tags": ["t}ag", "@misc{tag,"],
                "note": BIB_NOTES[i] + "\n" + MD_NOTES[i],
                "added_at": "2025-11-01T10:00:00+00:00",
            }
        )
    for j, note in enumerate(MD_NOTES[5:], 6):
        papers.append(
            {
                "id": j,
                "title": f"Markdown attack {j}",
                "note": note,
                "added_at": "2025-11-01T10:00:00+00:00",
            }
        )
    return {"format": "paperdesk-export", "version": 2, "papers": papers, "tags": []}


@pytest.fixture
def hostile(tmp_path) -> Library:
    lib = Library.open(tmp_path / "hostile")
    result = lib.import_text(json.dumps(hostile_backup()), name="hostile.json")
    assert result.new == len(hostile_backup()["papers"])
    yield lib
    lib.close()


def written(lib, fmt, tmp_path) -> str:
    path = tmp_path / f"out.{fmt}"
    export(lib, Selection(), fmt, path, options=ExportOptions())
    return path.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("fmt", ["bibtex", "biblatex"])
def test_bibtex_one_entry_per_paper_in_two_parsers(hostile, tmp_path, fmt):
    text = written(hostile, fmt, tmp_path)
    keys = set(hostile.citation_keys(hostile.paper_ids()).values())
    parsed = bibtexparser.parse_string(text)
    assert not parsed.failed_blocks and not parsed.comments
    assert {e.key for e in parsed.entries} == keys and len(parsed.entries) == len(keys)
    data = pybtex_parse(text, "bibtex")
    assert set(data.entries) == keys
    for e in data.entries.values():  # the names stayed names: no "and" or comma split them
        assert len(e.persons.get("author", [])) in (0, 4)  # three and "others"


def test_bibtex_read_by_pandoc_too(hostile, tmp_path):
    require("pandoc", shutil.which("pandoc") is not None, "apt-get install -y pandoc")
    path = tmp_path / "refs.bib"
    export(hostile, Selection(), "bibtex", path)
    run = subprocess.run(
        ["pandoc", "-f", "bibtex", "-t", "csljson", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    keys = set(hostile.citation_keys(hostile.paper_ids()).values())
    assert {i["id"] for i in json.loads(run.stdout)} == keys


_RIS_LINE = re.compile(r"[A-Z][A-Z0-9]  - .*")


def test_ris_one_record_per_paper_in_two_readers(hostile, tmp_path):
    text = written(hostile, "ris", tmp_path)
    keys = set(hostile.citation_keys(hostile.paper_ids()).values())
    refs = rispy.loads(text)
    assert len(refs) == len(keys) and {r["id"] for r in refs} == keys
    assert all(r["type_of_reference"] == "UNPB" for r in refs)
    for r in refs:
        for url in r.get("urls", []):
            assert not re.search(r"\s", url)
    # The second reading, by the RIS rules themselves: every line a tag line, records
    # from TY to ER, one ID each.
    records, current = [], None
    for line in text.split("\n"):
        if not line:
            continue
        assert _RIS_LINE.fullmatch(line), repr(line)
        assert not any(ch in line for ch in "\r\u2028\u2029\x85\x0b\x0c")
        tag = line[:2]
        if tag == "TY":
            assert current is None
            current = []
        elif tag == "ER":
            records.append(current)
            current = None
        else:
            assert current is not None
            current.append(line)
    assert current is None and len(records) == len(keys)
    ids = [line[6:] for rec in records for line in rec if line.startswith("ID  - ")]
    assert sorted(ids) == sorted(keys)


def test_csl_json_one_item_per_paper(hostile, tmp_path):
    items = json.loads(written(hostile, "csl-json", tmp_path))
    assert len(items) == hostile.count()
    assert all(not re.search(r"\s", i.get("URL", "")) for i in items)


def _raw_html(tokens) -> list[str]:
    found = []
    for t in tokens:
        if t.type in ("html_block", "html_inline"):
            found.append(t.content)
        found += _raw_html(t.children or [])
    return found


def test_markdown_export_renders_without_raw_html(hostile, tmp_path):
    text = written(hostile, "md", tmp_path)
    md = MarkdownIt("commonmark")
    assert _raw_html(md.parse(text)) == []
    rendered = md.render(text)
    for tag in ("<script", "<img", "<iframe", "<div", "<svg", "<b ", "<!--", "<?php"):
        assert tag not in rendered, tag
    # The notes' own code stays code: shown literally, not escaped away.
    assert "<code>&lt;b&gt;</code>" in rendered


@pytest.mark.parametrize(
    "value",
    ["=1+1", " =1+1", "\u00a0=1+1", "\u200b=1+1", "\n=1+1", "\ufeff+1", "\uff1d1+1", " \uff20x"],
)
def test_csv_guard_sees_through_blanks_and_full_width(tmp_path, value):
    lib = Library.open(tmp_path / "csv")
    try:
        lib.import_text(
            json.dumps(
                {
                    "format": "paperdesk-export",
                    "version": 2,
                    "papers": [
                        {
                            "id": 1,
                            "title": "CSV attack",
                            "note": value,
                            "organization": value,
                            "added_at": "2025-11-01T10:00:00+00:00",
                        }
                    ],
                    "tags": [],
                }
            ),
            name="csv.json",
        )
        path = tmp_path / "out.csv"
        export(lib, Selection(), "csv", path)
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    finally:
        lib.close()
    assert rows[0]["note"] == "'" + value
    assert rows[0]["organization"].startswith("'")
