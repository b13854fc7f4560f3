"""The store: SQLAlchemy models, engine and migrations. Imports nothing of ours."""

from db import personal
from db.engine import SchemaTooNew, is_url, make_engine, read_session, upgrade, write_session
from db.models import (
    Base,
    Change,
    CitationKey,
    ImportRecord,
    KeptExport,
    MemberMark,
    Meta,
    Note,
    Paper,
    SavedSearch,
    Tag,
    TagRename,
    paper_tags,
)

__all__ = [
    "Base",
    "Change",
    "CitationKey",
    "ImportRecord",
    "KeptExport",
    "MemberMark",
    "Meta",
    "Note",
    "Paper",
    "SavedSearch",
    "SchemaTooNew",
    "Tag",
    "TagRename",
    "is_url",
    "make_engine",
    "paper_tags",
    "personal",
    "read_session",
    "upgrade",
    "write_session",
]
