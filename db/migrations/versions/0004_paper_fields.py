"""Issue 11's paper fields; the old text reader's trailing numbers become comment counts.

Before 0004 every number in ``papers.upvotes`` came from one place: the text list reader,
which stored the number after a card's date (``Dec 26, 2023 1``) as upvotes, or 0 when the
date line had none (or there was no metadata block at all). A JSON backup only carried those
same numbers on. That number is the card's *comment* count (it links to ``#community``);
the upvote count (before the title) was never read. So, for every existing row:

- ``comments`` = the old ``upvotes`` where the paper's card showed a date line
  (``published`` is set: its trailing number, 0 when absent) or a non-zero number was
  stored; otherwise (a compact-layout paper without metadata) NULL = unknown;
- ``upvotes`` = NULL (unknown: no reader before 0004 saw it).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("papers") as batch_op:
        batch_op.add_column(sa.Column("arxiv_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("authors", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("organization_id", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("listed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("comments", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("submitted_by", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("ai_summary", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("ai_keywords", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("github", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("github_stars", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("project_page", sa.String(length=2000), nullable=True))
        batch_op.alter_column("upvotes", existing_type=sa.Integer(), nullable=True)
        batch_op.create_index("ix_papers_arxiv_id", ["arxiv_id"], unique=True)
        batch_op.create_index("ix_papers_comments", ["comments"], unique=False)
        batch_op.create_index("ix_papers_listed_on", ["listed_on"], unique=False)
        batch_op.create_check_constraint(
            "comments_not_negative", "comments IS NULL OR comments >= 0"
        )
        batch_op.create_check_constraint(
            "github_stars_not_negative", "github_stars IS NULL OR github_stars >= 0"
        )
    op.execute(
        "UPDATE papers SET comments = CASE WHEN published IS NOT NULL OR upvotes > 0 "
        "THEN upvotes END, upvotes = NULL"
    )


def downgrade() -> None:
    # The old schema's "upvotes" held what is now ``comments`` (0 when unknown).
    op.execute("UPDATE papers SET upvotes = COALESCE(comments, 0)")
    with op.batch_alter_table("papers") as batch_op:
        batch_op.drop_constraint(op.f("ck_papers_github_stars_not_negative"), type_="check")
        batch_op.drop_constraint(op.f("ck_papers_comments_not_negative"), type_="check")
        batch_op.drop_index("ix_papers_listed_on")
        batch_op.drop_index("ix_papers_comments")
        batch_op.drop_index("ix_papers_arxiv_id")
        batch_op.alter_column("upvotes", existing_type=sa.Integer(), nullable=False)
        for name in (
            "project_page",
            "github_stars",
            "github",
            "ai_keywords",
            "ai_summary",
            "submitted_by",
            "comments",
            "listed_on",
            "organization_id",
            "authors",
            "arxiv_id",
        ):
            batch_op.drop_column(name)
