"""The application core, Qt-free: the Library facade, importers, search, exporters, CLI."""

from app.errors import PaperdeskError
from app.library import Library, PaperFilter

# Modules that attach to the facade (daily backups, checks) register on import.
from app import maintenance  # noqa: E402,F401  isort: skip

__all__ = ["Library", "PaperFilter", "PaperdeskError"]
