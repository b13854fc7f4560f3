"""The Qt window: widgets, item models, dialogs. Reaches the library only via app.Library.

``from ui import MainWindow`` is resolved lazily, so that Qt-free helpers in this package
(``ui.import_worker``, run as a child process) start without loading Qt.
"""

from __future__ import annotations

from pathlib import Path

import resources

__all__ = ["MainWindow", "resources_path"]


def resources_path(*parts: str) -> Path:
    """A file under the bundled ``resources/`` folder."""
    return Path(resources.__file__).parent.joinpath(*parts)


def __getattr__(name: str):
    if name == "MainWindow":
        from ui.main_window import MainWindow

        return MainWindow
    raise AttributeError(f"module 'ui' has no attribute {name!r}")
