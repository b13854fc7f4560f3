"""Paths of the real captures (../shared/samples) and of the small pages written here."""

from __future__ import annotations

from pathlib import Path

import pytest

PAGES = Path(__file__).parent / "pages"
SAMPLES = Path("/work/shared/samples")


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
