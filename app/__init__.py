"""The application core, Qt-free: the Library facade, importers, search, exporters, CLI."""

from app.errors import PaperdeskError
from app.library import Library, PaperFilter

# Modules that attach to the facade register on import: daily backups and checks, and the
# search index, so that commits in every process (the window too) reach the index at once.
from app import maintenance, search  # noqa: E402,F401  isort: skip

__all__ = ["Library", "PaperFilter", "PaperdeskError"]
