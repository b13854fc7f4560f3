"""gui: the main window (also what runs when no command is given)."""

from __future__ import annotations

from app.commands.args import paper_id
from app.commands.common import command, gui_launcher


def _gui_setup(p):
    p.add_argument("--screenshot", metavar="FILE", help="render the window to a PNG and exit")
    p.add_argument("--query", metavar="Q", help="start with this search")
    p.add_argument("--select", type=paper_id, metavar="ID", help="start with this paper selected")


@command("gui", "open the main window", _gui_setup)
def gui(lib, args) -> int:
    for name in ("screenshot", "query", "select"):
        if not hasattr(args, name):
            setattr(args, name, None)
    return gui_launcher()(lib, args)
