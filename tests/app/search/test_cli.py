"""The search, related and reindex commands, through the real CLI."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from tests.conftest import SEED_AS_OF, SEEDS


@pytest.fixture
def lib_dir(tmp_path):
    folder = tmp_path / "lib"
    assert (
        main(["--library", str(folder), "import", str(SEEDS["001"]), "--as-of", str(SEED_AS_OF)])
        == 0
    )
    return folder


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_imported_papers_are_searchable_when_import_returns(lib_dir, capsys):
    capsys.readouterr()
    code, out, err = run(capsys, "--library", str(lib_dir), "search", "diffusion", "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert set(data) >= {"query", "total", "took_ms", "suggestion", "hits"}
    assert data["query"] == "diffusion" and data["total"] > 0
    hit = data["hits"][0]
    assert set(hit) == {"id", "title", "score", "highlights"}
    assert "diffusion" in hit["title"].lower() or "diffusion" in json.dumps(hit["highlights"])


def test_search_text_output_sort_and_limit(lib_dir, capsys):
    code, out, _ = run(capsys, "--library", str(lib_dir), "search", "diffusion", "--limit", "2")
    assert code == 0 and "2 shown" in out
    code, out, _ = run(
        capsys, "--library", str(lib_dir), "search", "diffusion", "--sort", "date", "--json"
    )
    assert code == 0 and json.loads(out)["hits"]


def test_malformed_query_is_not_an_error(lib_dir, capsys):
    code, out, err = run(capsys, "--library", str(lib_dir), "search", '"diffusion')
    assert code == 0
    assert err.count("\n") == 1 and "plain words" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["search", "x", "--limit", "-1"],
        ["search", "x", "--sort", "title"],
        ["related", "999999"],
        ["related", "abc"],
    ],
)
def test_user_mistakes_are_one_line_and_exit_2(lib_dir, capsys, argv):
    code, out, err = run(capsys, "--library", str(lib_dir), *argv)
    assert code == 2
    assert err.startswith("paperdesk: ") and err.count("\n") == 1 and "Traceback" not in err


def test_related_json(lib_dir, capsys):
    code, out, _ = run(capsys, "--library", str(lib_dir), "search", "diffusion", "--json")
    pid = json.loads(out)["hits"][0]["id"]
    code, out, _ = run(
        capsys, "--library", str(lib_dir), "related", str(pid), "--json", "--limit", "3"
    )
    assert code == 0
    data = json.loads(out)
    assert len(data["hits"]) == 3 and pid not in [h["id"] for h in data["hits"]]


def test_reindex(lib_dir, capsys):
    code, out, err = run(capsys, "--library", str(lib_dir), "reindex")
    assert code == 0
    # Not a terminal: no progress output (issue 14; the bar is drawn on a terminal only).
    assert "search index rebuilt" in out and err == ""
