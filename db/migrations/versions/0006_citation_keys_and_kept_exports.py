"""Citation keys and kept-up-to-date exports (issue 12): ``papers.citation_key`` (made once
when a paper is first exported or shown, unique, never changed by imports) and the
``kept_exports`` table (one row per file that an export keeps current).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("papers") as batch_op:
        batch_op.add_column(sa.Column("citation_key", sa.String(200), nullable=True))
        batch_op.create_index(op.f("ix_papers_citation_key"), ["citation_key"], unique=True)
    op.create_table(
        "kept_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(4000), nullable=False),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("selection", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("written_at", sa.DateTime(), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=True),
        sa.Column("papers", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kept_exports")),
        sa.UniqueConstraint("path", name=op.f("uq_kept_exports_path")),
    )


def downgrade() -> None:
    op.drop_table("kept_exports")
    with op.batch_alter_table("papers") as batch_op:
        batch_op.drop_index(op.f("ix_papers_citation_key"))
        batch_op.drop_column("citation_key")
