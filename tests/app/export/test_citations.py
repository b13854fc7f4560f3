"""Citation-grade exports read by the tools people use (issue 12): pandoc --citeproc,
biber --tool, citeproc-py, bibtexparser + pybtex, rispy; stable citation keys."""

from __future__ import annotations

import json
import shutil
import subprocess

import bibtexparser
import pytest
import rispy
from pybtex.database import parse_string as pybtex_parse

from app.cli import main
from app.export import ExportOptions, Selection, export
from app.export.cite import STYLES, formatted
from app.export.names import split
from app.library import Library
from tests.conftest import require

AUTHORS = [
    (["Minyang Tian", "Luyu Gao", "Shizhuo Dylan Zhang"], 12, "2407.13168", "SciCode: A Research"),
    (["Ludwig van Beethoven", "Martin Luther King Jr."], 2, "2501.00001", "The Ninth Symphony"),
    (["Madonna", "张伟"], 2, "2501.00002", "Like a Prayer for Models"),
    (["Rémi Munos", "Yann LeCun"], 2, None, "On the Energy of Models"),
    (["Minyang Tian"], 1, "2501.00003", "SciCode Revisited"),
]


def backup(papers) -> dict:
    return {"format": "paperdesk-export", "version": 2, "papers": papers, "tags": []}


def paper(n, authors, count, arxiv, title, **extra):
    return {
        "id": n,
        "title": title + (f" {n}" if n > 5 else ""),
        "abstract": f"Abstract {n}.",
        "authors": authors,
        "authors_count": count,
        "arxiv_id": arxiv,
        "organization": "Spiral Works" if n % 2 else None,
        "published": f"2024-0{1 + n % 9}-1{n % 9}",
        "upvotes": 10 * n,
        "comments": n,
        "url": None if arxiv else "https://example.org/paper",
        "tags": ["cite"],
        "added_at": "2025-11-01T10:00:00+00:00",
        **extra,
    }


@pytest.fixture
def cited(tmp_path) -> Library:
    lib = Library.open(tmp_path / "cited")
    papers = [paper(i + 1, *a) for i, a in enumerate(AUTHORS)]
    result = lib.import_text(json.dumps(backup(papers)), name="cited.json")
    assert result.new == len(AUTHORS)
    yield lib
    lib.close()


def written(lib, fmt, tmp_path) -> str:
    path = tmp_path / f"refs.{fmt}"
    export(lib, Selection(), fmt, path, options=ExportOptions())
    return path.read_text(encoding="utf-8")


def by_title(lib):
    return {p.title: p for p in lib.papers(lib.paper_ids())}


# -- names and keys ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, family, given",
    [
        ("Minyang Tian", "Tian", "Minyang"),
        ("Ludwig van Beethoven", "van Beethoven", "Ludwig"),
        ("Martin Luther King Jr.", "King", "Martin Luther"),
        ("J. R. R. Tolkien", "Tolkien", "J. R. R."),
        ("Madonna", None, ""),
        ("张伟", None, ""),
    ],
)
def test_names_split_by_nameparser(name, family, given):
    n = split(name)
    assert n.family == family and n.given == given
    if family is None:
        assert n.literal == name


def test_keys_are_readable_unique_and_stable(cited, tmp_path):
    keys = cited.citation_keys(cited.paper_ids(sort="added", descending=False))
    titles = {p.id: p.title for p in cited.papers(list(keys))}
    key_of = {titles[i]: k for i, k in keys.items()}
    assert key_of["SciCode: A Research"] == "tian2024scicode"
    assert key_of["SciCode Revisited"].startswith("tian2024scicode")
    assert key_of["SciCode Revisited"] != "tian2024scicode"  # a/b/c suffix
    assert key_of["The Ninth Symphony"] == "vanbeethoven2024ninth"
    assert key_of["Like a Prayer for Models"] == "madonna2024like"
    # Metadata changes never change a key.
    pid = next(i for i, t in titles.items() if t == "SciCode: A Research")
    cited.edit_paper(pid, {"title": "Completely Different", "authors": ["Zed Zulu"]})
    assert cited.citation_keys([pid])[pid] == "tian2024scicode"
    text = written(cited, "bibtex", tmp_path)
    assert "@misc{tian2024scicode," in text


