"""The bulk index worker process stays small: it loads only what indexing a SQLite file
needs, and its connection's page cache is small (issue 15: the import's process tree)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from app.library import Library
from app.search.whoosh import bulk
from tests.conftest import SEED_AS_OF, SEEDS

# What a worker indexing a SQLite file must not load: migrations (Alembic loads every
# dialect's DDL, Mako, Pygments), the PostgreSQL driver and dialect, the searching side of
# the engine, exporters, Qt.
NOT_IN_A_WORKER = (
    "alembic",
    "mako",
    "pygments",
    "psycopg",
    "sqlalchemy.dialects.postgresql",
    "whoosh.searching",
    "whoosh.highlight",
    "app.search.whoosh.engine",
    "app.search.whoosh.fast",
    "app.search.whoosh.query",
    "app.search.index",
    "app.library",
    "app.export",
    "PySide6",
)


def test_a_worker_indexes_a_sqlite_file_without_loading_what_it_does_not_need(tmp_path):
    lib = Library.open(tmp_path / "lib")
    lib.import_files([SEEDS["001"]], as_of=SEED_AS_OF)
    lib.reindex()  # the index folder the worker adds segments to
    ids = [p.id for p in lib.list_papers()]
    db_path = str(lib.db_path)
    index_dir = tmp_path / "index"
    shutil.copytree(lib.index.folder, index_dir)  # the worker's segments stay uncommitted
    lib.close()
    code = (
        "import json, sys\n"
        "from app.search.whoosh import bulk\n"
        "said = []\n"
        f"bulk.work({db_path!r}, {str(index_dir)!r}, {ids!r}, said.append)\n"
        f"banned = {NOT_IN_A_WORKER!r}\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in banned\n"
        "    or any(m == b or m.startswith(b + '.') for b in banned))\n"
        "print(json.dumps([said[-1].split()[0], loaded]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    last, loaded = json.loads(out)
    assert last == "done"
    assert loaded == []


def test_a_workers_sqlite_page_cache_is_small_not_the_windows(tmp_path):
    lib = Library.open(tmp_path / "lib")
    db_path = str(lib.db_path)
    with lib.engine.connect() as conn:
        window = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    lib.close()
    engine = bulk.worker_engine(db_path)
    try:
        with engine.connect() as conn:
            worker = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    finally:
        engine.dispose()
    assert window == -65536  # 64 MB, per connection
    assert worker == -bulk.WORKER_CACHE_KIB == -8192
