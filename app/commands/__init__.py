"""Subcommands of the ``paperdesk`` command line, one module per area.

``COMMANDS`` lists them explicitly, in help order; a module only declares its commands
(``@command``), it registers nothing by being imported.
"""

from __future__ import annotations

from app.commands import annotate, browse, cite, export, maintain, search, team, trash, window
from app.commands.common import Command

MODULES = (annotate, browse, export, cite, maintain, search, trash, team, window)

COMMANDS: dict[str, Command] = {
    fn.command.name: fn.command
    for module in MODULES
    for fn in vars(module).values()
    if isinstance(getattr(fn, "command", None), Command)
}
