"""Every format read back by an independent reader and compared field by field."""

from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser

import bibtexparser
import pytest
import rispy
from markdown_it import MarkdownIt
from pybtex.database import parse_string as pybtex_parse
from pylatexenc.latex2text import LatexNodes2Text

from app.export import FORMATS, ExportOptions, Selection, export
from app.export.common import paper_link
from app.export.to_csv import COLUMNS, TAG_SEPARATOR
from tests.app.export.conftest import NASTY_TITLES


def one_line(text: str) -> str:
    return " ".join(text.split())


def written(lib, fmt, tmp_path, **options) -> str:
    path = tmp_path / f"out.{fmt}"
    result = export(lib, Selection(), fmt, path, options=ExportOptions(**options))
    assert result.count == lib.count()
    return path.read_text(encoding="utf-8-sig")


def records(lib):
    return {p.id: p for p in lib.papers(lib.paper_ids())}


# -- JSON -------------------------------------------------------------------------------------


def test_json_every_field(nasty, tmp_path):
    doc = json.loads(written(nasty, "json", tmp_path))
    assert doc["format"] == "paperdesk-export" and doc["count"] == len(NASTY_TITLES)
    want = records(nasty)
    assert len(doc["papers"]) == len(want)
    for got in doc["papers"]:
        p = want[got["id"]]
        expected = p.to_json()
        expected["added_at"] = p.added_at.isoformat() + "+00:00"
        assert got == expected
    assert {"name": "ml & vision", "color": "#ff8800"} in doc["tags"]


def test_json_of_nothing_is_valid(library, tmp_path):
    doc = json.loads(written(library, "json", tmp_path))
    assert doc["papers"] == [] and doc["tags"] == []


# -- CSV --------------------------------------------------------------------------------------


def unguard(cell: str) -> str:
    return cell[1:] if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@", "\t", "\r") else cell


