"""The change feed's retention (``team prune``: 30 days), a client away within it and one
away longer; a tag renamed while another member's client tags with the old name; imports
and the search index seen per member (who tagged, whose star)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import psycopg
import pytest

from app.cli import main
from app.library import Library
from app.store.filters import PaperFilter
from tests.conftest import SEEDS

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def members(team):
    ann, bob = team.role("ann"), team.role("bob")
    for who in (ann, bob):
        assert main(["--library", team.admin, "team", "add-member", who]) == 0
    with Library.open(team.url(ann)) as lib:
        lib.import_files([SEEDS["001"]])
    return team, ann, bob


def _age_feed(team, days: int) -> None:
    """Every feed row so far as if written ``days`` ago (the admin's clock trick)."""
    with psycopg.connect(team.admin, autocommit=True) as conn:
        conn.execute(f"UPDATE changes SET at = at - interval '{days} days'")


def _indexed(lib: Library) -> dict:
    lib.index.sync()
    stamp = lib.index.stamp()
    assert stamp is not None
    return stamp


def test_a_client_away_a_week_catches_up_from_its_cursor(members, run):
    team, ann, bob = members
    with Library.open(team.url(ann)) as a:
        before = _indexed(a)
    with Library.open(team.url(bob)) as b:
        pid = b.paper_ids(limit=1)[0]
        b.set_note(pid, "zebrafish larvae")
        b.add_tags([pid], ["week-old"])
    _age_feed(team, 7)
    code, out, err = run("--library", team.url(ann), "team", "prune")
    assert code == 0 and "0 rows removed" in out, err
    code, out, err = run("--library", team.url(ann), "search", "zebrafish")
    assert code == 0 and "away longer" not in err, err
    with Library.open(team.url(ann)) as a:
        after = a.index.stamp()
        assert after is not None and after["build"] == before["build"]  # no rebuild
        assert after["seq"] == a.last_change() > before["seq"]
        assert a.search("zebrafish").total == 1
        assert a.search("tag:week-old").total == 1


def test_a_client_away_longer_than_the_retention_rebuilds_with_progress(members, run):
    team, ann, bob = members
    with Library.open(team.url(ann)) as a:
        before = _indexed(a)
    with Library.open(team.url(bob)) as b:
        pid = b.paper_ids(limit=1)[0]
        b.set_note(pid, "zebrafish larvae")
        _age_feed(team, 40)
        b.add_tags([pid], ["today"])  # the newest row: young, kept
    code, out, err = run("--library", team.url(bob), "team", "prune", "--days", "30")
    assert code == 0 and "rows removed" in out and "0 rows" not in out, err
    with Library.open(team.url(ann)) as a:
        assert a.feed_horizon() > before["seq"]  # ann's cursor: rows after it are gone
        assert a.changes_since(before["seq"])[0][0] > a.feed_horizon()
    code, out, err = run("--library", team.url(ann), "search", "zebrafish")
    assert code == 0, err
    assert "away longer than the team library's change feed keeps" in err
    assert "rebuilding its search index" in err and len(err.splitlines()) == 1
    assert "zebrafish" in out.lower() or "larvae" in out.lower() or "1" in out
    with Library.open(team.url(ann)) as a:
        after = a.index.stamp()
        assert after is not None and after["build"] != before["build"]  # rebuilt
        assert after["seq"] == a.last_change()
        assert a.search("zebrafish").total == 1 and a.search("tag:today").total == 1
    # Once rebuilt it catches up as usual: no second rebuild.
    code, _, err = run("--library", team.url(ann), "list", "--limit", "1")
    assert code == 0 and "away longer" not in err


def test_a_reader_cannot_prune_the_feed(members, run):
    team, _ann, _bob = members
    rob = team.role("rob")
    assert main(["--library", team.admin, "team", "add-member", rob, "--read-only"]) == 0
    code, _, err = run("--library", team.url(rob), "team", "prune")
    assert code == 2 and "may only read" in err and len(err.splitlines()) == 1


TAGGER = textwrap.dedent(
    """
    import itertools, sys
    from app.library import Library
    url, name, pause = sys.argv[1], sys.argv[2], sys.argv[3] == "pause"
    with Library.open(url) as lib:
        ids = sorted(lib.paper_ids())
        half = len(ids) // 2
        if pause:
            for i, pid in enumerate(ids):
                if i == half:
                    print("half", flush=True)
                    sys.stdin.readline()  # the other member renames the tag meanwhile
                lib.add_tags([pid], [name])  # the old name, as this client last saw it
        else:
            # Round and round the papers until well after the rename: the writes race it.
            after = None
            for n, pid in enumerate(itertools.chain.from_iterable(itertools.repeat(ids))):
                if n == 1:
                    print("started", flush=True)
                lib.add_tags([pid], [name])
                if after is None and lib.tag_exists("machine-learning"):
                    after = n
                if after is not None and n >= max(after + 20, len(ids)) or n > 20000:
                    break
    print("done", flush=True)
    """
)


@pytest.mark.parametrize("pause", ["pause", "free"])
def test_a_tag_renamed_while_another_member_tags_with_the_old_name(members, pause):
    """bob's client tags every paper with "ml", one at a time; ann renames "ml" to
    "machine-learning" meanwhile (``pause``: exactly halfway, so bob's later writes
    certainly come after the rename; ``free``: at any moment). One tag, on every paper."""
    team, ann, bob = members
    with Library.open(team.url(ann)) as a:
        total = a.count(PaperFilter())
    tagger = subprocess.Popen(
        [sys.executable, "-c", TAGGER, team.url(bob), "ml", pause],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert tagger.stdout is not None and tagger.stdin is not None
    assert tagger.stdout.readline().strip() in ("half", "started")
    renamer = subprocess.run(
        [sys.executable, "-m", "app", "--library", team.url(ann)]
        + ["tag", "rename", "ml", "machine-learning"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert renamer.returncode == 0, renamer.stderr
    out, err = tagger.communicate("go\n" if pause == "pause" else None, timeout=300)
    assert tagger.returncode == 0 and out.strip().endswith("done"), err
    with Library.open(team.admin) as lib:
        tags = {t.name: t.count for t in lib.tags()}
        assert "ml" not in tags and tags["machine-learning"] == total
        by = lib.tagged_by(lib.paper_ids(sort="id", descending=False)[-1])
        assert by == {"machine-learning": bob}


def test_the_old_name_is_free_again_after_the_grace(members):
    from app.store import tags as tag_ops

    team, ann, _bob = members
    with Library.open(team.url(ann)) as a:
        pid, other = a.paper_ids(limit=2)
        a.add_tags([pid], ["ml"])
        a.rename_tag("ml", "machine-learning")
        a.add_tags([other], ["ML"])  # within the grace: the renamed tag
        assert a.get(other).tags == ["machine-learning"]
        with psycopg.connect(team.admin, autocommit=True) as conn:
            grace = int(tag_ops.RENAME_GRACE.total_seconds()) + 60
            conn.execute(f"UPDATE tag_renames SET renamed_at = renamed_at - interval '{grace} s'")
        a.add_tags([other], ["ml"])  # long after: a new tag of that name
        assert a.get(other).tags == ["machine-learning", "ml"]


def test_imports_and_pushes_record_the_importing_member(members, tmp_path, capsys):
    team, ann, bob = members
    with Library.open(tmp_path / "mine") as mine:
        mine.import_files([SEEDS["003"]])
        ids = mine.paper_ids(limit=2)
        mine.add_tags(ids, ["pushed"])
        mine.set_note(ids[0], "from my library")
        mine.set_starred(ids[:1])
        title = mine.get(ids[0]).title
    assert main(["--library", team.url(bob), "team", "push", str(tmp_path / "mine")]) == 0
    with Library.open(team.url(ann)) as a, Library.open(team.url(bob)) as b:
        (pid,) = [p.id for p in a.papers(a.paper_ids()) if p.title == title]
        assert a.tagged_by(pid) == {"pushed": bob}
        assert a.note_info(pid).by == bob
        assert b.get(pid).starred and not a.get(pid).starred  # bob's own star came along
        with a.engine.connect() as conn:
            nulls = conn.exec_driver_sql(
                "SELECT count(*) FROM paper_tags WHERE tagged_by IS NULL"
            ).scalar()
        assert nulls == 0


def test_the_search_index_holds_each_members_own_star_and_read(members, run):
    team, ann, bob = members
    with Library.open(team.url(ann)) as a, Library.open(team.url(bob)) as b:
        pid, other = a.paper_ids(limit=2)
        a.set_starred([pid])
        b.set_starred([other])
        b.set_read([pid])
        assert a.path != b.path  # each member's own client folder (their own index)
        for lib in (a, b):
            lib.index.sync()
        assert a.search("is:starred").ids == [pid]
        assert b.search("is:starred").ids == [other]
        assert b.search("is:read").ids == [pid] and a.search("is:read").ids == []
        b.set_starred([other], False)  # bob's change reaches bob's index through the feed
        b.index.sync()
        assert b.search("is:starred").ids == [] and a.search("is:starred").ids == [pid]
    code, out, _ = run("--library", team.url(bob), "search", "is:unread", "--json")
    assert code == 0 and f'"id": {pid}' not in out
