"""Kept exports in a team library are each member's own: the binding names a file on the
member's machine, so it lives in their client folder, never on the server, and another
member's change reaches the file the next time Paperdesk runs for its owner."""

from __future__ import annotations

import json

from app.library import Library
from tests.conftest import SEEDS


def _keys(path) -> set[str]:
    return {
        line.split("{", 1)[1].rstrip(",")
        for line in path.read_text().splitlines()
        if line.startswith("@")
    }


def test_a_kept_export_is_the_members_own_and_follows_the_others_changes(team, run, tmp_path):
    ann, bob, rob = team.role("ann"), team.role("bob"), team.role("rob")
    assert run("--library", team.admin, "team", "add-member", ann)[0] == 0
    assert run("--library", team.admin, "team", "add-member", bob)[0] == 0
    assert run("--library", team.admin, "team", "add-member", rob, "--read-only")[0] == 0
    assert run("--library", team.url(ann), "import", str(SEEDS["001"]))[0] == 0
    with Library.open(team.url(ann)) as a:
        first, second, third = a.paper_ids(limit=3)
    assert run("--library", team.url(ann), "tag", "add", str(first), "-t", "ML")[0] == 0

    refs = tmp_path / "ann" / "refs.bib"
    refs.parent.mkdir()
    code, _, err = run(
        "--library",
        team.url(ann),
        "export",
        "--tag",
        "ML",
        "--format",
        "bibtex",
        "-o",
        str(refs),
        "--keep",
    )
    assert code == 0, err
    assert len(_keys(refs)) == 1

    # Bob sees none of Ann's bindings, and his command does not write her file.
    code, out, _ = run("--library", team.url(bob), "exports", "--json")
    assert code == 0 and json.loads(out) == []
    before = refs.read_text()
    assert run("--library", team.url(bob), "tag", "add", str(second), "-t", "ML")[0] == 0
    assert refs.read_text() == before
    # The server holds no binding at all: it is in Ann's client folder.
    with Library.open(team.admin) as admin, admin.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM kept_exports").scalar() == 0
    with Library.open(team.url(ann)) as a:
        assert (a.path / "kept-exports.sqlite").is_file()

    # Ann's next command, even one that only reads, brings her file up to date.
    code, out, err = run("--library", team.url(ann), "exports", "--json")
    assert code == 0, err
    (binding,) = json.loads(out)
    assert binding["path"] == str(refs)
    assert len(_keys(refs)) == 2

    # A read-only member keeps an export of their own (it writes nothing to the server).
    mine = tmp_path / "rob.json"
    code, _, err = run(
        "--library",
        team.url(rob),
        "export",
        "--tag",
        "ML",
        "--format",
        "csl-json",
        "-o",
        str(mine),
        "--keep",
    )
    assert code == 0, err
    assert len(json.loads(mine.read_text())) == 2
    assert run("--library", team.url(ann), "tag", "add", str(third), "-t", "ML")[0] == 0
    assert run("--library", team.url(rob), "list", "--limit", "1")[0] == 0
    assert len(json.loads(mine.read_text())) == 3
    assert len(_keys(refs)) == 3  # Ann's own command rewrote hers before it exited
