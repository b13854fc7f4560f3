"""SQLAlchemy models of a Paperdesk library.

Portable SQL only: SQLite specifics live in :mod:`db.engine`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names, so that Alembic migrations can refer to them on any backend.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

TAG_NAME_MAX = 64
MEMBER_MAX = 63  # a PostgreSQL role name (NAMEDATALEN - 1)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


paper_tags = Table(
    "paper_tags",
    Base.metadata,
    Column("paper_id", ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    # The member who put the tag on the paper (a team library; NULL in a personal one).
    Column("tagged_by", String(MEMBER_MAX), nullable=True),
    Index("ix_paper_tags_tag_id", "tag_id"),
)


class Paper(Base):
    """One research paper: the same arXiv id, or without one the same normalised title
    (``title_key``), merges into the same row."""

    __tablename__ = "papers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    # Normalised title (NFKC, case-folded, punctuation collapsed): one paper per work.
    # Its unique index doubles as the index for sorting by title.
    title_key: Mapped[str] = mapped_column(String(1000), unique=True)
    abstract: Mapped[str] = mapped_column(Text, default="")
    authors_count: Mapped[int | None] = mapped_column(Integer, index=True)
    organization: Mapped[str | None] = mapped_column(String(300), index=True)
    published: Mapped[date | None] = mapped_column(Date, index=True)
    # Counts as the most recent capture showed them; None = the form did not show it.
    upvotes: Mapped[int | None] = mapped_column(Integer, index=True)
    url: Mapped[str | None] = mapped_column(String(2000))
    # URLs found in the abstract, newline-separated (kept as text: portable and compact).
    links: Mapped[str] = mapped_column(Text, default="")
    # The arXiv id (``2510.04618``): with it, the same id is the same paper in any form.
    arxiv_id: Mapped[str | None] = mapped_column(String(40), unique=True, index=True)
    # Author names in order, as a JSON list (``authors_count`` may exceed its length).
    authors: Mapped[str | None] = mapped_column(Text)
    organization_id: Mapped[str | None] = mapped_column(String(300))  # the Hub's name
    listed_on: Mapped[date | None] = mapped_column(Date, index=True)  # on Daily Papers
    comments: Mapped[int | None] = mapped_column(Integer, index=True)
    submitted_by: Mapped[str | None] = mapped_column(String(300))
    ai_summary: Mapped[str | None] = mapped_column(Text)  # generated, kept apart
    ai_keywords: Mapped[str | None] = mapped_column(Text)  # JSON list
    github: Mapped[str | None] = mapped_column(String(2000))
    github_stars: Mapped[int | None] = mapped_column(Integer)
    project_page: Mapped[str | None] = mapped_column(String(2000))
    starred: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    read: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    added_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    # In the Trash since (NULL: not trashed); trashed papers are out of every view.
    trashed_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    # JSON list of the fields the user edited (details editor): imports never overwrite them.
    edited_fields: Mapped[str | None] = mapped_column(Text)

    tags: Mapped[list[Tag]] = relationship(secondary=paper_tags, back_populates="papers")
    note: Mapped[Note | None] = relationship(
        back_populates="paper", cascade="all, delete-orphan", uselist=False
    )

    __table_args__ = (
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        CheckConstraint("upvotes >= 0", name="upvotes_not_negative"),
        CheckConstraint(
            "authors_count IS NULL OR authors_count > 0", name="authors_count_positive"
        ),
        CheckConstraint("comments IS NULL OR comments >= 0", name="comments_not_negative"),
        CheckConstraint(
            "github_stars IS NULL OR github_stars >= 0", name="github_stars_not_negative"
        ),
    )


class Tag(Base):
    """A user's tag; names are unique without regard to case (``name_key``)."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(TAG_NAME_MAX))
    name_key: Mapped[str] = mapped_column(String(TAG_NAME_MAX), unique=True)
    color: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    papers: Mapped[list[Paper]] = relationship(secondary=paper_tags, back_populates="tags")

    __table_args__ = (CheckConstraint("length(trim(name)) > 0", name="name_not_empty"),)