def test_csv_every_field(nasty, tmp_path):
    path = tmp_path / "out.csv"
    export(nasty, Selection(), "csv", path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel needs the BOM for UTF-8
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == COLUMNS
    want = records(nasty)
    assert len(rows) - 1 == len(want)
    for raw in rows[1:]:
        row = dict(zip(COLUMNS, (unguard(c) for c in raw), strict=True))
        p = want[int(row["id"])]
        assert row["title"] == p.title
        assert row["note"] == p.note
        assert row["abstract"] == p.abstract
        assert row["tags"] == TAG_SEPARATOR.join(p.tags)
        assert (row["tags"].split(TAG_SEPARATOR) if row["tags"] else []) == p.tags
        assert row["published"] == (p.published.isoformat() if p.published else "")
        assert row["upvotes"] == ("" if p.upvotes is None else str(p.upvotes))
        assert row["authors_count"] == ("" if p.authors_count is None else str(p.authors_count))
        assert row["organization"] == (p.organization or "")
        assert row["url"] == (p.url or "")
        assert row["links"].split() == p.links
        assert row["starred"] == ("yes" if p.starred else "no")
        assert row["read"] == ("yes" if p.read else "no")


def test_csv_injection_guard(nasty, tmp_path):
    path = tmp_path / "out.csv"
    export(nasty, Selection(), "csv", path)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    for dangerous in ('=HYPERLINK("http://evil.example","click") formula title', "=1+1"):
        assert "'" + dangerous in cells
    assert "'+SUM(A1:A2)" in cells and "'\ttab first" in cells and "'-2+3 leading minus" in cells
    assert "'@mention and *stars* and _under_ and [brackets](x) and `ticks`" in cells


# -- BibTeX -----------------------------------------------------------------------------------


def delatex(value: str) -> str:
    # LaTeX's own \textbraceleft/right (which BibTeX does not count), as pylatexenc reads them.
    value = value.replace(r"\textbraceleft{}", r"\{").replace(r"\textbraceright{}", r"\}")
    text = LatexNodes2Text(keep_braced_groups=False).latex_to_text(value)
    # pylatexenc renders \textasciicircum as U+02C6 (modifier letter); TeX prints "^".
    return text.replace("\u02c6", "^")


def _bib_expected(p):
    return {
        "title": one_line(p.title),
        "keywords": ", ".join(p.tags),
        "annote": one_line(p.note),
        "year": str(p.published.year) if p.published else None,
        "url": p.url,
    }


def test_bibtex_read_by_bibtexparser(nasty, tmp_path):
    text = written(nasty, "bibtex", tmp_path)
    lib = bibtexparser.parse_string(text)
    assert not lib.failed_blocks
    want = records(nasty)
    by_key = {k: want[i] for i, k in nasty.citation_keys(list(want)).items()}
    assert len(lib.entries) == len(want)
    keys = [e.key for e in lib.entries]
    assert len(set(keys)) == len(keys)
    for e in lib.entries:
        assert e.entry_type == "misc"
        p = by_key[e.key]
        f = {k: v.value for k, v in e.fields_dict.items()}
        exp = _bib_expected(p)
        # Titles are doubly braced, so a style cannot lower-case "BERT".
        assert f["title"].startswith("{") and f["title"].endswith("}")
        assert delatex(f["title"]) == exp["title"]
        assert delatex(f.get("keywords", "")) == exp["keywords"]
        assert delatex(f.get("annote", "")) == exp["annote"]
        assert f.get("year") == exp["year"]
        assert f.get("url") == exp["url"]
        if p.published:
            assert f["month"] == p.published.strftime("%b").lower()
        assert delatex(f["abstract"]) == p.abstract


def test_bibtex_read_by_pybtex(nasty, tmp_path):
    text = written(nasty, "bibtex", tmp_path)
    data = pybtex_parse(text, "bibtex")
    want = records(nasty)
    by_key = {k: want[i] for i, k in nasty.citation_keys(list(want)).items()}
    assert len(data.entries) == len(want)
    for key, e in data.entries.items():
        p = by_key[key]
        exp = _bib_expected(p)
        assert e.type == "misc"
        # pybtex folds whitespace (a newline is a space to TeX too).
        assert one_line(delatex(e.fields["title"])) == exp["title"]
        assert one_line(delatex(e.fields.get("annote", ""))) == one_line(exp["annote"])
        assert one_line(delatex(e.fields.get("keywords", ""))) == exp["keywords"]
        assert e.fields.get("year") == exp["year"]
        if p.published:
            assert e.fields["month"] == p.published.strftime("%B")  # pybtex expands macros


def test_bibtex_keys_are_stable(nasty, tmp_path):
    first = written(nasty, "bibtex", tmp_path)
    nasty.add_tags([nasty.paper_ids()[0]], ["another"])
    second = written(nasty, "bibtex", tmp_path)
    assert re.findall(r"@misc\{([^,]+),", first) == re.findall(r"@misc\{([^,]+),", second)


# -- RIS --------------------------------------------------------------------------------------


def test_ris_read_by_rispy(nasty, tmp_path):
    text = written(nasty, "ris", tmp_path)
    assert not text.lstrip().startswith("1.")  # no counter lines: every record starts at TY
    refs = rispy.loads(text)
    want = records(nasty)
    by_key = {k: want[i] for i, k in nasty.citation_keys(list(want)).items()}
    assert len(refs) == len(want)
    for r in refs:
        p = by_key[r["id"]]
        assert r["type_of_reference"] == "UNPB"
        assert r["title"] == one_line(p.title)
        assert r["abstract"] == one_line(p.abstract)
        assert r.get("keywords", []) == p.tags
        # The extras first, then one N1 per (non-blank) line of the note, each one line.
        notes = [one_line(x) for x in p.note.splitlines() if x.strip()]
        got = [one_line(x) for x in r.get("notes", [])]
        assert not notes or got[-len(notes) :] == notes
        assert r.get("urls", []) == ([p.url] if p.url else [])
        if p.published:
            assert r["year"] == str(p.published.year)
            assert r["date"] == p.published.strftime("%Y/%m/%d")
        else:
            assert "year" not in r and "date" not in r


# -- Markdown ---------------------------------------------------------------------------------


class _Collect(HTMLParser):
    """Links (href, text), blockquote texts and start tags of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.tags: list[str] = []
        self.classes: dict[str, list[str]] = {}
        self._href: str | None = None
        self._text: list[str] = []
        self._cls: list[str | None] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        a = dict(attrs)
        if tag == "a":
            self._href, self._text = a.get("href"), []
        self._cls.append(a.get("class"))
        if a.get("class"):
            self.classes.setdefault(a["class"], []).append("")

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text)))
            self._href = None
        if self._cls:
            self._cls.pop()

    def handle_data(self, data):
        self.texts.append(data)
        if self._href is not None:
            self._text.append(data)
        cls = next((c for c in reversed(self._cls) if c), None)
        if cls:
            self.classes.setdefault(cls, [""])[-1] += data


@pytest.mark.parametrize("grouped", [False, True])
def test_markdown_titles_links_and_notes(nasty, tmp_path, grouped):
    text = written(nasty, "md", tmp_path, group_by_tag=grouped, title="My <list> & #1")
    html = MarkdownIt("commonmark").render(text)  # raw HTML allowed: escaping must hold
    seen = _Collect()
    seen.feed(html)
    assert "script" not in seen.tags
    want = records(nasty)
    links = {t: h for h, t in seen.links}
    for p in want.values():
        assert links[one_line(p.title)] == paper_link(p).replace(" ", "%20")
        for line in p.note.splitlines():  # the note is kept as written, quoted
            if "<" not in line:
                assert f"  > {line}".rstrip() in text.splitlines()
    # ...but raw HTML in a note is shown, not run.
    assert "<script>alert(1)</script>" in "".join(seen.texts)
    if grouped:
        assert "## ml \\& vision" in text and "## Untagged" in text
    assert text.startswith("# My \\<list\\> \\& \\#1\n")


# -- HTML -------------------------------------------------------------------------------------


def test_html_standalone_and_escaped(nasty, tmp_path):
    text = written(nasty, "html", tmp_path, title="<b>List</b>")
    assert text.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in text
    seen = _Collect()
    seen.feed(text)
    assert "script" not in seen.tags and "b" not in seen.tags
    want = records(nasty)
    links = {t: h for h, t in seen.links}
    for p in want.values():
        assert links[p.title] == paper_link(p)
    notes = seen.classes["note"]
    assert sorted(notes) == sorted(p.note for p in want.values() if p.note)
    tags = seen.classes["tag"]
    assert sorted(tags) == sorted(t for p in want.values() for t in p.tags)


def test_html_refuses_script_urls(library, tmp_path):
    doc = {
        "format": "paperdesk-export",
        "version": 1,
        "papers": [{"title": "Evil link", "url": "javascript:alert(1)"}],
    }
    library.import_text(json.dumps(doc), name="evil.json")
    text = written(library, "html", tmp_path)
    assert "javascript:" not in text
    assert "javascript:" not in written(library, "md", tmp_path)


def test_every_format_registered():
    assert set(FORMATS) == {"md", "csv", "json", "bibtex", "biblatex", "csl-json", "ris", "html"}


def test_export_reader_matches_the_facade(nasty, seeded):
    """The exporters' bulk reader must hand out exactly what ``Library.papers`` does."""
    from app.export.selection import iter_papers

    for lib in (nasty, seeded):
        ids = lib.paper_ids(sort="title") + [999_999]  # an unknown id is left out
        assert list(iter_papers(lib, ids, chunk=7)) == lib.papers(ids)
