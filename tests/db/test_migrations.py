"""Alembic migrations: `upgrade head` on an empty file is exactly the models' schema."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from app.errors import LibraryError
from app.library import Library, PaperFilter
from db import Base, make_engine, upgrade
from db.engine import head_revision


def test_upgrade_head_on_empty_file_matches_models(tmp_path):
    engine = make_engine(tmp_path / "empty.sqlite")
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    engine.dispose()


def test_open_applies_migrations_and_sets_wal_and_foreign_keys(tmp_path):
    lib = Library.open(tmp_path / "lib")
    with lib.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
        rev = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    assert rev == head_revision()
    lib.close()


def test_library_from_a_newer_version_is_refused_untouched(tmp_path):
    Library.open(tmp_path / "lib").close()
    db = tmp_path / "lib" / "library.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff_future'")
    before = db.read_bytes()
    with pytest.raises(LibraryError, match="newer Paperdesk"):
        Library.open(tmp_path / "lib")
    assert db.read_bytes() == before


def test_foreign_keys_cascade(seeded):
    pid = seeded.paper_ids()[0]
    seeded.add_tags([pid], ["x"])
    seeded.set_note(pid, "n")
    seeded.delete_papers([pid])
    with sqlite3.connect(seeded.db_path) as db:
        assert db.execute("SELECT count(*) FROM paper_tags").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM notes").fetchone() == (0,)


def test_an_older_library_is_backed_up_then_migrated(tmp_path):
    """A library at the first revision (with data) upgrades on open, after a backup."""
    from alembic import command

    from db.engine import alembic_config

    folder = tmp_path / "old"
    folder.mkdir()
    engine = make_engine(folder / "library.sqlite")
    command.upgrade(alembic_config(engine), "0001")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO papers (title, title_key, abstract, upvotes, links, starred, read, "
            "added_at, updated_at) VALUES ('Old paper', 'old paper', 'x', 0, '', 0, 0, "
            "'2025-01-01 00:00:00.000000', '2025-01-01 00:00:00.000000')"
        )
    engine.dispose()
    with Library.open(folder) as lib:
        assert [p.title for p in lib.list_papers()] == ["Old paper"]
        with lib.engine.connect() as conn:
            rev = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            names = {r[1] for r in conn.exec_driver_sql("PRAGMA index_list('papers')")}
    assert rev == head_revision() and "ix_papers_organization" in names
    (backup,) = (folder / "backups").glob("pre-migration-*.sqlite")
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)


def test_0003_lets_an_existing_library_log_colour_changes(tmp_path):
    """A library at 0002, with papers, tags and feed rows, migrates to 0003 on open: its
    rows survive, and a colour change is logged as kind ``color`` (refused before)."""
    from alembic import command
    from sqlalchemy.exc import IntegrityError

    from db.engine import alembic_config

    folder = tmp_path / "at2"
    folder.mkdir()
    engine = make_engine(folder / "library.sqlite")
    command.upgrade(alembic_config(engine), "0002")
    now = "'2025-01-01 00:00:00.000000'"
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO papers (title, title_key, abstract, upvotes, links, starred, read, "
            f"added_at, updated_at) VALUES ('Old paper', 'old paper', 'x', 0, '', 0, 0, {now}, "
            f"{now})"
        )
        conn.exec_driver_sql(
            f"INSERT INTO tags (name, name_key, created_at) VALUES ('ml', 'ml', {now})"
        )
        conn.exec_driver_sql("INSERT INTO paper_tags (paper_id, tag_id) VALUES (1, 1)")
        conn.exec_driver_sql(f"INSERT INTO changes (paper_id, kind, at) VALUES (1, 'add', {now})")
        with pytest.raises(IntegrityError):  # what 0003 changes
            conn.exec_driver_sql(
                f"INSERT INTO changes (paper_id, kind, at) VALUES (NULL, 'color', {now})"
            )
    engine.dispose()
    with Library.open(folder) as lib:
        assert lib.changes_since(0) == [(1, 1, "add")]
        assert [(t.name, t.count) for t in lib.tags()] == [("ml", 1)]
        changes = lib.set_tag_color("ML", "#ff0000")
        assert lib.changes_since(1) == [(2, None, "color")]
        assert changes.kinds == {"color"} and changes.tag_meta and not changes.paper_ids
        assert lib.tags()[0].color == "#ff0000"
        with lib.engine.connect() as conn:
            rev = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    assert rev == head_revision()


def test_0004_moves_the_old_trailing_numbers_into_comments(tmp_path):
    """A library at 0003 (the old text reader stored the number after a card's date as
    upvotes) migrates on open: that number becomes ``comments``, ``upvotes`` becomes
    unknown; a paper without a date line keeps unknown comments. Tags and notes survive the
    table copy, and a second paper may not take the same arXiv id."""
    from alembic import command
    from sqlalchemy.exc import IntegrityError

    from db.engine import alembic_config

    folder = tmp_path / "at3"
    folder.mkdir()
    engine = make_engine(folder / "library.sqlite")
    command.upgrade(alembic_config(engine), "0003")
    now = "'2025-01-01 00:00:00.000000'"
    with engine.begin() as conn:
        for title, published, upvotes in [
            ("Dated with one", "'2023-12-26'", 1),
            ("Dated with none", "'2024-05-12'", 0),
            ("Compact", "NULL", 0),
        ]:
            conn.exec_driver_sql(
                "INSERT INTO papers (title, title_key, abstract, published, upvotes, links, "
                f"starred, read, added_at, updated_at) VALUES ('{title}', '{title.lower()}', "
                f"'x', {published}, {upvotes}, '', 0, 0, {now}, {now})"
            )
        conn.exec_driver_sql(
            f"INSERT INTO tags (name, name_key, created_at) VALUES ('ml', 'ml', {now})"
        )
        conn.exec_driver_sql("INSERT INTO paper_tags (paper_id, tag_id) VALUES (1, 1)")
        conn.exec_driver_sql(
            f"INSERT INTO notes (paper_id, body, updated_at) VALUES (1, 'n', {now})"
        )
    engine.dispose()
    with Library.open(folder) as lib:
        got = {p.title: (p.upvotes, p.comments) for p in lib.list_papers()}
        assert got == {
            "Dated with one": (None, 1),
            "Dated with none": (None, 0),
            "Compact": (None, None),
        }
        (first,) = [p for p in lib.list_papers() if p.title == "Dated with one"]
        assert first.tags == ["ml"] and first.note == "n"
        with lib.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE papers SET arxiv_id = '2312.00001' WHERE id = 1")
            with pytest.raises(IntegrityError):
                conn.exec_driver_sql("UPDATE papers SET arxiv_id = '2312.00001' WHERE id = 2")
        with lib.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    # And back: the old schema's "upvotes" held the comment counts.
    engine = make_engine(folder / "library.sqlite")
    command.downgrade(alembic_config(engine), "0003")
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT title, upvotes FROM papers ORDER BY id").all()
    engine.dispose()
    assert rows == [("Dated with one", 1), ("Dated with none", 0), ("Compact", 0)]


def test_0007_upgrades_an_existing_library_unchanged_in_behaviour(tmp_path):
    """A library at 0006 (tags, a note, a star, feed rows) migrates to 0007 on open: its
    rows survive, the new member columns stay empty (notes at version 1), star and read
    stay in ``papers``, and a note save raises the version."""
    from alembic import command

    from db.engine import alembic_config

    folder = tmp_path / "at6"
    folder.mkdir()
    engine = make_engine(folder / "library.sqlite")
    command.upgrade(alembic_config(engine), "0006")
    now = "'2025-01-01 00:00:00.000000'"
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO papers (title, title_key, abstract, links, starred, read, "
            f"added_at, updated_at) VALUES ('Old paper', 'old paper', 'x', '', 1, 0, {now}, "
            f"{now})"
        )
        conn.exec_driver_sql(
            f"INSERT INTO tags (name, name_key, created_at) VALUES ('ml', 'ml', {now})"
        )
        conn.exec_driver_sql("INSERT INTO paper_tags (paper_id, tag_id) VALUES (1, 1)")
        conn.exec_driver_sql(
            f"INSERT INTO notes (paper_id, body, updated_at) VALUES (1, 'n', {now})"
        )
        conn.exec_driver_sql(f"INSERT INTO changes (paper_id, kind, at) VALUES (1, 'add', {now})")
    engine.dispose()
    with Library.open(folder) as lib:
        (paper,) = lib.list_papers()
        assert (paper.tags, paper.note, paper.starred, paper.read) == (["ml"], "n", True, False)
        assert lib.list_papers(PaperFilter(starred=True)) == [paper]
        info = lib.note_info(1)
        assert (info.version, info.by) == (1, None)
        assert lib.tagged_by(1) == {}
        lib.set_note(1, "changed")  # a personal library: no members, so no conflict
        assert lib.note_info(1).version == 2
        lib.set_read([1])
        assert lib.get(1).read
        with lib.engine.connect() as conn:
            rev = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            assert conn.exec_driver_sql("SELECT count(*) FROM member_marks").scalar() == 0
            assert conn.exec_driver_sql("SELECT read FROM papers").scalar() == 1
    assert rev == head_revision()  # 0007, and what came after it
    engine = make_engine(folder / "library.sqlite")
    command.downgrade(alembic_config(engine), "0006")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT body FROM notes").scalar() == "changed"
    engine.dispose()


def test_0008_adds_tag_renames_and_downgrades(tmp_path):
    """0008: ``tag_renames`` (a tag's former names, issue 13); a downgrade drops it."""
    from alembic import command
    from sqlalchemy import inspect

    from db.engine import alembic_config

    engine = make_engine(tmp_path / "library.sqlite")
    try:
        command.upgrade(alembic_config(engine), "0008")
        assert "tag_renames" in inspect(engine).get_table_names()
        command.downgrade(alembic_config(engine), "0007")
        assert "tag_renames" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_0009_moves_citation_keys_into_their_table_and_back(tmp_path):
    """A library at 0008 with a keyed and a keyless paper migrates on open: the key moves
    to ``citation_keys`` (the column is gone), the paper's tag and note survive the table
    copy, the keyless paper gets its key made once, deleting a paper deletes its key, and
    a downgrade puts the keys back in ``papers``."""
    from alembic import command
    from sqlalchemy import inspect

    from db.engine import alembic_config

    folder = tmp_path / "at8"
    folder.mkdir()
    engine = make_engine(folder / "library.sqlite")
    command.upgrade(alembic_config(engine), "0008")
    now = "'2025-01-01 00:00:00.000000'"
    with engine.begin() as conn:
        for pid, title, key in [(1, "Keyed paper", "'mine2024'"), (2, "Keyless paper", "NULL")]:
            conn.exec_driver_sql(
                "INSERT INTO papers (id, title, title_key, abstract, links, starred, read, "
                f"added_at, updated_at, citation_key) VALUES ({pid}, '{title}', "
                f"'{title.lower()}', 'x', '', 0, 0, {now}, {now}, {key})"
            )
        conn.exec_driver_sql(
            f"INSERT INTO tags (name, name_key, created_at) VALUES ('ml', 'ml', {now})"
        )
        conn.exec_driver_sql("INSERT INTO paper_tags (paper_id, tag_id) VALUES (1, 1)")
        conn.exec_driver_sql(
            f"INSERT INTO notes (paper_id, body, updated_at) VALUES (1, 'n', {now})"
        )
    engine.dispose()
    with Library.open(folder) as lib:
        columns = {c["name"] for c in inspect(lib.engine).get_columns("papers")}
        assert "citation_key" not in columns
        assert lib.get(1).citation_key == "mine2024" and lib.get(2).citation_key is None
        assert (lib.get(1).tags, lib.get(1).note) == (["ml"], "n")
        made = lib.citation_keys([1, 2])
        assert made[1] == "mine2024" and made[2].startswith("anon")
        lib.edit_paper(2, {"title": "Renamed paper"})
        assert lib.citation_keys([2]) == {2: made[2]}  # made once, kept through edits
        lib.delete_papers([1])
        with lib.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT paper_id, key FROM citation_keys").all()
        assert rows == [(2, made[2])]
    engine = make_engine(folder / "library.sqlite")
    command.downgrade(alembic_config(engine), "0008")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT id, citation_key FROM papers").all() == [(2, made[2])]
        assert "citation_keys" not in inspect(engine).get_table_names()
    engine.dispose()
