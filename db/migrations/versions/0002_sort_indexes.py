"""Indexes for sorting by author count and organisation.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("papers") as batch_op:
        batch_op.create_index("ix_papers_authors_count", ["authors_count"], unique=False)
        batch_op.create_index("ix_papers_organization", ["organization"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("papers") as batch_op:
        batch_op.drop_index("ix_papers_organization")
        batch_op.drop_index("ix_papers_authors_count")
