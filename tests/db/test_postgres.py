"""The models on a real PostgreSQL server (the team library's store), through psycopg 3.

``scripts/test`` starts a throw-away server and names it in ``PAPERDESK_TEST_PG`` (a libpq
URL); without one these tests are skipped, and fail in CI."""

from __future__ import annotations

import os
import uuid
from datetime import date, datetime

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from db import Base, Paper, Tag
from tests.conftest import require


@pytest.fixture
def pg_url() -> str:
    url = os.environ.get("PAPERDESK_TEST_PG", "")
    require("a PostgreSQL server", bool(url), "scripts/test starts one: PAPERDESK_TEST_PG")
    return url


@pytest.fixture
def pg_engine(pg_url):
    """An engine on a fresh schema of the test server, dropped afterwards."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    engine = create_engine(
        pg_url.replace("postgresql://", "postgresql+psycopg://", 1),
        connect_args={"options": f"-csearch_path={schema}"},
    )
    yield engine
    engine.dispose()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def test_the_server_answers(pg_url):
    import psycopg

    with psycopg.connect(pg_url) as conn:
        (version,) = conn.execute("SHOW server_version_num").fetchone()
    assert int(version) >= 120_000


def test_the_models_create_and_round_trip_a_paper(pg_engine):
    Base.metadata.create_all(pg_engine)
    now = datetime(2025, 10, 30, 12, 0, 0)
    with Session(pg_engine) as s:
        tag = Tag(name="To read", name_key="to read", created_at=now)
        s.add(
            Paper(
                title="Ünïcode — a paper",
                title_key="unicode a paper",
                abstract="x" * 10_000,
                published=date(2025, 10, 1),
                added_at=now,
                updated_at=now,
                tags=[tag],
            )
        )
        s.commit()
    with Session(pg_engine) as s:
        paper = s.scalars(select(Paper)).one()
        assert (paper.title, len(paper.abstract), paper.published) == (
            "Ünïcode — a paper",
            10_000,
            date(2025, 10, 1),
        )
        assert [t.name for t in paper.tags] == ["To read"]
        assert (paper.upvotes, paper.starred, paper.read) == (
            None,
            False,
            False,
        )  # upvotes unknown until a capture shows them
