"""search, related, reindex."""

from __future__ import annotations

import sys

from app.commands.args import paper_id, positive_count
from app.commands.common import UsageError, command, emit_json


def _limit(p, default: int) -> None:
    p.add_argument(
        "--limit",
        type=positive_count,
        default=default,
        metavar="N",
        help=f"at most N hits (default {default})",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def _search_setup(p):
    p.add_argument("query", metavar="QUERY", help="what to find (see README: the query language)")
    p.add_argument(
        "--sort", choices=("relevance", "date", "upvotes"), default="relevance", help="hit order"
    )
    _limit(p, 50)


def _check_limit(n: int) -> None:
    if n < 0:
        raise UsageError("--limit must be 0 or more")


def _hits_json(lib, result) -> list[dict]:
    titles = {p.id: p.title for p in lib.papers(result.ids)}
    return [
        {
            "id": h.paper_id,
            "title": titles.get(h.paper_id, ""),
            "score": round(h.score, 4),
            "highlights": h.highlights,
        }
        for h in result.hits
    ]


def _print(lib, result) -> None:
    from app.commands.common import paper_line
    from app.search.results import plain_text

    if result.note:
        print(f"paperdesk: {result.note}", file=sys.stderr)
    papers = {p.id: p for p in lib.papers(result.ids)}
    for h in result.hits:
        if h.paper_id not in papers:  # deleted since the search ran
            continue
        print(paper_line(papers[h.paper_id]))
        if "abstract" in h.highlights:
            print("        " + plain_text(h.highlights["abstract"]))
    about = "" if result.total_is_exact else "about "
    print(f"{about}{result.total} match(es), {len(result.hits)} shown, {result.took_ms:.0f} ms")
    if result.suggestion:
        print(f"did you mean: {result.suggestion}")


@command("search", "full-text search of the library", _search_setup)
def search(lib, args) -> int:
    _check_limit(args.limit)
    result = lib.search(args.query, limit=args.limit, sort=args.sort)
    if args.json:
        emit_json(
            {
                "query": result.query,
                "total": result.total,
                "total_is_exact": result.total_is_exact,
                "took_ms": round(result.took_ms, 1),
                "suggestion": result.suggestion,
                "note": result.note,
                "hits": _hits_json(lib, result),
            }
        )
    else:
        _print(lib, result)
    return 0


def _related_setup(p):
    p.add_argument("id", type=paper_id, metavar="ID", help="the paper")
    _limit(p, 10)


@command("related", "papers most like a given one", _related_setup)
def related(lib, args) -> int:
    _check_limit(args.limit)
    result = lib.related(args.id, limit=args.limit)
    if args.json:
        emit_json(
            {"id": args.id, "took_ms": round(result.took_ms, 1), "hits": _hits_json(lib, result)}
        )
    else:
        _print(lib, result)
    return 0


@command("reindex", "rebuild the search index from the database")
def reindex(lib, args) -> int:
    from app.commands.progress import bar, wanted

    with bar("indexing", "papers", wanted(args)) as update:
        lib.reindex(lambda done, total: update(done, total))
    print(f"search index rebuilt: {lib.count()} papers")
    return 0
