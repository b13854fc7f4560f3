"""Issue 16 item 1 and issue 11 item 4 through the real CLI: every number from every form is
range-checked (left unknown, said so in one line naming the file and the paper), search
keeps working afterwards, and every skipped block is listed — plain and ``--json`` — with
its line and reason."""

from __future__ import annotations

import html
import json

import pytest

from app.cli import main
from app.library import Library
from app.records import BACKUP_FORMAT_ID, Skipped

BIG = 2147483648


@pytest.fixture
def cli(tmp_path, capsys):
    lib = str(tmp_path / "lib")

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--library", lib, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _item(pid: str, title: str, **paper) -> dict:
    return {
        "paper": {
            "id": pid,
            "title": title,
            "summary": f"The abstract of {title}, long enough to be one.",
            "authors": [{"name": "Ann Lee"}],
            "publishedAt": "2026-03-01T00:00:00.000Z",
            "upvotes": 5,
            **paper,
        },
        "numComments": 2,
    }


def _hub_json(tmp_path):
    items = [
        _item("2603.09001", "Huge Upvotes", upvotes=BIG),
        _item("2603.09002", "Huge Stars", githubStars=10**30),
        _item("2603.09003", "Negative Upvotes", upvotes=-7),
        _item("2603.09004", "A Sound Paper"),
    ]
    items[1]["numComments"] = 10**30
    path = tmp_path / "daily.json"
    path.write_text(json.dumps(items, indent=1), encoding="utf-8")
    return path


def _html(tmp_path):
    props = {"dailyPapers": [_item("2603.09101", "Html Huge", upvotes=BIG)]}
    attr = html.escape(json.dumps(props), quote=True)
    path = tmp_path / "daily.html"
    path.write_text(
        "<!DOCTYPE html><html><head><title>Daily Papers - Hugging Face</title></head><body>"
        f'<div data-target="DailyPapers" data-props="{attr}"></div></body></html>',
        encoding="utf-8",
    )
    return path


def _markdown(tmp_path):
    path = tmp_path / "daily.md"
    path.write_text(
        "# Daily Papers\n\n"
        "[ 2147483648 ](https://huggingface.co/login?next=%2Fpapers%2F2603.09201)\n\n"
        "### [Markdown Huge](https://huggingface.co/papers/2603.09201)\n\n"
        "[ An abstract that is long enough for a card. ](https://huggingface.co/papers/2603.09201)\n\n"
        "[ * 3 authors ](https://huggingface.co/papers/2603.09201)\n\n·\n\n"
        "Mar 12 [ 99999999999](https://huggingface.co/papers/2603.09201#community)\n",
        encoding="utf-8",
    )
    return path


def _paper_page(tmp_path):
    path = tmp_path / "paper.txt"
    path.write_text(
        "arxiv:2603.09301\n\nPaper Page Huge\n\nPublished on Mar 3, 2026\n"
        "Upvote 2147483648\nAuthors: Ann Lee , Bo Park\nAbstract\n"
        "A paper page abstract whose upvote count cannot be a count.\n",
        encoding="utf-8",
    )
    return path


def test_every_page_form_leaves_huge_counts_unknown_and_search_still_works(cli, tmp_path):
    files = [_hub_json(tmp_path), _html(tmp_path), _markdown(tmp_path), _paper_page(tmp_path)]
    code, out, err = cli("import", *map(str, files))
    assert code == 0, err
    assert "Traceback" not in out + err
    lines = [x for x in out.splitlines() if x.startswith("skipped: ")]
    hub = str(files[0])
    assert any(
        x.startswith(f"skipped: {hub}: line ")
        and "'Huge Upvotes'" in x
        and "upvotes: 2147483648 is out of range" in x
        for x in lines
    ), lines
    assert any("'Huge Stars'" in x and "GitHub stars" in x for x in lines)
    assert any("'Huge Stars'" in x and "comments" in x for x in lines)
    assert any("'Negative Upvotes'" in x and "-7 is out of range" in x for x in lines)
    assert any(x.startswith(f"skipped: {files[1]}: ") and "'Html Huge'" in x for x in lines)
    assert any(x.startswith(f"skipped: {files[2]}: line ") and "Markdown Huge" in x for x in lines)
    assert any(x.startswith(f"skipped: {files[3]}: line ") and "upvotes" in x for x in lines)

    code, out, _ = cli("list", "--json")
    by_title = {p["title"]: p for p in json.loads(out)}
    assert len(by_title) == 7  # no paper lost for a bad number
    assert by_title["Huge Upvotes"]["upvotes"] is None
    assert by_title["Huge Stars"]["comments"] is None
    assert by_title["A Sound Paper"]["upvotes"] == 5
    for p in by_title.values():
        for key in ("upvotes", "comments", "authors_count"):
            assert p[key] is None or 0 <= p[key] < BIG
    # The index takes every stored paper: search, reindex and check keep working.
    code, out, err = cli("search", "abstract", "--json")
    assert code == 0 and len(json.loads(out)["hits"]) == 7, err
    assert cli("reindex")[0] == 0
    assert cli("search", "upvotes:>=0")[0] == 0


def test_json_summary_lists_each_skipped_block_with_line_and_reason(cli, tmp_path):
    path = _hub_json(tmp_path)
    code, out, _ = cli("import", "--json", str(path))
    assert code == 0
    (f,) = json.loads(out)["files"]
    assert len(f["skipped"]) == len(f["skipped_at"]) == 4
    first = f["skipped_at"][0]
    assert first["line"] == 2 and "'Huge Upvotes'" in first["reason"]
    assert all(isinstance(k["line"], int) and k["reason"] for k in f["skipped_at"])


def test_library_report_lists_skipped_items_for_the_window(tmp_path):
    path = _hub_json(tmp_path)
    lib = Library.open(tmp_path / "lib")
    try:
        report = lib.import_files([path])
    finally:
        lib.close()
    items = report.skipped_items
    assert len(items) == 4 and all(isinstance(k, Skipped) for k in items)
    assert items[0].file == str(path) and items[0].line == 2
    assert items == report.files[0].skipped_items


def _backup(tmp_path, name: str, **paper) -> str:
    row = {"id": 1, "title": f"Backup {name}", "abstract": "From a backup.", **paper}
    doc = {"format": BACKUP_FORMAT_ID, "version": 2, "tags": [], "papers": [row]}
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "paper",
    [{"upvotes": BIG}, {"comments": 10**30}, {"authors_count": 10**30}, {"id": 10**30}],
)
def test_backup_with_a_number_out_of_range_is_refused_in_one_line(cli, tmp_path, paper):
    bad = _backup(tmp_path, "bad", **paper)
    good = _backup(tmp_path, "good", upvotes=3)
    code, out, err = cli("import", bad, good)
    assert code == 2 and "Traceback" not in out + err
    (line,) = err.strip().splitlines()
    assert line.startswith(f"paperdesk: {bad}: ") and "'Backup bad'" in line
    assert "out of range" in line
    code, out, _ = cli("list", "--json")
    assert [p["title"] for p in json.loads(out)] == ["Backup good"]  # the rest still imported
