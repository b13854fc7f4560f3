"""export: a tagged reading list (or any selection) as md, csv, json, bibtex, ris, html."""

from __future__ import annotations

import sys

from app.commands.common import command


def _setup(p):
    from app.export import FORMATS

    p.add_argument("--tag", action="append", metavar="T", help="papers with this tag")
    p.add_argument(
        "--match", choices=("any", "all"), default="all", help="for several --tag (default all)"
    )
    p.add_argument("--query", metavar="Q", help="only papers the search finds, best first")
    p.add_argument("--starred", action="store_true", help="only starred papers")
    p.add_argument("--format", required=True, choices=tuple(FORMATS), help="the file format")
    p.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (atomically); default: stdout"
    )
    p.add_argument("--group-by-tag", action="store_true", help="md and html: one section per tag")
    p.add_argument("--title", help="heading of the md and html list (default: from the tags)")


@command("export", "export papers as md, csv, json, bibtex, ris or html", _setup)
def export_(lib, args) -> int:
    from app.export import ExportOptions, Selection, export

    tags = tuple(args.tag or ())
    title = args.title or (
        "Reading list: " + (" or " if args.match == "any" else ", ").join(tags)
        if tags
        else "Reading list"
    )
    selection = Selection(tags=tags, match=args.match, starred=args.starred, query=args.query)
    options = ExportOptions(title=title, group_by_tag=args.group_by_tag)
    result = export(lib, selection, args.format, args.output, options=options)
    if result.path is not None:
        print(f"exported {result.count} paper(s) to {result.path}", file=sys.stderr)
    return 0
