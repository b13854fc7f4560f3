"""Engine, sessions and schema upgrades for a library's SQLite file or PostgreSQL server.

Everything SQLite-specific (pragmas, WAL, the backup API) stays in this module; the
PostgreSQL specifics (connecting through libpq, the feed's advisory lock and NOTIFY) are
here and in :mod:`db.team` (roles) and :mod:`db.listen` (LISTEN).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 15_000


class SchemaTooNew(Exception):
    """The file was written by a newer Paperdesk (an unknown schema revision)."""


def _on_connect(dbapi_conn, _record) -> None:
    # Let SQLAlchemy manage transactions, but begin them ourselves (see _on_begin), so that
    # writers take the lock up front instead of failing to upgrade a read lock later.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA journal_mode = WAL")
    # WAL + NORMAL is durable against process crashes (only an OS crash may lose the
    # last transactions); FULL for safety of notes against power loss too.
    cur.execute("PRAGMA synchronous = FULL")
    cur.execute("PRAGMA cache_size = -65536")
    cur.close()


def _on_begin(conn) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")


URL_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")
# The channel LISTEN/NOTIFY wakes clients on (a commit that appended feed rows).
FEED_CHANNEL = "paperdesk_feed"


def is_url(target: object) -> bool:
    """Whether ``target`` names a PostgreSQL server (a libpq URL), not a folder."""
    return isinstance(target, str) and target.startswith(URL_SCHEMES)


def libpq_url(url: str) -> str:
    """``url`` as libpq reads it (SQLAlchemy's ``+psycopg`` spelling removed)."""
    for scheme in URL_SCHEMES:
        if url.startswith(scheme):
            return "postgresql://" + url[len(scheme) :]
    return url


def make_engine(path: Path | str) -> Engine:
    """An engine on the SQLite file ``path`` (WAL, foreign keys, a busy timeout), or on
    the PostgreSQL server a ``postgresql://`` URL names."""
    if is_url(path):
        return _server_engine(str(path))
    engine = create_engine(f"sqlite:///{path}", future=True)
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


def _server_engine(url: str) -> Engine:
    """PostgreSQL through psycopg 3. libpq itself parses the URL, so its service files,
    ``PGPASSFILE``, ``PGSSLMODE`` and every URL parameter work, and Paperdesk never sees or
    stores a password. ``pool_pre_ping``: after a server restart the next use reconnects."""
    import psycopg

    conninfo = libpq_url(url)

    def connect() -> Any:
        # Client-side binding: a merge's probe ``title_key IN (… 20,000 values …)`` then
        # reaches the server as constants, which PostgreSQL hashes; as 20,000 bound
        # parameters it compares each row with each one (100k papers: minutes, not seconds).
        return psycopg.connect(
            conninfo,
            application_name="paperdesk",
            connect_timeout=10,
            cursor_factory=psycopg.ClientCursor,
        )

    return create_engine(
        "postgresql+psycopg://", creator=connect, pool_pre_ping=True, pool_size=4, future=True
    )


def is_server(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


# Alembic is imported where it is used: it loads every dialect's DDL module (PostgreSQL's
# included) and Mako, which a bulk index worker reading a SQLite file never needs.


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(None))  # type: ignore[arg-type]
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, before_migration=None) -> None:
    """Bring the schema to head; refuse a file from a newer version.

    ``before_migration`` is called (e.g. to take a backup) when an existing, non-empty
    library is about to be migrated.
    """
    from alembic import command
    from alembic.script import ScriptDirectory

    cfg = alembic_config(engine)
    script = ScriptDirectory.from_config(cfg)
    current = current_revision(engine)
    head = script.get_current_head()
    if current == head:
        return
    if current is not None:
        try:
            script.get_revision(current)
        except Exception as exc:
            raise SchemaTooNew(
                f"schema revision {current} is newer than this Paperdesk knows"
            ) from exc
        if before_migration is not None:
            before_migration()
    command.upgrade(cfg, "head")


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reading; its transaction is a consistent snapshot (on PostgreSQL:
    repeatable read, so a read in chunks never mixes two states of the library)."""
    if is_server(engine):
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with Session(bind=conn, expire_on_commit=False) as session:
                yield session
        return
    with Session(engine, expire_on_commit=False) as session:
        yield session


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session that takes SQLite's write lock at BEGIN and commits only on success."""
    with engine.connect() as conn:
        conn.info["write"] = True
        try:
            with Session(bind=conn, expire_on_commit=False) as session:
                session.begin()
                try:
                    lock_writes(session)
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        finally:
            conn.info.pop("write", None)


