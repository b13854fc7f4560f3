"""The window on a real X server (Qt's xcb platform), not only offscreen: ``scripts/test``
runs this under ``xvfb-run`` with ``QT_QPA_PLATFORM=xcb`` (``pytest -m x11``)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QGuiApplication

from tests.conftest import require

pytestmark = pytest.mark.x11


def test_the_window_maps_and_paints_on_an_x_server(qtbot, open_window, seeded):
    require(
        "an X server (Qt's xcb platform)",
        QGuiApplication.platformName() == "xcb",
        "run: QT_QPA_PLATFORM=xcb xvfb-run -a pytest -m x11",
    )
    window = open_window(seeded)
    qtbot.waitExposed(window)
    assert window.isVisible() and window.windowHandle().isExposed()
    assert window.table.model().rowCount() == seeded.count() == 323
    # What the X server holds for the window, read back from its framebuffer: painted.
    shot = window.screen().grabWindow(window.winId()).toImage()
    assert (shot.width(), shot.height()) == (window.width(), window.height())
    colours = {
        shot.pixel(x, y) for x in range(0, shot.width(), 9) for y in range(0, shot.height(), 9)
    }
    assert len(colours) > 20, "the window on the X server is blank"
