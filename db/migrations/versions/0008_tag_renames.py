"""A tag's former names (issue 13): a member who tags with a name another member has just
renamed away tags the renamed tag, not a new one (``tag_renames``: the old name's key, the
tag it now names, when). Used by personal libraries too (two processes, one rename).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tag_renames",
        sa.Column("old_key", sa.String(64), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("renamed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_tag_renames_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("old_key", name=op.f("pk_tag_renames")),
    )


def downgrade() -> None:
    op.drop_table("tag_renames")