def test_key_set_validates_and_is_unique(cited, capsys):
    ids = cited.paper_ids()
    folder = str(cited.path)
    assert main(["--library", folder, "key", "set", str(ids[0]), "mine2024"]) == 0
    assert cited.citation_keys([ids[0]])[ids[0]] == "mine2024"
    capsys.readouterr()
    assert main(["--library", folder, "key", "set", str(ids[1]), "MINE2024"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "already" in err
    for bad in ("has space", "a{b}", "", "1abc", "x" * 200):
        assert main(["--library", folder, "key", "set", str(ids[1]), bad]) == 2
        assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert main(["--library", folder, "key", "set", "999999", "ok"]) == 2
    # An edit row in the feed: a window sees the change.
    assert cited.changes_since(0)[-1][2] == "edit"


def test_keys_survive_a_backup_round_trip(cited, tmp_path):
    keys = cited.citation_keys(cited.paper_ids())
    cited.set_citation_key(cited.paper_ids()[0], "custom2024")
    path = tmp_path / "b.json"
    export(cited, Selection(), "json", path)
    restored = Library.open(tmp_path / "restored")
    try:
        restored.import_files([path])
        got = {p.title: p.citation_key for p in restored.papers(restored.paper_ids())}
        want = {p.title: p.citation_key for p in cited.papers(cited.paper_ids())}
        assert got == want and "custom2024" in got.values() and len(keys) == len(got)
    finally:
        restored.close()


# -- the formats, read by real tools ----------------------------------------------------------


def test_bibtex_fields_read_by_bibtexparser_and_pybtex(cited, tmp_path):
    text = written(cited, "bibtex", tmp_path)
    lib = bibtexparser.parse_string(text)
    assert not lib.failed_blocks and len(lib.entries) == len(AUTHORS)
    e = {x.key: x for x in lib.entries}["tian2024scicode"]
    f = {k: v.value for k, v in e.fields_dict.items()}
    assert e.entry_type == "misc"
    assert f["author"] == "Tian, Minyang and Gao, Luyu and Zhang, Shizhuo Dylan and others"
    assert f["eprint"] == "2407.13168" and f["archivePrefix"] == "arXiv"
    assert f["url"] == "https://arxiv.org/abs/2407.13168"
    assert f["doi"] == "10.48550/arXiv.2407.13168"
    assert "10 upvotes" in f["note"] and "Spiral Works" in f["note"] and "1 comment" in f["note"]
    data = pybtex_parse(text, "bibtex")
    assert len(data.entries) == len(AUTHORS)
    persons = data.entries["vanbeethoven2024ninth"].persons["author"]
    assert [str(p) for p in persons] == ["van Beethoven, Ludwig", "King, Jr., Martin Luther"]
    lit = data.entries["madonna2024like"].persons["author"]
    assert [str(p) for p in lit] == ["{Madonna}", "{张伟}"]


def test_ris_fields_as_zotero_reads_them(cited, tmp_path):
    refs = rispy.loads(written(cited, "ris", tmp_path))
    assert len(refs) == len(AUTHORS)
    r = {x["id"]: x for x in refs}["tian2024scicode"]
    assert r["type_of_reference"] == "UNPB"
    assert r["authors"] == ["Tian, Minyang", "Gao, Luyu", "Zhang, Shizhuo Dylan"]
    assert r["name_of_database"] == "arXiv" and r["accession_number"] == "arXiv:2407.13168"
    assert r["doi"] == "10.48550/arXiv.2407.13168"
    assert r["urls"] == ["https://arxiv.org/abs/2407.13168"]
    assert "10 upvotes" in r["notes"][0]


def test_csl_json_fields(cited, tmp_path):
    items = {i["id"]: i for i in json.loads(written(cited, "csl-json", tmp_path))}
    i = items["tian2024scicode"]
    assert i["type"] == "article" and i["number"] == "arXiv:2407.13168"
    assert i["publisher"] == "arXiv" and i["DOI"] == "10.48550/arXiv.2407.13168"
    assert i["URL"] == "https://arxiv.org/abs/2407.13168"
    assert i["issued"] == {"date-parts": [[2024, 2, 11]]}
    assert i["author"][0] == {"family": "Tian", "given": "Minyang"}
    assert items["madonna2024like"]["author"] == [{"literal": "Madonna"}, {"literal": "张伟"}]
    assert "Spiral Works" in i["note"]


def _pandoc_bibliography(tmp_path, bib) -> str:
    require("pandoc", shutil.which("pandoc") is not None, "apt-get install -y pandoc")
    doc = tmp_path / "doc.md"
    doc.write_text('---\nnocite: "@*"\n---\n', encoding="utf-8")
    run = subprocess.run(
        [
            "pandoc",
            str(doc),
            "--citeproc",
            "--bibliography",
            str(bib),
            "-t",
            "plain",
            "--wrap=none",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "[WARNING]" not in run.stderr, run.stderr
    return run.stdout


@pytest.mark.parametrize("fmt, suffix", [("csl-json", ".json"), ("bibtex", ".bib")])
def test_pandoc_citeproc_renders_every_paper(cited, tmp_path, fmt, suffix):
    bib = tmp_path / f"refs{suffix}"
    export(cited, Selection(), fmt, bib)
    text = _pandoc_bibliography(tmp_path, bib)
    entries = [e for e in text.split("\n\n") if e.strip()]
    assert len(entries) == len(AUTHORS)
    for p in cited.papers(cited.paper_ids()):
        entry = next(e for e in entries if p.title.split(":")[0] in e)
        family = (split(p.authors[0]).family or p.authors[0]).split()[-1]
        assert family in entry and str(p.published.year) in entry


def test_biber_reads_the_biblatex_without_warnings(cited, tmp_path):
    require("biber", shutil.which("biber") is not None, "apt-get install -y biber")
    bib = tmp_path / "refs.bib"
    export(cited, Selection(), "biblatex", bib)
    run = subprocess.run(
        ["biber", "--tool", "--validate-datamodel", "refs.bib"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    out = run.stdout + run.stderr
    assert run.returncode == 0, out
    assert "WARN" not in out and "ERROR" not in out, out
    text = bib.read_text(encoding="utf-8")
    assert "@online{tian2024scicode," in text and "eprinttype = {arxiv}" in text
    assert "@online{munos2024energy," in text  # no arXiv id, but a web address


@pytest.mark.parametrize("style", sorted(STYLES))
def test_citeproc_py_renders_every_style(cited, style):
    ids = cited.paper_ids()
    cited.citation_keys(ids)
    papers = cited.papers(ids)
    for p, text in zip(papers, formatted(papers, style, "text"), strict=True):
        assert p.title.split(":")[0].lower() in text.lower()
        assert str(p.published.year) in text


def test_cite_command_formats(cited, capsys):
    pid = next(p.id for p in cited.papers(cited.paper_ids()) if p.title == "SciCode: A Research")
    folder = str(cited.path)
    assert main(["--library", folder, "cite", str(pid), "--style", "apa"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Tian, M., Gao, L.") and "(2024)" in out and "arXiv" in out
    assert main(["--library", folder, "cite", str(pid), "--format", "html"]) == 0
    assert "<i>SciCode: A Research</i>" in capsys.readouterr().out
    assert main(["--library", folder, "cite", str(pid), "--format", "md"]) == 0
    assert "*SciCode: A Research*" in capsys.readouterr().out
    assert main(["--library", folder, "cite", str(pid), "--style", "nope"]) == 2
    assert main(["--library", folder, "cite", "999999"]) == 2


def test_citation_reader_gives_the_same_citations_as_full_records(cited):
    """The citation formats read only the columns a citation uses (app.export.reader): every
    paper's citation is the one its full record gives."""
    from app.export.citation import citation
    from app.export.reader import cited_records

    ids = cited.paper_ids()
    cited.make_citation_keys(ids)
    lean = [citation(p) for p in cited_records(cited.store, ids, 2)]
    full = [citation(p) for p in cited.papers(ids)]
    assert lean == full and len(full) == len(ids) > 1
