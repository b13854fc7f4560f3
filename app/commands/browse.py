"""import, list, show."""

from __future__ import annotations

import sys

from app.commands.args import count, paper_id
from app.commands.common import (
    command,
    emit_json,
    emit_json_list,
    filter_from,
    paper_line,
    paper_text,
    parse_day,
)


def _import_setup(p):
    p.add_argument("files", nargs="+", metavar="FILE", help="saved Daily Papers pages")
    p.add_argument(
        "--as-of",
        type=parse_day,
        metavar="YYYY-MM-DD",
        help="day the pages were saved: dates without a year are taken as the most recent "
        "such day not after it (default: today)",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")


@command("import", "import saved Daily Papers pages", _import_setup)
def import_(lib, args) -> int:
    from app.commands.progress import bar, wanted

    n = len(args.files)
    with bar("importing", "papers read", wanted(args)) as update:

        def progress(done: int, files: int, papers: int) -> None:
            where = f"importing file {min(done + 1, files)} of {files}" if files > 1 else None
            update(papers, None, where)

        report = lib.import_files(args.files, as_of=args.as_of, progress=progress)
        if n and report.new:
            update(report.new + report.merged + report.unchanged, None, "indexing")
            lib.index.sync()  # inside the bar: the search index catching up takes a while
    if args.json:
        emit_json(report.to_json())
    else:
        for f in report.files:
            if f.status == "imported":
                merged = f"{f.merged} merged" + (f" ({f.enriched} enriched)" if f.enriched else "")
                print(f"{f.path}: {f.new} new, {merged}, {f.unchanged} unchanged")
        print(report.summary())
        # Nothing is dropped in silence: every block not imported, with its line and why.
        for line in report.skipped_lines():
            print(f"skipped: {line}")
    for f in report.refused:
        print(f"paperdesk: {f.path}: {f.reason}", file=sys.stderr)
    return 2 if report.refused else 0


def _list_setup(p):
    p.add_argument("--tag", action="append", metavar="T", help="only papers with this tag")
    p.add_argument("--match", choices=("any", "all"), default="all", help="for several --tag")
    p.add_argument("--starred", action="store_true", help="only starred papers")
    p.add_argument("--unread", action="store_true", help="only unread papers")
    p.add_argument("--trashed", action="store_true", help="the papers in the Trash instead")
    p.add_argument(
        "--sort",
        choices=("added", "published", "upvotes", "comments", "title", "arxiv_id"),
        default="added",
    )
    p.add_argument("--limit", type=count, metavar="N", help="at most N papers (default: all)")
    p.add_argument("--json", action="store_true")


@command("list", "list papers, newest first", _list_setup)
def list_(lib, args) -> int:
    if args.limit is not None and args.limit < 0:
        from app.commands.common import UsageError

        raise UsageError("--limit must be 0 or more")
    for t in args.tag or ():
        lib.tag_id(t)  # an unknown tag is a mistake, not an empty list
    descending = args.sort not in ("title", "arxiv_id")
    ids = lib.paper_ids(filter_from(args), args.sort, descending, args.limit)
    papers = lib.iter_papers(ids)  # streamed: a million papers are never held at once
    if args.json:
        emit_json_list(p.to_json() for p in papers)
    else:
        for p in papers:
            print(paper_line(p))
    return 0


def _show_setup(p):
    p.add_argument("id", type=paper_id, metavar="ID")
    p.add_argument("--json", action="store_true")


@command("show", "show one paper", _show_setup)
def show(lib, args) -> int:
    lib.make_citation_keys(lib.require([args.id]))  # a key is made when a paper is first shown
    paper = lib.get(args.id)
    if args.json:
        out = paper.to_json()
        if getattr(lib, "is_team", False):  # who tagged it and who saved its note, if known
            out["tagged_by"] = lib.tagged_by(args.id)
            note = lib.note_info(args.id)
            out["note_by"] = note.by
        emit_json(out)
    else:
        print(paper_text(paper))
    return 0
