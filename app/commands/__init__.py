"""Subcommands of the ``paperdesk`` command line, one module per area."""

from app.commands import annotate, browse, export, maintain, search, window  # noqa: F401