# A bulk import's page cache (KiB): bounded, so a million-paper restore stays under its
# memory budget; measured, 16 MB inserts as fast as 64 MB (the WAL takes the spilled pages).
BULK_CACHE_KIB = 16_384


def bulk_import_pragmas(session: Session) -> None:
    """Bound the session's SQLite page cache (:data:`BULK_CACHE_KIB`) for one large import,
    until its transaction ends (then the connection's own setting is put back). The import
    stays one transaction: all or nothing. Elsewhere than SQLite this does nothing."""
    conn = session.connection()
    if conn.dialect.name != "sqlite" or conn.info.get("bulk"):
        return
    raw: Any = conn.connection.driver_connection
    cache = raw.execute("PRAGMA cache_size").fetchone()[0]
    raw.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    conn.info["bulk"] = True

    def restore(_session: Session) -> None:  # once (the write session ends with it)
        if conn.info.pop("bulk", None):
            raw.execute(f"PRAGMA cache_size = {int(cache)}")

    event.listen(session, "after_commit", restore)
    event.listen(session, "after_rollback", restore)


@contextmanager
def indexes_built_after(session: Session, tables: tuple[str, ...]) -> Iterator[None]:
    """Drop the non-unique indexes of ``tables`` for the block, then create them again, all
    in the session's transaction: a bulk insert into an empty table, then one sort per index,
    costs far less than keeping ten indexes up to date row by row. The unique indexes stay
    (they keep the rows unique, and lookups by them fast). If the block raises, nothing is
    created again: the caller's rollback (or savepoint's) brings the indexes back, so a failed
    import leaves the schema as it was. Elsewhere than SQLite this does nothing."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    marks = ", ".join("?" for _ in tables)
    found = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        f" AND tbl_name IN ({marks}) ORDER BY name",
        tuple(tables),
    ).all()
    dropped = [(n, sql) for n, sql in found if not sql.lstrip().upper().startswith("CREATE UNIQUE")]
    for name, _sql in dropped:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    for _name, sql in dropped:
        conn.exec_driver_sql(sql)


# Any fixed 64-bit number, the same in every client: the key of the feed's append lock.
FEED_LOCK_KEY = 0x70617065_72666565  # "paperfee"


def lock_feed(session: Session) -> None:
    """Hold the change feed's append lock until the session's transaction ends.

    The feed's readers rely on rows committing in ``seq`` order (see ``app.store.feed``).
    On SQLite that is given: a write transaction begins with ``BEGIN IMMEDIATE`` and holds
    the database's one write lock to its end. On PostgreSQL, sequence values commit out of
    order unless appends are serialised: a transaction-scoped advisory lock, released by
    the commit (or rollback) itself.
    """
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({FEED_LOCK_KEY})")
        # Delivered at commit only (never for a rollback), once however many rows: wakes
        # the other members' clients, which then read the feed after their cursor.
        conn.exec_driver_sql(f"NOTIFY {FEED_CHANNEL}")


def lock_writes(session: Session) -> None:
    """On PostgreSQL, take the feed's append lock at the start of a write transaction, so
    that writes run one at a time as on SQLite (``BEGIN IMMEDIATE``): each statement of a
    read-committed transaction then sees every write committed before it began, and a
    check-then-write (a tag's papers, a note's version) cannot race another member's."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({FEED_LOCK_KEY})")


