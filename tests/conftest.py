"""Shared fixtures: real libraries on temporary folders; Qt runs offscreen."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import settings

# No per-example deadline: on a loaded 2-core machine a fast example can take over
# Hypothesis's default 200 ms, and a timing failure would hide the property under test.
settings.register_profile("default", max_examples=40, deadline=None)
settings.register_profile("long", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.library import Library  # noqa: E402
from app.paths import sample_pages  # noqa: E402

SEED_AS_OF = date(2025, 10, 30)
SEEDS = {p.name[:3]: p for p in sample_pages()}  # "001" compact, "003" spaced


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item):
    """After a Qt test's teardown (pytest-qt closed its widgets with ``deleteLater``, the
    fixtures shut the windows down), delete those widgets here: otherwise they are deleted
    inside the next test's first event loop, in the middle of what that test is timing or
    waiting for."""
    result = yield
    if "qtbot" in item.fixturenames:
        from PySide6.QtCore import QCoreApplication, QEvent

        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return result


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Never touch the real per-user data folder or settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.delenv("PAPERDESK_LIBRARY", raising=False)


@pytest.fixture
def library(tmp_path) -> Library:
    """An empty library in a temporary folder."""
    lib = Library.open(tmp_path / "lib")
    yield lib
    lib.close()


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory) -> Path:
    """The seed pages imported once per run into a library folder that no test opens."""
    path = tmp_path_factory.mktemp("template") / "seeded"
    with pytest.MonkeyPatch.context() as mp:
        home = tmp_path_factory.mktemp("template-home")
        for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
            mp.setenv(var, str(home / var.lower()))
        lib = Library.open(path)
        try:
            report = lib.import_files([SEEDS["001"], SEEDS["003"]], as_of=SEED_AS_OF)
            assert not report.refused and lib.count() == 323
            # Indexed, as `paperdesk import` leaves it: a test's window would otherwise
            # start a rebuild that races the test's own searches.
            lib.index.try_sync()
            assert lib.index.problem() is None
        finally:
            lib.close()
    return path


@pytest.fixture
def seeded(tmp_path, seeded_template) -> Library:
    """A library holding both seed pages (323 papers: two of 003 merge into 001).

    Each test gets its own copy of one real import (database, index, backups): the same
    files as importing the pages again, in a twentieth of the time."""
    path = tmp_path / "seeded"
    shutil.copytree(seeded_template, path)
    lib = Library.open(path)
    yield lib
    lib.close()


def require(what: str, present: bool, how: str) -> None:
    """A test that needs a system tool or service: skipped where it is missing, but a
    failure in CI (``CI`` set), where ``scripts/test`` installs or starts it."""
    if present:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing in CI ({how})", pytrace=False)
    pytest.skip(f"{what} is missing ({how})")


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path
