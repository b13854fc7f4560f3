"""Suggested tags: the tags on a paper's most similar papers; one click adds one."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.annotations.conftest import settle, tagged
from ui.annotations.suggestions import suggest_tags


def neighbours(qtbot, lib, pid) -> list[int]:
    found: list[int] = []

    def ready() -> bool:
        result = lib.related(pid, limit=5)
        found[:] = [h.paper_id for h in result.hits]
        return bool(found)

    qtbot.waitUntil(ready, timeout=20_000)  # the index may still be building
    return found


def test_suggestions_come_from_tagged_neighbours_and_one_click_adds(qtbot, panel, seeded, stack):
    pid = seeded.paper_ids(limit=1)[0]
    near = neighbours(qtbot, seeded, pid)
    seeded.add_tags(near[:3], ["shared-topic"])
    seeded.add_tags(near[:1], ["rarer", "mine"])
    seeded.add_tags([pid], ["Mine"])  # already on the paper: never suggested
    assert suggest_tags(seeded, pid) == ["shared-topic", "rarer"]
    panel.set_papers([pid])
    qtbot.waitUntil(lambda: panel.suggestions.names() == ["shared-topic", "rarer"])
    assert panel.suggestions.isVisibleTo(panel)
    qtbot.mouseClick(panel.suggestions.buttons()[0], Qt.MouseButton.LeftButton)
    settle(panel)
    assert pid in tagged(seeded, "shared-topic")
    assert stack.count() == 1
    assert panel.suggestions.names() == ["rarer"]  # filtered again at once: no new search


def test_no_suggestions_for_several_papers_or_untagged_neighbours(qtbot, panel, seeded):
    panel.set_papers(seeded.paper_ids(limit=2))
    assert panel.suggestions.names() == [] and not panel.suggestions.isVisibleTo(panel)
    pid = seeded.paper_ids(limit=1)[0]
    assert suggest_tags(seeded, pid) == []  # nothing tagged anywhere
