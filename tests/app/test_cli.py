"""The real command line: exit codes, one-line errors, JSON fields."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from tests.conftest import SEEDS

FIELDS = {
    "id",
    "citation_key",
    "arxiv_id",
    "authors",
    "organization_id",
    "listed_on",
    "comments",
    "submitted_by",
    "ai_summary",
    "ai_keywords",
    "github",
    "github_stars",
    "project_page",
    "title",
    "abstract",
    "authors_count",
    "organization",
    "published",
    "upvotes",
    "url",
    "links",
    "tags",
    "note",
    "starred",
    "read",
    "added_at",
    "trashed",
}


@pytest.fixture
def cli(tmp_path, capsys):
    lib = str(tmp_path / "lib")

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--library", lib, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def loaded(cli):
    code, _, _ = cli("import", str(SEEDS["001"]), str(SEEDS["003"]), "--as-of", "2025-10-30")
    assert code == 0
    return cli


def test_import_summary_json(cli):
    code, out, err = cli("import", str(SEEDS["003"]), "--as-of", "2025-10-30", "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert (data["new"], data["merged"], data["refused"]) == (77, 0, 0)
    code, out, _ = cli("import", str(SEEDS["003"]), "--json")
    assert json.loads(out)["unchanged"] == 77


def test_import_refused_file_exit_2_one_line_others_imported(cli, tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body>x</body></html>")
    code, out, err = cli("import", str(bad), str(SEEDS["001"]))
    assert code == 2
    assert err.strip().splitlines() == [
        f"paperdesk: {bad}: is an HTML page, but not a Hugging Face papers page"
    ]
    assert "248 new" in out
    code, out, _ = cli("list", "--json")
    assert len(json.loads(out)) == 248


def test_list_show_json_fields(loaded):
    code, out, _ = loaded("list", "--json")
    papers = json.loads(out)
    assert code == 0 and len(papers) == 323
    assert set(papers[0]) == FIELDS
    dated = [p for p in papers if p["published"]]
    assert len(dated) == 75 and all(len(p["published"]) == 10 for p in dated)
    code, out, _ = loaded("show", str(papers[0]["id"]), "--json")
    shown = json.loads(out)
    # Showing a paper makes its citation key once (issue 12); the rest is the same.
    assert papers[0]["citation_key"] is None and shown.pop("citation_key")
    assert shown == {k: v for k, v in papers[0].items() if k != "citation_key"}
    code, out, _ = loaded("list", "--limit", "5")
    assert len(out.splitlines()) == 5


def test_unknown_id_exit_2(loaded):
    code, out, err = loaded("show", "999999")
    assert (code, out, err) == (2, "", "paperdesk: no paper with id 999999\n")
    code, _, err = loaded("star", "1", "999999")
    assert code == 2 and "999999" in err
    code, out, _ = loaded("list", "--starred", "--json")
    assert json.loads(out) == []  # nothing half-done


def test_tags_notes_star_read_round_trip(loaded, tmp_path):
    assert loaded("tag", "add", "1", "2", "3", "-t", "Diffusion", "to read")[0] == 0
    assert loaded("tag", "remove", "3", "-t", "to read")[0] == 0
    code, out, _ = loaded("tag", "list", "--json")
    assert json.loads(out) == [
        {"name": "Diffusion", "count": 3, "color": None},
        {"name": "to read", "count": 2, "color": None},
    ]
    code, out, _ = loaded("list", "--tag", "diffusion", "--tag", "TO READ", "--json")
    assert [p["id"] for p in json.loads(out)] == [2, 1]
    note = tmp_path / "note.md"
    note.write_text("# Heading\n\nUnicode: ✓ مرحبا 🙂\n", encoding="utf-8")
    assert loaded("note", "set", "2", "--file", str(note))[0] == 0
    code, out, _ = loaded("note", "show", "2")
    assert out == note.read_text(encoding="utf-8") + "\n"
    assert loaded("star", "2")[0] == 0 and loaded("read", "1", "2")[0] == 0
    code, out, _ = loaded("list", "--starred", "--json")
    (p,) = json.loads(out)
    assert (p["id"], p["starred"], p["read"], p["tags"]) == (
        2,
        True,
        True,
        ["Diffusion", "to read"],
    )
    code, out, _ = loaded("list", "--unread", "--json")
    assert len(json.loads(out)) == 321
    assert loaded("unstar", "2")[0] == 0 and loaded("unread", "2")[0] == 0


def test_tag_rename_merge_delete(loaded):
    loaded("tag", "add", "1", "2", "-t", "a")
    loaded("tag", "add", "2", "3", "-t", "b")
    code, _, err = loaded("tag", "rename", "a", "B")
    assert code == 2 and "tag merge" in err
    assert loaded("tag", "rename", "a", "alpha")[0] == 0
    assert loaded("tag", "merge", "alpha", "b")[0] == 0
    code, out, _ = loaded("tag", "list", "--json")
    assert json.loads(out) == [{"name": "b", "count": 3, "color": None}]
    code, out, _ = loaded("tag", "delete", "b")
    assert code == 0 and "3 paper" in out
    assert loaded("tag", "delete", "b")[0] == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (["tag", "add", "1", "-t", "   "], "cannot be empty"),
        (["tag", "add", "1", "-t", "x" * 65], "longer than 64"),
        (["list", "--tag", "nope"], "no tag named 'nope'"),
        (["show", "abc"], "invalid int value"),
        (["import", "x.txt", "--as-of", "2025-13-01"], "YYYY-MM-DD"),
        (["frobnicate"], "invalid choice"),
        (["note", "set", "1"], "give the note text"),
    ],
)
def test_bad_arguments_one_line_exit_2(loaded, args, message):
    code, _, err = loaded(*args)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and message in err and "Traceback" not in err


def test_library_env_var_and_python_dash_m(tmp_path):
    env = {**os.environ, "PAPERDESK_LIBRARY": str(tmp_path / "envlib")}
    done = subprocess.run(
        [sys.executable, "-m", "app", "import", str(SEEDS["001"])],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "envlib" / "library.sqlite").exists()


def test_demo_library_is_separate(tmp_path, capsys):
    assert main(["--demo", "list", "--json"]) == 0
    demo = json.loads(capsys.readouterr().out)
    assert len(demo) == 323
    data_home = Path(os.environ["XDG_DATA_HOME"])
    assert (data_home / "paperdesk" / "demo" / "library.sqlite").exists()
    assert not (data_home / "paperdesk" / "library").exists()
    code = main(["--demo", "--library", str(tmp_path), "list"])
    assert code == 2