class Note(Base):
    """One Markdown note per paper, stored exactly as typed."""

    __tablename__ = "notes"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime)  # when it was last saved
    # Who saved it last (a team library; NULL in a personal one), and a counter that every
    # save raises: a save based on an older version is a conflict, never an overwrite.
    note_by: Mapped[str | None] = mapped_column(String(MEMBER_MAX))
    version: Mapped[int] = mapped_column(Integer, default=1)

    paper: Mapped[Paper] = relationship(back_populates="note")


class CitationKey(Base):
    """A paper's citation key (``tian2024scicode``): made once, then never changed by
    imports or metadata edits. A table of its own: storing 100,000 keys writes these narrow
    rows, not every paper's whole row (abstract included) again."""

    __tablename__ = "citation_keys"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    # Unique as stored; unique without regard to case is checked where keys are made.
    key: Mapped[str] = mapped_column(String(200), unique=True)


class ImportRecord(Base):
    """One imported file: what it was and what it brought."""

    __tablename__ = "import_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(1000))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime)
    as_of: Mapped[date] = mapped_column(Date)
    papers_new: Mapped[int] = mapped_column(Integer, default=0)
    papers_merged: Mapped[int] = mapped_column(Integer, default=0)
    papers_unchanged: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        CheckConstraint(
            "papers_new >= 0 AND papers_merged >= 0 AND papers_unchanged >= 0",
            name="counts_not_negative",
        ),
    )


class SavedSearch(Base):
    """A named query (and sidebar view) the user can return to."""

    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    query: Mapped[str] = mapped_column(Text)
    view: Mapped[str] = mapped_column(String(50), default="all")
    created_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (CheckConstraint("length(trim(name)) > 0", name="name_not_empty"),)


# Every kind of change-feed row (app.store.changes groups them for views).
CHANGE_KINDS = (
    "add",
    "merge",
    "tag",
    "note",
    "star",
    "read",
    "delete",
    "tags",
    "color",
    "edit",
    "trash",
    "restore",
)


class Change(Base):
    """The change feed: one row per committed change that a window or the index shows.

    ``paper_id`` is null for library-wide changes (a tag created, renamed, merged or
    deleted: ``tags``; a tag's colour: ``color``).
    """

    __tablename__ = "changes"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    paper_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTime)
    member: Mapped[str | None] = mapped_column(String(MEMBER_MAX))  # who (team library)

    __table_args__ = (
        CheckConstraint(
            f"kind IN ({', '.join(repr(k) for k in CHANGE_KINDS)})",
            name="kind_known",
        ),
    )


class TagRename(Base):
    """A tag's former name: ``old_key`` (a name key no tag has now) names tag ``tag_id``
    since ``renamed_at``, so a member still tagging with the old name for a while (they
    had not seen the rename) tags the renamed tag (``app.store.tags.resolve``)."""

    __tablename__ = "tag_renames"

    old_key: Mapped[str] = mapped_column(String(TAG_NAME_MAX), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"))
    renamed_at: Mapped[datetime] = mapped_column(DateTime)


class MemberMark(Base):
    """A team member's own star and read state of a paper (PostgreSQL only: a personal
    library keeps them in ``papers.starred`` and ``papers.read``). No row: neither."""

    __tablename__ = "member_marks"

    member: Mapped[str] = mapped_column(String(MEMBER_MAX), primary_key=True)
    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    starred: Mapped[bool] = mapped_column(Boolean, default=False)
    read: Mapped[bool] = mapped_column(Boolean, default=False)


class KeptExport(Base):
    """An export file kept up to date: rewritten after each change that alters it."""

    __tablename__ = "kept_exports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(4000), unique=True)
    format: Mapped[str] = mapped_column(String(20))
    selection: Mapped[str] = mapped_column(Text)  # JSON: tags, match, query, starred, title
    created_at: Mapped[datetime] = mapped_column(DateTime)
    written_at: Mapped[datetime | None] = mapped_column(DateTime)
    content_hash: Mapped[str | None] = mapped_column(String(64))  # sha256 of what was written
    papers: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)  # the last failure, None once written


class Meta(Base):
    """Small key/value facts about the library (e.g. last daily backup)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
