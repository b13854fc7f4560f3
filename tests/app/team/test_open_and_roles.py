"""A team library opened by URL: the same models and migrations on PostgreSQL, a local
client folder, members as PostgreSQL roles, read-only and unknown roles refused."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from app.errors import LibraryError
from app.library import Library
from tests.conftest import SEEDS


def test_migrations_build_the_models_schema_on_postgresql(server):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from db import Base, make_engine, upgrade
    from db.engine import current_revision, head_revision

    engine = make_engine(server.admin)
    try:
        upgrade(engine)
        assert current_revision(engine) == head_revision() == "0009"
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        engine.dispose()


def test_team_init_moves_the_keys_of_a_0008_library_and_readers_still_make_keys(server, run):
    """A team library at 0008 with a stored key: ``team init`` upgrades it (the key moves to
    ``citation_keys``) and re-grants, so a reader's export still makes and stores the
    missing keys, while a reader's own ``key set`` stays refused."""
    from alembic import command

    from db import make_engine
    from db.engine import alembic_config, head_revision

    engine = make_engine(server.admin)
    try:
        command.upgrade(alembic_config(engine), "0008")
        with engine.begin() as conn:
            for pid, key in [(1, "'mine2024'"), (2, "NULL")]:
                conn.exec_driver_sql(
                    "INSERT INTO papers (id, title, title_key, abstract, links, starred, read, "
                    f"added_at, updated_at, citation_key) VALUES ({pid}, 'Paper {pid}', "
                    f"'paper {pid}', 'x', '', false, false, now(), now(), {key})"
                )
    finally:
        engine.dispose()
    assert run("team", "init", server.admin)[0] == 0
    rob = server.role("rob")
    assert run("--library", server.admin, "team", "add-member", rob, "--read-only")[0] == 0
    code, out, err = run("--library", server.url(rob), "export", "--format", "csl-json")
    assert code == 0, err
    assert sorted(item["id"] for item in json.loads(out)) == ["anonpaper", "mine2024"]
    code, _, err = run("--library", server.url(rob), "key", "set", "2", "other2024")
    assert code == 2 and "may only read" in err
    with Library.open(server.admin) as lib:
        assert lib.citation_keys([1, 2]) == {1: "mine2024", 2: "anonpaper"}
        with lib.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == (
                head_revision()
            )


def test_init_import_list_search_show_through_the_url(team, run, tmp_path):
    code, out, err = run("--library", team.admin, "import", str(SEEDS["001"]))
    assert code == 0, err
    code, out, _ = run("--library", team.admin, "list", "--json", "--limit", "500")
    papers = json.loads(out)
    with Library.open(tmp_path / "personal") as personal:  # the same page, in SQLite
        personal.import_files([SEEDS["001"]])
        assert {p["title"] for p in papers} == {p.title for p in personal.list_papers()}
        assert len(papers) == personal.count() > 200
    code, out, _ = run("--library", team.admin, "search", "diffusion", "--json")
    assert code == 0 and json.loads(out)["total"] > 0
    # The client's own folder (index, lock, settings) lives under the user data folder,
    # keyed by server and database; nothing is written beside the URL.
    with Library.open(team.admin) as lib:
        assert lib.is_team and lib.member == "postgres"
        assert lib.path.parent.name == "team" and team.database in lib.path.name
        assert (lib.path / "index").is_dir()
        assert lib.path.is_relative_to(Path(os.environ["XDG_DATA_HOME"]))


def test_paperdesk_library_variable_names_the_url(team, run, monkeypatch):
    monkeypatch.setenv("PAPERDESK_LIBRARY", team.admin)
    assert run("import", str(SEEDS["003"]), "--as-of", "2025-10-30")[0] == 0
    code, out, _ = run("list", "--json", "--limit", "5")
    assert code == 0 and len(json.loads(out)) == 5


def test_a_url_with_a_password_is_refused_and_nothing_is_kept(team, run):
    url = team.admin.replace("postgresql://", "postgresql://postgres:secret@", 1)
    code, _, err = run("--library", url, "list")
    assert code == 2
    assert "holds a password" in err and "secret" not in err and len(err.splitlines()) == 1


def test_a_database_without_a_team_library_is_refused(server, run):
    code, _, err = run("--library", server.admin, "list")
    assert code == 2 and "no team library" in err and "team init" in err
    assert len(err.splitlines()) == 1


