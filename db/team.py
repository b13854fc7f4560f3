"""A team library's PostgreSQL roles: one group role for members who write, one for those
who only read, and a login role per member (GRANTs, not Paperdesk, enforce who may write).

Group names carry the database's name (roles are cluster-wide): ``<db>_writers`` and
``<db>_readers``. :func:`init_roles` is idempotent and re-grants on every run (so a table a
later migration added is covered once the admin runs ``team init`` again).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

MEMBER_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


@dataclass(frozen=True)
class Member:
    name: str
    read_only: bool

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "role": "reader" if self.read_only else "writer"}


@dataclass(frozen=True)
class Access:
    """What the connected role may do: ``member`` its name; ``known`` whether it may read
    the library at all; ``write`` whether it may change it; ``schema`` whether the library's
    tables exist."""

    member: str
    schema: bool
    known: bool
    write: bool
    host: str
    port: str
    database: str


class Refused(Exception):
    """The server cannot be reached or refused the connection; ``str()`` is its line."""


def groups(database: str) -> tuple[str, str]:
    base = database[:50]
    return f"{base}_writers", f"{base}_readers"


def _run(engine: Engine, fn: Any) -> Any:
    import psycopg

    raw = engine.raw_connection()
    try:
        conn: psycopg.Connection = raw.driver_connection  # type: ignore[assignment]
        conn.autocommit = False
        with conn.transaction():
            return fn(conn)
    finally:
        raw.close()


def access(engine: Engine) -> Access:
    """Who is connected, and what they may do (read from the server's own grants)."""

    def ask(conn: Any) -> Access:
        member, database, has_schema = conn.execute(
            "SELECT current_user, current_database(), to_regclass('papers') IS NOT NULL"
        ).fetchone()
        known = write = False
        if has_schema:
            known, write = conn.execute(
                "SELECT has_table_privilege('papers', 'SELECT'), "
                "has_table_privilege('papers', 'INSERT')"
            ).fetchone()
        info = conn.info
        return Access(member, has_schema, known, write, info.host, str(info.port), database)

    import psycopg
    from sqlalchemy.exc import DBAPIError

    try:
        return _run(engine, ask)  # type: ignore[no-any-return]
    except (psycopg.Error, DBAPIError) as exc:
        orig = getattr(exc, "orig", None) or exc
        lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
        raise Refused(" ".join(lines[:2]) or type(orig).__name__) from None


# The feed takes a reader's own ``star``/``read`` rows and nothing else: a role that may
# not write papers (a reader) cannot log other changes or log in another member's name.
# A trigger, not a row policy: the feed is written with COPY, which row security refuses.
FEED_GUARD = """
CREATE OR REPLACE FUNCTION paperdesk_feed_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.kind IN ('star', 'read') AND NEW.member = current_user)
            OR has_table_privilege('papers', 'INSERT') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'permission denied: member % may only read this team library',
        current_user USING ERRCODE = 'insufficient_privilege';
END $$
"""


def init_roles(engine: Engine) -> tuple[str, str]:
    """Create the two group roles (if missing) and grant them the library's tables; only
    members may connect to the database. Returns the group names."""
    from psycopg import sql

    def init(conn: Any) -> tuple[str, str]:
        (database,) = conn.execute("SELECT current_database()").fetchone()
        writers, readers = groups(database)
        for group in (writers, readers):
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (group,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(group)))
        db, w, r = sql.Identifier(database), sql.Identifier(writers), sql.Identifier(readers)
        for stmt in (
            "REVOKE ALL ON DATABASE {db} FROM PUBLIC",
            "GRANT CONNECT ON DATABASE {db} TO {w}, {r}",
            "GRANT USAGE ON SCHEMA public TO {w}, {r}",
            "GRANT SELECT ON ALL TABLES IN SCHEMA public TO {w}, {r}",
            "GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {w}",
            "REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {w}",
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {w}",
            # Citation keys are derived data made on first export: every member may store them.
            "GRANT INSERT, UPDATE ON citation_keys TO {r}",
            # Star and read are personal: a reader keeps their own (member_marks, each
            # member's rows only: the policy below) and logs them in the feed (its own
            # ``star``/``read`` rows only: the trigger below), so their other clients follow.
            "GRANT INSERT, UPDATE, DELETE ON member_marks TO {r}",
            "GRANT INSERT ON changes TO {r}",
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}",
            "ALTER TABLE member_marks ENABLE ROW LEVEL SECURITY",
            "DROP POLICY IF EXISTS own_marks ON member_marks",
            "CREATE POLICY own_marks ON member_marks USING (member = current_user) "
            "WITH CHECK (member = current_user)",
            FEED_GUARD,
            "DROP TRIGGER IF EXISTS feed_guard ON changes",
            "CREATE TRIGGER feed_guard BEFORE INSERT ON changes FOR EACH ROW "
            "EXECUTE FUNCTION paperdesk_feed_guard()",
        ):
            conn.execute(sql.SQL(stmt).format(db=db, w=w, r=r))
        return writers, readers

    return _run(engine, init)  # type: ignore[no-any-return]


def add_member(engine: Engine, name: str, read_only: bool) -> Member:
    """A login role ``name`` (created if missing) in the writers' or the readers' group
    (and out of the other). Its password, if the server wants one, is the admin's to set
    (``\\password NAME`` in psql); Paperdesk never handles it."""
    from psycopg import sql

    def add(conn: Any) -> Member:
        (database,) = conn.execute("SELECT current_database()").fetchone()
        writers, readers = groups(database)
        join, leave = (readers, writers) if read_only else (writers, readers)
        role = sql.Identifier(name)
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(role))
        conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(join), role))
        if conn.execute(
            "SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "JOIN pg_roles r ON r.oid = m.member WHERE g.rolname = %s AND r.rolname = %s",
            (leave, name),
        ).fetchone():
            conn.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(leave), role))
        return Member(name, read_only)

    return _run(engine, add)  # type: ignore[no-any-return]


def members(engine: Engine) -> list[Member]:
    """Every member of the library's two groups, by name."""

    def ask(conn: Any) -> list[Member]:
        (database,) = conn.execute("SELECT current_database()").fetchone()
        writers, readers = groups(database)
        rows = conn.execute(
            "SELECT r.rolname, bool_and(g.rolname = %s) FROM pg_auth_members m "
            "JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member "
            "WHERE g.rolname IN (%s, %s) GROUP BY r.rolname ORDER BY r.rolname",
            (readers, writers, readers),
        ).fetchall()
        return [Member(name, bool(ro)) for name, ro in rows]

    return _run(engine, ask)  # type: ignore[no-any-return]
