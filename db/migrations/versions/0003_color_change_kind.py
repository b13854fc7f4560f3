"""The change feed learns kind ``color``: a tag's colour changed (nothing to re-index).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_OLD = "kind IN ('add', 'merge', 'tag', 'note', 'star', 'read', 'delete', 'tags')"
_NEW = "kind IN ('add', 'merge', 'tag', 'note', 'star', 'read', 'delete', 'tags', 'color')"


def upgrade() -> None:
    with op.batch_alter_table("changes") as batch_op:
        batch_op.drop_constraint(op.f("ck_changes_kind_known"), type_="check")
        batch_op.create_check_constraint("kind_known", _NEW)


def downgrade() -> None:
    op.execute("DELETE FROM changes WHERE kind = 'color'")
    with op.batch_alter_table("changes") as batch_op:
        batch_op.drop_constraint(op.f("ck_changes_kind_known"), type_="check")
        batch_op.create_check_constraint("kind_known", _OLD)
