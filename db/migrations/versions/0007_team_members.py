"""The team library (issue 13): who made each change (``changes.member``), who tagged a
paper (``paper_tags.tagged_by``), who saved a note and its version (``notes.note_by``,
``notes.version``: a save over an unseen version is a conflict), and each member's own
star and read state (``member_marks``, used on PostgreSQL only). A personal (SQLite)
library behaves as before: the new columns stay NULL (notes at version 1) and its star and
read state stay in ``papers``.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("changes") as batch_op:
        batch_op.add_column(sa.Column("member", sa.String(63), nullable=True))
    with op.batch_alter_table("paper_tags") as batch_op:
        batch_op.add_column(sa.Column("tagged_by", sa.String(63), nullable=True))
    with op.batch_alter_table("notes") as batch_op:
        batch_op.add_column(sa.Column("note_by", sa.String(63), nullable=True))
        batch_op.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
    op.create_table(
        "member_marks",
        sa.Column("member", sa.String(63), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("starred", sa.Boolean(), nullable=False),
        sa.Column("read", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"],
            ["papers.id"],
            name=op.f("fk_member_marks_paper_id_papers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member", "paper_id", name=op.f("pk_member_marks")),
    )


def downgrade() -> None:
    op.drop_table("member_marks")
    with op.batch_alter_table("notes") as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_column("note_by")
    with op.batch_alter_table("paper_tags") as batch_op:
        batch_op.drop_column("tagged_by")
    with op.batch_alter_table("changes") as batch_op:
        batch_op.drop_column("member")
