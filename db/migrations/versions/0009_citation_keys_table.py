"""Citation keys in a table of their own (issue 12): ``citation_keys`` (a paper's id, its
key; unique; deleted with the paper) replaces ``papers.citation_key``. Storing a library's
keys on its first export then writes 100,000 narrow rows, not every paper's whole row
again. Existing keys are copied over.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "citation_keys",
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["papers.id"],
            name=op.f("fk_citation_keys_paper_id_papers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("paper_id", name=op.f("pk_citation_keys")),
        sa.UniqueConstraint("key", name=op.f("uq_citation_keys_key")),
    )
    op.execute(
        "INSERT INTO citation_keys (paper_id, key) "
        "SELECT id, citation_key FROM papers WHERE citation_key IS NOT NULL ORDER BY id"
    )
    with op.batch_alter_table("papers") as batch_op:
        batch_op.drop_index(op.f("ix_papers_citation_key"))
        batch_op.drop_column("citation_key")


def downgrade() -> None:
    with op.batch_alter_table("papers") as batch_op:
        batch_op.add_column(sa.Column("citation_key", sa.String(200), nullable=True))
        batch_op.create_index(op.f("ix_papers_citation_key"), ["citation_key"], unique=True)
    op.execute(
        "UPDATE papers SET citation_key = "
        "(SELECT key FROM citation_keys WHERE citation_keys.paper_id = papers.id)"
    )
    op.drop_table("citation_keys")
