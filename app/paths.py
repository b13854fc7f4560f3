"""Where libraries live: the per-user data folder, overridable; the bundled demo pages."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path

import resources

ENV_LIBRARY = "PAPERDESK_LIBRARY"
SAMPLES = Path(resources.__file__).with_name("samples")


def data_root() -> Path:
    return user_data_path("paperdesk", appauthor=False)


def default_library() -> Path:
    """``--library`` absent: ``$PAPERDESK_LIBRARY``, else the per-user data folder."""
    env = os.environ.get(ENV_LIBRARY)
    return Path(env).expanduser() if env else data_root() / "library"


def log_file() -> Path:
    """Where an unexpected error's details go (the command line prints only its path)."""
    return data_root() / "logs" / "paperdesk-errors.log"


def demo_library() -> Path:
    """The demo library: separate from the user's own, created from the bundled pages."""
    return data_root() / "demo"


def sample_pages() -> list[Path]:
    return sorted(SAMPLES.glob("*.txt"))
