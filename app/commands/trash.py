"""trash, restore, empty-trash."""

from __future__ import annotations

from app.commands.args import paper_id
from app.commands.common import command
from app.records import plural


def _ids_setup(p):
    p.add_argument("ids", type=paper_id, nargs="+", metavar="ID")


@command("trash", "move papers to the Trash (out of every list, search and export)", _ids_setup)
def trash(lib, args) -> int:
    moved = lib.trash_papers(args.ids)
    print(f"{plural(len(moved), 'paper')} moved to the Trash ('paperdesk restore ID' undoes)")
    return 0


@command("restore", "bring papers back from the Trash", _ids_setup)
def restore(lib, args) -> int:
    back = lib.restore_papers(args.ids)
    print(f"{plural(len(back), 'paper')} restored from the Trash")
    return 0


def _empty_setup(p):
    p.add_argument("--yes", action="store_true", help="do not ask (for scripts)")


@command("empty-trash", "delete the papers in the Trash for good", _empty_setup)
def empty_trash(lib, args) -> int:
    import sys

    n = lib.trash_count()
    if n and not args.yes and sys.stdin.isatty():
        answer = input(f"Delete {plural(n, 'paper')} in the Trash for good? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing deleted")
            return 0
    gone = lib.empty_trash()
    print(f"{plural(int(gone), 'paper')} deleted for good")
    return 0