def test_members_writers_and_readers(team, run):
    ann, rob = team.role("ann"), team.role("rob")
    assert run("--library", team.admin, "team", "add-member", ann)[0] == 0
    assert run("--library", team.admin, "team", "add-member", rob, "--read-only")[0] == 0
    code, out, _ = run("--library", team.admin, "team", "members", "--json")
    assert code == 0
    assert json.loads(out) == sorted(
        [{"name": ann, "role": "writer"}, {"name": rob, "role": "reader"}],
        key=lambda m: m["name"],
    )
    assert run("--library", team.url(ann), "import", str(SEEDS["001"]))[0] == 0
    with Library.open(team.url(ann)) as lib:
        assert (lib.member, lib.read_only) == (ann, False)
        pid = lib.paper_ids(limit=1)[0]
    # The reader browses, searches and exports...
    for args in (
        ["list", "--limit", "3"],
        ["show", str(pid)],
        ["search", "model"],
        ["export", "--format", "bibtex"],
        ["export", "--format", "json"],
    ):
        code, out, err = run("--library", team.url(rob), *args)
        assert code == 0, (args, err)
    # ...and every write to what the team shares is refused in one line, exit 2, nothing
    # written (star and read are the reader's own: test_a_reader_keeps_their_own_star_and_read).
    before = Library.open(team.url(ann))
    try:
        seq = before.last_change()
        for args in (
            ["tag", "add", str(pid), "-t", "mine"],
            ["note", "set", str(pid), "my note"],
            ["trash", str(pid)],
            ["import", str(SEEDS["003"])],
        ):
            code, _, err = run("--library", team.url(rob), *args)
            assert code == 2, args
            assert f"member {rob!r} may only read" in err and len(err.splitlines()) == 1
        assert before.last_change() == seq
    finally:
        before.close()


def test_a_role_that_is_no_member_is_refused(team, run):
    import psycopg

    eve = team.role("eve")
    with psycopg.connect(team.admin_base, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{eve}" LOGIN')
    code, _, err = run("--library", team.url(eve), "list")
    assert code == 2 and len(err.splitlines()) == 1
    assert "permission denied" in err or "not a member" in err
    with pytest.raises(LibraryError, match="cannot connect"):
        Library.open(team.url("nobody_" + team.database[-8:]))


def test_a_member_cannot_set_up_the_team(team, run):
    ann = team.role("ann")
    run("--library", team.admin, "team", "add-member", ann)
    code, _, err = run("--library", team.url(ann), "team", "add-member", "zed_x")
    assert code == 2 and "permission denied" in err and len(err.splitlines()) == 1


def test_bad_member_name_is_refused(team, run):
    code, _, err = run("--library", team.admin, "team", "add-member", "Robert'); drop")
    assert code == 2 and "is not a member name" in err


def test_a_reader_keeps_their_own_star_and_read(team, run):
    """Star and read are personal (DESIGN.md: shared papers, tags, notes; personal star,
    read): a read-only member stars and marks read; the server lets them write only their
    own marks and their own star/read feed rows, whatever a client sends."""
    import psycopg

    ann, rob = team.role("ann"), team.role("rob")
    assert run("--library", team.admin, "team", "add-member", ann)[0] == 0
    assert run("--library", team.admin, "team", "add-member", rob, "--read-only")[0] == 0
    assert run("--library", team.url(ann), "import", str(SEEDS["001"]))[0] == 0
    with Library.open(team.url(ann)) as a:
        pid, other = a.paper_ids(limit=2)
    code, _, err = run("--library", team.url(rob), "star", str(pid))
    assert code == 0, err
    assert run("--library", team.url(rob), "read", str(pid), str(other))[0] == 0
    code, out, _ = run("--library", team.url(rob), "list", "--starred", "--json")
    assert [p["id"] for p in json.loads(out)] == [pid]
    with Library.open(team.url(rob)) as r, Library.open(team.url(ann)) as a:
        assert r.read_only and r.get(pid).starred and r.get(other).read
        assert not a.get(pid).starred and not a.get(other).read  # ann's own state
        assert r.set_starred([pid], False) == [pid]  # and unstar (the undo of a star)
        with r.engine.connect() as conn:
            kinds = conn.exec_driver_sql(
                "SELECT DISTINCT kind, member FROM changes WHERE member = %s", (rob,)
            ).all()
        assert set(kinds) == {("star", rob), ("read", rob)}
    # The server itself holds the line: a reader cannot log another change, log in
    # another member's name, or write another member's marks.
    with psycopg.connect(team.url(rob)) as conn:
        for stmt, params in (
            (
                "INSERT INTO changes (paper_id, kind, at, member) VALUES (%s, 'tag', now(), %s)",
                (pid, rob),
            ),
            (
                "INSERT INTO changes (paper_id, kind, at, member) VALUES (%s, 'star', now(), %s)",
                (pid, ann),
            ),
            ("INSERT INTO member_marks VALUES (%s, %s, true, true)", (ann, pid)),
            ("UPDATE papers SET title = 'x' WHERE id = %s", (pid,)),
        ):
            with pytest.raises(psycopg.Error, match="permission denied|row-level security"):
                with conn.transaction():
                    conn.execute(stmt, params)
