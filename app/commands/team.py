"""``paperdesk team``: set up a team library on a PostgreSQL server and fill it.

``team init URL`` creates (or upgrades) the library and its two group roles;
``add-member NAME [--read-only]`` makes a login role a member; ``members`` lists them;
``push LOCAL-LIBRARY`` copies a personal library in through the ordinary import path
(papers merged by arXiv id and title; tags with their colours, notes, saved searches).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

from app.commands.common import UsageError, command, emit_json
from app.errors import LibraryError
from app.library import Library
from app.paths import ENV_LIBRARY
from app.records import plural


def _setup(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = sub.add_parser("init", help="create or upgrade a team library and its roles")
    init.add_argument("url", nargs="?", metavar="URL", help="postgresql://[user@]host/db")
    add = sub.add_parser("add-member", help="make a PostgreSQL login role a member")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--read-only", action="store_true", help="may browse, search, export")
    ls = sub.add_parser("members", help="list the members and what each may do")
    ls.add_argument("--json", action="store_true")
    push = sub.add_parser("push", help="copy a personal library into the team library")
    push.add_argument("local", metavar="LOCAL-LIBRARY", help="the personal library's folder")
    prune = sub.add_parser("prune", help="trim the change feed to its retention (e.g. daily)")
    prune.add_argument(
        "--days", type=int, default=None, metavar="N", help="keep N days (default 30)"
    )


def team_url(args: argparse.Namespace) -> str:
    """The team library's URL: ``team init URL``, else ``--library``/$PAPERDESK_LIBRARY."""
    from db import is_url

    url = getattr(args, "url", None) or getattr(args, "library", None)
    url = url or os.environ.get(ENV_LIBRARY)
    if not url or not is_url(str(url)):
        raise UsageError(
            "team commands need a team library: --library postgresql://[user@]host/db"
            + (f" (not {url!r})" if url else "")
        )
    return str(url)


@command("team", "set up and fill a team library on a PostgreSQL server", _setup)
def team(lib: Any, args: argparse.Namespace) -> int:
    """Runs before any library is opened (``cli.SELF_OPENING``): ``init`` makes it."""
    from db import team as roles

    url = team_url(args)
    if args.action == "init":
        with Library._open_team(url, migrate=True) as opened:
            writers, readers = _admin(lambda: roles.init_roles(opened.engine), url)
            print(f"team library ready at {url} (groups {writers}, {readers})")
        return 0
    with Library.open(url) as opened:
        if args.action == "add-member":
            if not roles.MEMBER_NAME.fullmatch(args.name):
                raise UsageError(
                    f"{args.name!r} is not a member name: lower-case letters, digits and _, "
                    "at most 63, not starting with a digit"
                )
            m = _admin(lambda: roles.add_member(opened.engine, args.name, args.read_only), url)
            what = "read-only member" if m.read_only else "member"
            print(f"{m.name} is a {what} of {url}")
        elif args.action == "members":
            found = _admin(lambda: roles.members(opened.engine), url)
            if args.json:
                emit_json([m.to_json() for m in found])
            else:
                for m in found:
                    print(f"{m.name}  {'reader' if m.read_only else 'writer'}")
        elif args.action == "push":
            pushed = push(opened, Path(args.local).expanduser())
            # This client's index catches up when the library is next opened for a search:
            # a push is a server-side copy, not a wait for 100,000 papers to be indexed.
            print(f"pushed {plural(pushed, 'paper')} from {args.local} into {url}")
        elif args.action == "prune":
            from app.team.retention import RETENTION_DAYS, prune

            days = RETENTION_DAYS if args.days is None else args.days
            if days < 1:
                raise UsageError("--days must be at least 1")
            done = prune(opened.store, days)
            print(
                f"change feed trimmed to {days} days: {plural(done.rows, 'row')} removed "
                f"(clients last seen before change {done.horizon} rebuild their index)"
            )
    return 0


def _admin(fn: Any, url: str) -> Any:
    """Run a role operation; the server's refusal (not the admin) is one line."""
    from sqlalchemy.exc import DBAPIError

    from app.store.store import db_reason

    try:
        return fn()
    except DBAPIError as exc:
        raise LibraryError(f"{url}: {db_reason(exc)} (team set-up needs the admin)") from None
    except Exception as exc:
        import psycopg

        if isinstance(exc, psycopg.Error):
            line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise LibraryError(f"{url}: {line} (team set-up needs the database's owner)") from None
        raise


def push(team_lib: Library, folder: Path) -> int:
    """Copy the personal library in ``folder`` into ``team_lib`` through the import path:
    written as our JSON backup (every field, tags with colours, notes), imported (papers
    merge by arXiv id and title; annotations are added, never taken away), then its saved
    searches. Returns how many papers were read."""
    from app.export import to_json
    from app.export.common import ExportOptions
    from app.store.filters import PaperFilter

    with Library.open(folder, create=False) as local:
        if local.is_team:
            raise UsageError(f"{folder}: push copies a personal library (a folder), not a URL")
        ids = local.paper_ids(PaperFilter(), sort="added", descending=False)
        searches = local.saved_searches()
        with tempfile.TemporaryDirectory(prefix="paperdesk-push-") as tmp:
            dump = Path(tmp) / "push.json"
            with open(dump, "w", encoding="utf-8") as out:
                to_json.write(local, ids, out, ExportOptions(title=f"push of {folder}"))
            report = team_lib.import_files([dump])
    for result in report.files:
        if result.status == "refused":
            raise LibraryError(f"{folder}: not pushed: {result.reason}")
    for name, query, view in searches:
        team_lib.save_search(name, query, view)
    return len(ids)


def catch_up(lib: Library, args: argparse.Namespace) -> None:
    """Before a command on a team library: a search index last current at a feed position
    pruned since (this client was away longer than the retention) is rebuilt from the
    server, saying so in one line and with a progress bar on a terminal — never a
    catch-up that would silently miss the pruned changes."""
    import sys

    from app.commands.progress import bar, wanted
    from app.team.retention import stale_index

    if not stale_index(lib):
        return
    print(
        "paperdesk: this client was away longer than the team library's change feed "
        f"keeps: rebuilding its search index from the server ({lib.count():,} papers)",
        file=sys.stderr,
        flush=True,
    )
    with bar("rebuilding the search index", "papers", wanted(args)) as update:
        lib.index.rebuild(lambda done, total: update(done, total))
