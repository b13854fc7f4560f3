"""Team libraries on the real PostgreSQL test server (``PAPERDESK_TEST_PG``, a superuser
URL; scripts/test starts the server). Each test gets its own database and roles, named by
a uuid and dropped afterwards."""

from __future__ import annotations

import gc
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from tests.conftest import require
from tests.ui.conftest import open_window, settings_file  # noqa: F401  (the window tests')


def with_params(url: str, path: str | None = None, **params: str) -> str:
    """``url`` with its database (``path``) and query parameters replaced."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(params)
    # Built by hand: urlunsplit drops the "//" of an empty host (a Unix-socket URL).
    return f"{parts.scheme}://{parts.netloc}{path or parts.path}?{urlencode(query)}"


@dataclass
class TeamServer:
    """One test's database on the server: ``admin`` (the superuser's URL to it) and
    ``url(member)`` (a member's)."""

    admin_base: str
    database: str
    roles: list[str] = field(default_factory=list)

    @property
    def admin(self) -> str:
        return with_params(self.admin_base, f"/{self.database}")

    def url(self, member: str) -> str:
        return with_params(self.admin_base, f"/{self.database}", user=member)

    def role(self, name: str) -> str:
        """A unique role name for this test (roles are cluster-wide)."""
        full = f"{name}_{self.database[-8:]}"
        self.roles.append(full)
        return full


@pytest.fixture
def pg_admin() -> str:
    url = os.environ.get("PAPERDESK_TEST_PG", "")
    require("a PostgreSQL server", bool(url), "scripts/test starts one: PAPERDESK_TEST_PG")
    return url


@pytest.fixture
def server(pg_admin) -> Iterator[TeamServer]:
    import psycopg

    name = f"pdteam_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    srv = TeamServer(pg_admin, name)
    yield srv
    # A connection the test left open is closed here: left to the garbage collector, it
    # was reported (ResourceWarning, an error) in whichever later test freed it. Both
    # causes found were a window reading its library after the library closed (a queued
    # NOTIFY wake-up; a tag-suggestion search started after shutdown), both fixed.
    gc.collect()
    for c in gc.get_objects():
        if isinstance(c, psycopg.Connection) and not c.closed and name in repr(c):
            c.close()
    with psycopg.connect(pg_admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for role in [*srv.roles, f"{name}_writers", f"{name}_readers"]:
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.fixture
def team(server) -> TeamServer:
    """A team library made by ``team init`` (its admin: the superuser)."""
    from app.cli import main

    assert main(["team", "init", server.admin]) == 0
    return server


@pytest.fixture
def run(capsys):
    """``run(*argv)``: the CLI in this process; (exit code, stdout, stderr)."""
    from app.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run
