"""The application core, Qt-free: the Library facade, importers, search, exporters, CLI."""

from app.errors import PaperdeskError
from app.library import Library, PaperFilter

__all__ = ["Library", "PaperFilter", "PaperdeskError"]
