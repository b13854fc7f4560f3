"""Paths of the real captures and of the small pages written here.

``samples/`` holds verbatim copies of the shared real captures (public material; see
``samples/README.md`` for where each comes from)."""

from __future__ import annotations

from pathlib import Path

import pytest

PAGES = Path(__file__).parent / "pages"
SAMPLES = Path(__file__).parent / "samples"


def page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


@pytest.fixture
def sample():
    def read(name: str) -> str:
        path = SAMPLES / name
        if not path.exists():
            pytest.skip(f"the shared sample {name} is not on this machine")
        return path.read_text(encoding="utf-8")

    return read
