"""What a team shares and what each member keeps: tags as set operations with who made
them, versioned notes (a save over an unseen version is refused), personal star and read,
``team push`` through the import path, and several client processes at once."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.cli import main
from app.library import Library
from app.store.filters import PaperFilter
from app.store.marks import NoteConflict
from tests.conftest import SEEDS

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def members(team):
    """Two writers, ann and bob, on a team library holding the 001 seed page."""
    ann, bob = team.role("ann"), team.role("bob")
    for who in (ann, bob):
        assert main(["--library", team.admin, "team", "add-member", who]) == 0
    with Library.open(team.url(ann)) as lib:
        lib.import_files([SEEDS["001"]])
    return team, ann, bob


def test_tags_are_shared_and_say_who_tagged(members, capsys):
    team, ann, bob = members
    with Library.open(team.url(ann)) as a, Library.open(team.url(bob)) as b:
        pid = a.paper_ids(limit=1)[0]
        a.add_tags([pid], ["ml"])
        b.add_tags([pid], ["ML", "vision"])  # the same tag, and another: both kept
        assert b.get(pid).tags == ["ml", "vision"]
        assert a.tagged_by(pid) == {"ml": ann, "vision": bob}
        b.set_note(pid, "see fig. 2")
        assert main(["--library", team.url(ann), "show", str(pid), "--json"]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert shown["tagged_by"] == {"ml": ann, "vision": bob} and shown["note_by"] == bob
        rows = a.changes_since(0)
        with a.engine.connect() as conn:
            who = dict(conn.exec_driver_sql("SELECT seq, member FROM changes").all())
        assert {who[seq] for seq, p, kind in rows if p == pid and kind == "tag"} == {ann, bob}


def test_star_and_read_are_each_members_own(members):
    team, ann, bob = members
    with Library.open(team.url(ann)) as a, Library.open(team.url(bob)) as b:
        ids = a.paper_ids(limit=3)
        a.set_starred(ids[:2])
        b.set_read(ids[2:])
        assert [p.starred for p in a.papers(ids)] == [True, True, False]
        assert [p.starred for p in b.papers(ids)] == [False, False, False]
        assert a.count(PaperFilter(starred=True)) == 2 and b.count(PaperFilter(starred=True)) == 0
        assert b.get(ids[2]).read and not a.get(ids[2]).read
        assert a.annotation_summary(ids)["starred"] == 2
        assert b.annotation_summary(ids) == {"papers": 3, "starred": 0, "read": 1, "tags": {}}
        assert a.set_starred(ids[:2]) == []  # already starred: nothing changed


def test_a_note_saved_over_an_unseen_version_is_refused(members, capsys):
    team, ann, bob = members
    with Library.open(team.url(ann)) as a, Library.open(team.url(bob)) as b:
        pid = a.paper_ids(limit=1)[0]
        a.set_note(pid, "ann's first thoughts")
        seen = b.note_info(pid)
        assert (seen.version, seen.by, seen.body) == (1, ann, "ann's first thoughts")
        a.set_note(pid, "ann's second thoughts", base_version=1)
        with pytest.raises(NoteConflict) as conflict:
            b.set_note(pid, "bob's view", base_version=seen.version)
        assert conflict.value.theirs.body == "ann's second thoughts"
        assert a.note(pid) == "ann's second thoughts"  # nothing overwritten
        # On the command line: one line with ann's text, exit 2; with the version seen,
        # bob's save goes through.
        code = main(["--library", team.url(bob), "note", "set", str(pid), "bob's view"])
        err = capsys.readouterr().err
        assert code == 2 and len(err.splitlines()) == 1
        assert "ann's second thoughts" in err and ann in err and "--version 2" in err
        again = ["--library", team.url(bob), "note", "set", str(pid), "x", "--version", "2"]
        assert main(again) == 0
        capsys.readouterr()
        assert main(["--library", team.url(ann), "note", "show", str(pid), "--json"]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert (shown["note"], shown["version"], shown["note_by"]) == ("x", 3, bob)


def test_push_merges_a_personal_library_in(members, tmp_path, capsys):
    team, ann, _ = members
    local = tmp_path / "mine"
    with Library.open(local) as mine:
        mine.import_files([SEEDS["003"], SEEDS["001"]])
        ids = mine.paper_ids(sort="title", descending=False, limit=2)
        mine.add_tags(ids, ["to read"])
        mine.set_tag_color("to read", "#ff8800")
        mine.set_note(ids[0], "my note")
        mine.save_search("diffusion", "diffusion", "all")
        titles = {p.title: p for p in mine.papers(ids)}
        total = mine.count(PaperFilter())
    assert main(["--library", team.url(ann), "team", "push", str(local)]) == 0
    assert "pushed" in capsys.readouterr().out
    with Library.open(team.url(ann)) as lib:
        assert lib.count(PaperFilter()) == total  # 001 was there: merged, not doubled
        got = {p.title: p for p in lib.list_papers() if p.title in titles}
        assert {t: p.tags for t, p in got.items()} == {t: ["to read"] for t in titles}
        assert [t.color for t in lib.tags() if t.name == "to read"] == ["#ff8800"]
        assert sorted(p.note for p in got.values()) == ["", "my note"]
        assert lib.saved_searches() == [("diffusion", "diffusion", "all")]
        seq = lib.last_change()
    assert main(["--library", team.url(ann), "team", "push", str(local)]) == 0  # again: same
    with Library.open(team.url(ann)) as lib:
        assert lib.count(PaperFilter()) == total and lib.last_change() >= seq


WORKER = textwrap.dedent(
    """
    import sys
    from app.library import Library
    from app.store.marks import NoteConflict
    url, me, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with Library.open(url) as lib:
        ids = sorted(lib.paper_ids())[:n]
        for i, pid in enumerate(ids):
            lib.add_tags([pid], ["shared", me])
            # Everyone appends a line to the first paper's note; a conflict is retried on
            # the version just seen, so no line may be lost.
            while True:
                seen = lib.note_info(ids[0])
                text = (seen.body + "\\n" if seen.body else "") + f"{me} {i}"
                try:
                    lib.set_note(ids[0], text, base_version=seen.version)
                    break
                except NoteConflict:
                    continue
    print("done")
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("clients", [2, 3])
def test_clients_tagging_and_noting_at_once_lose_nothing(team, clients):
    names = [team.role(f"m{i}") for i in range(clients)]
    for who in names:
        assert main(["--library", team.admin, "team", "add-member", who]) == 0
    with Library.open(team.url(names[0])) as lib:
        lib.import_files([SEEDS["001"]])
    n = 40
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, team.url(who), who, str(n)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for who in names
    ]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0 and out.strip() == "done", err
    with Library.open(team.admin) as lib:
        ids = sorted(lib.paper_ids())[:n]
        for rec in lib.papers(ids):
            assert rec.tags == sorted(["shared", *names]), rec.id
        lines = lib.note(ids[0]).splitlines()
        assert sorted(lines) == sorted(f"{who} {i}" for who in names for i in range(n))
        assert lib.note_info(ids[0]).version == clients * n
        # The feed is gap-free and complete: every tag link is one row.
        rows = lib.changes_since(0)
        assert [r[0] for r in rows] == sorted(r[0] for r in rows)
        tag_rows = [r for r in rows if r[2] == "tag" and r[1] in set(ids)]
        assert len(tag_rows) == clients * n
