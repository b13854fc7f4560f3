"""cite, key set, exports: citations of papers, their keys, and kept-up-to-date exports."""

from __future__ import annotations

import sys

from app.commands.args import paper_id
from app.commands.common import UsageError, command, emit_json


def _cite_setup(p):
    from app.export.cite import DEFAULT_STYLE, FORMATS, STYLES

    p.add_argument("ids", nargs="+", type=paper_id, metavar="ID", help="the papers to cite")
    p.add_argument(
        "--style", choices=tuple(STYLES), default=DEFAULT_STYLE, help="citation style (CSL)"
    )
    p.add_argument("--format", choices=FORMATS, default="text", help="text, html or md")


@command("cite", "print formatted citations of papers (CSL styles)", _cite_setup)
def cite(lib, args) -> int:
    from app.export.cite import formatted

    ids = lib.require(args.ids)
    lib.make_citation_keys(ids)
    for line in formatted(lib.papers(ids), args.style, args.format):
        print(line)
    return 0


def _key_setup(p):
    p.add_argument("action", choices=("set",), help="set: give a paper its citation key")
    p.add_argument("id", type=paper_id, metavar="ID")
    p.add_argument("key", metavar="KEY")


@command("key", "set a paper's citation key: key set ID KEY", _key_setup)
def key(lib, args) -> int:
    lib.set_citation_key(args.id, args.key)
    print(f"paper {args.id}: citation key {args.key.strip()}")
    return 0


def _exports_setup(p):
    p.add_argument("action", nargs="?", choices=("remove",), help="remove FILE's binding")
    p.add_argument("file", nargs="?", metavar="FILE")
    p.add_argument("--json", action="store_true")


@command("exports", "list kept-up-to-date exports; exports remove FILE", _exports_setup)
def exports(lib, args) -> int:
    if args.action == "remove":
        if not args.file:
            raise UsageError("exports remove: give the FILE whose binding to remove")
        if not lib.remove_kept_export(args.file):
            raise UsageError(f"{args.file}: is not a kept export (see 'paperdesk exports')")
        print(f"{args.file}: no longer kept up to date (the file stays)", file=sys.stderr)
        return 0
    if args.file:
        raise UsageError(f"unexpected argument {args.file!r}; did you mean 'exports remove'?")
    bindings = lib.kept_exports()
    if args.json:
        emit_json([b.to_json() for b in bindings])
        return 0
    for b in bindings:
        when = b.written_at.strftime("%Y-%m-%d %H:%M") if b.written_at else "never"
        state = f"error: {b.error}" if b.error else f"{b.papers} paper(s), written {when}"
        print(f"{b.path}  [{b.describe()}]  {state}")
    if not bindings:
        print("no kept exports ('export ... -o FILE --keep' makes one)", file=sys.stderr)
    return 0
