"""export: a tagged reading list (or any selection) in any export format; ``--keep`` keeps
the file up to date after every change that alters it."""

from __future__ import annotations

import sys

from app.commands import progress
from app.commands.common import UsageError, command


def _setup(p):
    from app.export import FORMATS

    p.add_argument("--tag", action="append", metavar="T", help="papers with this tag")
    p.add_argument(
        "--match", choices=("any", "all"), default="all", help="for several --tag (default all)"
    )
    p.add_argument("--query", metavar="Q", help="only papers the search finds, best first")
    p.add_argument("--saved", metavar="NAME", help="only papers a saved search finds")
    p.add_argument("--starred", action="store_true", help="only starred papers")
    p.add_argument("--format", required=True, choices=tuple(FORMATS), help="the file format")
    p.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (atomically); default: stdout"
    )
    p.add_argument(
        "--keep",
        action="store_true",
        help="with -o: keep FILE up to date after every change (see 'paperdesk exports')",
    )
    p.add_argument("--group-by-tag", action="store_true", help="md and html: one section per tag")
    p.add_argument("--title", help="heading of the md and html list (default: from the tags)")


def _saved_query(lib, name: str) -> str:
    for saved, query, _view in lib.saved_searches():
        if saved == name:
            return query
    raise UsageError(f"no saved search named {name!r}")


@command(
    "export", "export papers as md, csv, json, bibtex, biblatex, csl-json, ris or html", _setup
)
def export_(lib, args) -> int:
    from app.export import ExportOptions, Selection, export

    tags = tuple(args.tag or ())
    title = args.title or (
        "Reading list: " + (" or " if args.match == "any" else ", ").join(tags)
        if tags
        else "Reading list"
    )
    query = args.query
    if args.saved:
        if query:
            raise UsageError("--query and --saved cannot be used together")
        query = _saved_query(lib, args.saved)
    selection = Selection(tags=tags, match=args.match, starred=args.starred, query=query)
    options = ExportOptions(title=title, group_by_tag=args.group_by_tag)
    if args.keep:
        if not args.output:
            raise UsageError("--keep needs -o FILE: the file to keep up to date")
        binding = lib.keep_export(args.output, args.format, selection, options)
        print(
            f"exported {binding.papers} paper(s) to {binding.path}; kept up to date "
            "('paperdesk exports' lists it)",
            file=sys.stderr,
        )
        return 0
    with progress.bar("exporting", "papers", args.output and progress.wanted(args)) as update:
        result = export(lib, selection, args.format, args.output, options=options, progress=update)
    if result.path is not None:
        print(f"exported {result.count} paper(s) to {result.path}", file=sys.stderr)
    return 0