def insert_new(session: Session, table: Any) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` for ``table`` (SQLite and PostgreSQL alike):
    a row another writer inserted first is kept, never an error (tags are set
    operations)."""
    if session.connection().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()


def backup_to(engine: Engine, target: Path) -> None:
    """A consistent copy of the database through SQLite's online backup API.

    The copy is written to ``target.part`` — created new (``O_EXCL``: never through a
    link or over a file someone placed there) — then renamed; on any failure (a full disk)
    the partial copy is removed and ``target`` is untouched."""
    if is_server(engine):
        raise OSError(0, "a team library is backed up on its server (pg_dump), not by Paperdesk")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".part")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    os.close(os.open(tmp, flags, 0o600))
    try:
        raw = engine.raw_connection()
        try:
            dst = sqlite3.connect(tmp)
            try:
                raw.driver_connection.backup(dst)  # type: ignore[union-attr]
            finally:
                dst.close()
        finally:
            raw.close()
        tmp.replace(target)
    except BaseException:
        for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
            leftover.unlink(missing_ok=True)
        raise


def bulk_insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert many rows fast in the session's transaction.

    On SQLite this hands plain tuples to the driver's ``executemany`` (SQLAlchemy's
    per-row parameter processing costs more than SQLite's own work at 100k rows); values
    are stored in the same text forms SQLAlchemy's SQLite types use. Elsewhere it is an
    ordinary Core executemany.
    """
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        _copy_rows(conn, table, rows)
        return
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), rows)
        return
    names = list(rows[0])
    sql = (
        f'INSERT INTO "{table.name}" ({", ".join(f"{chr(34)}{n}{chr(34)}" for n in names)}) '
        f"VALUES ({', '.join('?' for _ in names)})"
    )
    # Column by column (one comprehension per column, then one zip), not a function call
    # per row; only the columns with a conversion are touched value by value, and a value
    # that repeats (one import time, few publication days) is converted once.
    columns: list[Any] = []
    for n in names:
        values = [row[n] for row in rows]
        fn = _SQLITE_TO_DB.get(type(table.c[n].type).__name__)
        if fn is not None:
            memo: dict[Any, Any] = {None: None}
            values = [memo[v] if v in memo else memo.setdefault(v, fn(v)) for v in values]
        columns.append(values)
    conn.exec_driver_sql(sql, list(zip(*columns, strict=True)))


def insert_each(
    session: Session, table: Any, column: str, values: list[Any], same: dict[str, Any]
) -> None:
    """Insert one row per value of ``values`` into ``column``, every row with the ``same``
    other columns (a feed row per paper). On SQLite this is one ``INSERT … SELECT`` over
    ``json_each`` of the values as one JSON array (the values must be JSON scalars), not an
    executemany of a statement per row; elsewhere :func:`bulk_insert`."""
    if not values:
        return
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        bulk_insert(session, table, [{column: v, **same} for v in values])
        return
    import orjson

    names = list(same)
    params = []
    for n in names:
        fn = _SQLITE_TO_DB.get(type(table.c[n].type).__name__)
        v = same[n]
        params.append(fn(v) if fn is not None and v is not None else v)
    cols = ", ".join(f'"{n}"' for n in (column, *names))
    marks = "".join(", ?" for _ in names)
    sql = f'INSERT INTO "{table.name}" ({cols}) SELECT value{marks} FROM json_each(?)'
    conn.exec_driver_sql(sql, (*params, orjson.dumps(values).decode()))


def _copy_rows(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL's COPY: many rows in one stream (an executemany of 100,000 INSERTs costs
    a round of parsing and planning each). Same transaction, same constraints."""
    names = list(rows[0])
    cols = ", ".join(f'"{n}"' for n in names)
    pick = itemgetter(*names)
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
        for row in rows:
            values = pick(row)
            copy.write_row((values,) if len(names) == 1 else values)


# The storage formats of SQLAlchemy's SQLite DATE/DATETIME types, so rows written here read
# back exactly like rows written through the ORM. ISO format, not strftime: "%Y" writes the
# year 999 as "999", which sorts after "2024" (and strftime is slower).
_SQLITE_TO_DB: dict[str, Any] = {
    "Date": date.isoformat,
    "DateTime": lambda t: t.isoformat(" ", "microseconds"),
    "Boolean": lambda b: 1 if b else 0,
}


def database_checks(engine: Engine) -> list[str]:
    """SQLite's own integrity and foreign-key checks; an empty list means all is well.
    (A PostgreSQL server keeps its own integrity: nothing to check from a client.)"""
    from sqlalchemy.exc import DBAPIError

    problems: list[str] = []
    if is_server(engine):
        return problems
    try:
        with engine.connect() as conn:
            rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
            if rows != ["ok"]:
                problems += [f"integrity: {r}" for r in rows[:20]]
            for table, rowid, parent, _fk in conn.exec_driver_sql("PRAGMA foreign_key_check"):
                problems.append(f"foreign key: {table} row {rowid} points to a missing {parent}")
    except DBAPIError as exc:
        problems.append(f"integrity: {str(exc.orig).splitlines()[0]}")
    return problems
