"""How a library is put together: ``Library.open`` builds its parts; nothing is attached by
an import; the facade never indexes on commit, the CLI and searches catch the index up."""

from __future__ import annotations

import subprocess
import sys

from app.cli import main
from app.library import Library
from app.maintenance import Backups
from app.search.index import SearchIndex
from app.store.store import Store
from tests.app.test_pageparse import ABSTRACT, ABSTRACT2

HEAVY = ("sqlalchemy", "alembic", "whoosh", "numpy")


def test_importing_the_records_loads_no_database_or_search_stack():
    code = (
        "import sys, app.records, app.store.changes\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_the_app_package_loads_its_names_on_first_use():
    code = (
        "import sys, app\n"
        f"before = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
        "from app import Library, PaperFilter, PaperdeskError\n"
        "import app.library, app.store.filters, app.errors\n"
        "assert Library is app.library.Library and PaperFilter is app.store.filters.PaperFilter\n"
        "assert PaperdeskError is app.errors.PaperdeskError\n"
        "print(before, 'sqlalchemy' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[] True"


def test_open_builds_its_parts(library):
    assert isinstance(library.store, Store) and library.store.db_path == library.db_path
    assert isinstance(library.index, SearchIndex)
    assert isinstance(library.backups, Backups)
    assert library.engine is library.store.engine


def _page(tmp_path, title="A Paper About Okapi Ranking"):
    page = tmp_path / f"{title[:8]}.txt"
    page.write_text(f"{title}\n{ABSTRACT}\nSecond Paper On Erasure\n{ABSTRACT2}\n")
    return page


def test_the_facade_does_not_index_on_commit_but_a_search_catches_up(library, tmp_path):
    library.import_files([_page(tmp_path)])
    assert library.index.stamp() is None  # nothing was indexed by the commit itself
    hits = library.search("okapi")
    assert [library.get(i).title for i in hits.ids] == ["A Paper About Okapi Ranking"]
    assert library.index.lag() == 0

    (pid,) = hits.ids
    library.add_tags([pid], ["bm25"])
    assert library.index.lag() == 2  # behind by the tag row and the new-tag row ...
    assert library.search("tag:bm25").ids == [pid]  # ... until the next search
    assert library.index.lag() == 0


def test_the_cli_makes_what_it_wrote_searchable_before_it_exits(tmp_path, capsys):
    folder = str(tmp_path / "lib")
    assert main(["--library", folder, "import", str(_page(tmp_path))]) == 0
    with Library.open(folder) as lib:
        assert lib.index.stamp()["seq"] == lib.last_change()
        (pid,) = [p.id for p in lib.list_papers() if "Okapi" in p.title]
    assert main(["--library", folder, "tag", "add", str(pid), "-t", "later"]) == 0
    with Library.open(folder) as lib:
        assert lib.index.stamp()["seq"] == lib.last_change()
    assert main(["--library", folder, "list"]) == 0  # a reading command writes nothing
    with Library.open(folder) as lib:
        assert lib.index.lag() == 0 and not lib.wrote
