"""Each member's own star and read state.

A personal (SQLite) library keeps them in ``papers.starred``/``papers.read``; a team
(PostgreSQL) library in ``member_marks``, keyed by the connected role (``current_user``).
:data:`STARRED` and :data:`READ` are SQL expressions that compile to the right one for
either backend, so the queries of ``app.store`` are written once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Boolean, select, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from db.models import MemberMark, Paper

CHUNK = 20_000


class PersonalFlag(ColumnElement[bool]):
    """``papers.<column>`` on SQLite; the connected member's mark on PostgreSQL."""

    type = Boolean()
    inherit_cache = True
    # Part of the statement cache key: star and read compile to different SQL.
    _traverse_internals = [("column", InternalTraversal.dp_string)]

    def __init__(self, column: str) -> None:
        self.column = column


@compiles(PersonalFlag)
def _flag_default(element: PersonalFlag, compiler: Any, **kw: Any) -> str:
    return compiler.process(getattr(Paper, element.column), **kw)


@compiles(PersonalFlag, "postgresql")
def _flag_server(element: PersonalFlag, compiler: Any, **kw: Any) -> str:
    paper = compiler.process(Paper.id, **kw)
    return (
        "EXISTS (SELECT 1 FROM member_marks WHERE member_marks.paper_id = "
        f"{paper} AND member_marks.member = current_user AND member_marks.{element.column})"
    )


STARRED: ColumnElement[bool] = PersonalFlag("starred")
READ: ColumnElement[bool] = PersonalFlag("read")


def flag(column: str) -> ColumnElement[bool]:
    return {"starred": STARRED, "read": READ}[column]


def set_flags(s: Session, ids: Sequence[int], column: str, value: bool) -> list[int]:
    """Set ``starred`` or ``read`` of ``ids`` for the connected member; returns the ids
    whose value really changed."""
    conn = s.connection()
    col = flag(column)
    changed: list[int] = []
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        changed += s.scalars(select(Paper.id).where(Paper.id.in_(chunk), col != value))
    if conn.dialect.name != "postgresql":
        for start in range(0, len(changed), CHUNK):
            chunk = changed[start : start + CHUNK]
            s.execute(update(Paper).where(Paper.id.in_(chunk)).values({column: value}))
        return changed
    from sqlalchemy.dialects.postgresql import insert

    member = s.scalar(select(_current_user()))
    for start in range(0, len(changed), CHUNK):
        rows = [
            {"member": member, "paper_id": p, "starred": False, "read": False, column: value}
            for p in changed[start : start + CHUNK]
        ]
        stmt = insert(MemberMark).values(rows)
        s.execute(
            stmt.on_conflict_do_update(
                index_elements=[MemberMark.member, MemberMark.paper_id],
                set_={column: getattr(stmt.excluded, column)},
            )
        )
    return changed


def _current_user() -> Any:
    from sqlalchemy import literal_column

    return literal_column("current_user")
