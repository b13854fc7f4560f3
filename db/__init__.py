"""The store: SQLAlchemy models, engine and migrations. Imports nothing of ours."""

from db.engine import SchemaTooNew, make_engine, read_session, upgrade, write_session
from db.models import (
    Base,
    Change,
    ImportRecord,
    KeptExport,
    Meta,
    Note,
    Paper,
    SavedSearch,
    Tag,
    paper_tags,
)

__all__ = [
    "Base",
    "Change",
    "ImportRecord",
    "KeptExport",
    "Meta",
    "Note",
    "Paper",
    "SavedSearch",
    "SchemaTooNew",
    "Tag",
    "make_engine",
    "paper_tags",
    "read_session",
    "upgrade",
    "write_session",
]
