"""tag, note, star/unstar, read/unread."""

from __future__ import annotations

from app.commands.args import paper_id
from app.commands.common import UsageError, command, emit_json, read_text_arg
from app.records import plural


def _tag_setup(p):
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, what in (("add", "add tags to papers"), ("remove", "remove tags from papers")):
        a = sub.add_parser(name, help=what, description=what)
        a.add_argument("ids", type=paper_id, nargs="+", metavar="ID")
        # "extend": ``-t a -t b`` (and ``-t a b``) means every tag given, not the last -t only.
        a.add_argument(
            "-t", "--tag", dest="tags", action="extend", nargs="+", required=True, metavar="TAG"
        )
    ls = sub.add_parser("list", help="every tag with its paper count")
    ls.add_argument("--json", action="store_true")
    rn = sub.add_parser("rename", help="rename a tag (refuses an existing name: use merge)")
    rn.add_argument("old")
    rn.add_argument("new")
    mg = sub.add_parser("merge", help="merge tag SOURCE into the existing tag TARGET")
    mg.add_argument("source")
    mg.add_argument("target")
    dl = sub.add_parser("delete", help="delete a tag from every paper")
    dl.add_argument("name")


@command("tag", "add, remove, list, rename, merge or delete tags", _tag_setup)
def tag(lib, args) -> int:
    if args.action == "add":
        change = lib.add_tags(args.ids, args.tags)
        print(f"{len(change.link)} tag(s) added")
    elif args.action == "remove":
        change = lib.remove_tags(args.ids, args.tags)
        print(f"{len(change.unlink)} tag(s) removed")
    elif args.action == "list":
        tags = lib.tags()
        if args.json:
            emit_json([t.to_json() for t in tags])
        else:
            for t in tags:
                print(f"{t.count:>7}  {t.name}")
    elif args.action == "rename":
        lib.tag_id(args.old)
        if lib.tag_exists(args.new) and lib.tag_id(args.new) != lib.tag_id(args.old):
            raise UsageError(
                f"a tag named {args.new!r} exists already; use 'tag merge {args.old} {args.new}'"
            )
        lib.rename_tag(args.old, args.new)
        print(f"renamed {args.old!r} to {args.new!r}")
    elif args.action == "merge":
        lib.tag_id(args.source)
        lib.tag_id(args.target)
        lib.rename_tag(args.source, args.target)
        print(f"merged {args.source!r} into {args.target!r}")
    elif args.action == "delete":
        n = lib.delete_tag(args.name)
        print(f"deleted {args.name!r} from {n} paper(s)")
    return 0


def _note_setup(p):
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    st = sub.add_parser("set", help="set a paper's note (empty text removes it)")
    st.add_argument("id", type=paper_id, metavar="ID")
    st.add_argument("text", nargs="?", metavar="TEXT", help="the note, or - for standard input")
    st.add_argument("--file", metavar="F", help="read the note from a UTF-8 file")
    st.add_argument(
        "--version",
        type=int,
        metavar="N",
        help="the note version you saw ('note show --json'): another member's newer save "
        "is then a conflict, never overwritten",
    )
    sh = sub.add_parser("show", help="print a paper's note")
    sh.add_argument("id", type=paper_id, metavar="ID")
    sh.add_argument("--json", action="store_true")


@command("note", "set or show a paper's Markdown note", _note_setup)
def note(lib, args) -> int:
    if args.action == "set":
        if args.file is not None and args.text is not None:
            raise UsageError("give the note text or --file, not both")
        text = read_text_arg(args.text, args.file)
        lib.set_note(args.id, text, args.version)
        if text:
            print(f"note of paper {args.id} saved ({plural(len(text), 'character')})")
        else:
            print(f"note of paper {args.id} removed")
    else:
        info = lib.note_info(args.id)
        body = info.body
        if args.json:
            out = {"id": args.id, "note": body, "version": info.version}
            if info.by is not None:
                out["note_by"] = info.by
                out["note_at"] = info.at.isoformat() if info.at else None
            emit_json(out)
        elif body:
            print(body)
    return 0


def _ids_setup(p):
    p.add_argument("ids", type=paper_id, nargs="+", metavar="ID")


def _flag_command(name: str, help: str, attr: str, value: bool):
    @command(name, help, _ids_setup)
    def run(lib, args) -> int:
        changed = getattr(lib, attr)(args.ids, value)
        print(f"{len(changed)} paper(s) changed")
        return 0

    return run


star = _flag_command("star", "star papers", "set_starred", True)
unstar = _flag_command("unstar", "unstar papers", "set_starred", False)
read = _flag_command("read", "mark papers read", "set_read", True)
unread = _flag_command("unread", "mark papers unread", "set_read", False)
