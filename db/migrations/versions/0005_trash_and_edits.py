"""Trash and user edits: ``papers.trashed_at`` (NULL: not in the Trash; indexed) and
``papers.edited_fields`` (a JSON list of the field names the user edited, which imports
never overwrite); the change feed learns kinds ``edit``, ``trash`` and ``restore``.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
# WAVE2: the chain is 0003 -> 0004 (issue 11's paper fields) -> 0005. On the wt-window
down_revision = "0004"
branch_labels = None
depends_on = None

_OLD = "kind IN ('add', 'merge', 'tag', 'note', 'star', 'read', 'delete', 'tags', 'color')"
_NEW = (
    "kind IN ('add', 'merge', 'tag', 'note', 'star', 'read', 'delete', 'tags', 'color', "
    "'edit', 'trash', 'restore')"
)


def upgrade() -> None:
    with op.batch_alter_table("papers") as batch_op:
        batch_op.add_column(sa.Column("trashed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("edited_fields", sa.Text(), nullable=True))
        batch_op.create_index(op.f("ix_papers_trashed_at"), ["trashed_at"])
    with op.batch_alter_table("changes") as batch_op:
        batch_op.drop_constraint(op.f("ck_changes_kind_known"), type_="check")
        batch_op.create_check_constraint("kind_known", _NEW)


def downgrade() -> None:
    op.execute("DELETE FROM changes WHERE kind IN ('edit', 'trash', 'restore')")
    with op.batch_alter_table("changes") as batch_op:
        batch_op.drop_constraint(op.f("ck_changes_kind_known"), type_="check")
        batch_op.create_check_constraint("kind_known", _OLD)
    with op.batch_alter_table("papers") as batch_op:
        batch_op.drop_index(op.f("ix_papers_trashed_at"))
        batch_op.drop_column("edited_fields")
        batch_op.drop_column("trashed_at")
