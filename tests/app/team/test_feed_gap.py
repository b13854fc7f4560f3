"""The change feed on PostgreSQL is gap-safe: a slow transaction that appended a feed row
holds back a fast one behind it (the feed's advisory lock), so a reader's cursor never
passes a sequence value that may still commit below it."""

from __future__ import annotations

import threading

from app.library import Library
from app.store import feed
from db import write_session
from tests.conftest import SEEDS


def test_a_slow_and_a_fast_writer_commit_in_feed_order(team):
    with Library.open(team.admin) as slow_lib, Library.open(team.admin) as fast_lib:
        slow_lib.import_files([SEEDS["003"]])
        ids = slow_lib.paper_ids(limit=2)
        cursor = slow_lib.last_change()
        inside, release, fast_done = threading.Event(), threading.Event(), threading.Event()

        def slow() -> None:
            with write_session(slow_lib.engine) as s:
                feed.append(s, [ids[0]], "note")  # seq n, not yet committed
                inside.set()
                release.wait(10)

        t = threading.Thread(target=slow)
        t.start()
        assert inside.wait(10)

        def fast() -> None:
            fast_lib.add_tags([ids[1]], ["fast"])
            fast_done.set()

        f = threading.Thread(target=fast)
        f.start()
        # The fast writer waits for the slow one (on the feed's advisory lock, as the
        # server's lock table shows): nothing after the cursor is visible yet.
        import psycopg

        with psycopg.connect(team.admin, autocommit=True) as conn:
            waiting = 0
            for _ in range(10_000):
                (waiting,) = conn.execute(
                    "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                    "WHERE l.locktype = 'advisory' AND NOT l.granted "
                    "AND d.datname = current_database()"
                ).fetchone()
                if waiting:
                    break
        assert waiting == 1 and not fast_done.is_set()
        assert fast_lib.changes_since(cursor) == []
        release.set()
        t.join(10)
        f.join(10)
        rows = fast_lib.changes_since(cursor)
        assert [r[2] for r in rows][:1] == ["note"] and rows[0][1] == ids[0]
        assert [r[0] for r in rows] == sorted(r[0] for r in rows)
        assert (ids[1], "tag") in [(r[1], r[2]) for r in rows]
