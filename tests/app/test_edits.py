"""Editing a paper's details (issue 14): validated, exact undo, and imports never overwrite
a field the user edited."""

from __future__ import annotations

from datetime import date

import pytest

from app.store.edits import BadEdit, columns
from tests.conftest import SEED_AS_OF, write


def _page(title: str, abstract: str, day: str = "Oct 3, 2025") -> str:
    head = ["Get trending papers in your email inbox!", "", "Subscribe", "", "Daily Papers", ""]
    return "\n".join([*head, title, "", abstract, "", "  • 3 authors", "·", f"{day} 4", ""])


ABSTRACT = "A long enough abstract that reads like one of a real paper, said twice over." * 2


def test_edit_validates_and_undoes_exactly(library, tmp_path):
    path = write(tmp_path, "p.txt", _page("Original Title", ABSTRACT))
    assert not library.import_files([path], as_of=SEED_AS_OF).refused
    (pid,) = library.paper_ids()
    before = library.get(pid)
    with pytest.raises(BadEdit, match="title cannot be empty"):
        library.edit_paper(pid, {"title": "   "})
    with pytest.raises(BadEdit, match="YYYY-MM-DD"):
        library.edit_paper(pid, {"published": "3 Oct"})
    with pytest.raises(BadEdit, match="not an http"):
        library.edit_paper(pid, {"links": ["javascript:alert(1)"]})
    if "arxiv_id" in columns():
        with pytest.raises(BadEdit, match="arXiv id"):
            library.edit_paper(pid, {"arxiv_id": "12345"})
    assert library.get(pid) == before and library.edited_fields(pid) == []  # nothing written

    done = library.edit_paper(
        pid,
        {
            "title": "  Fixed   Title ",
            "published": "2025-09-30",
            "organization": "Example Lab",
            "links": "https://example.org/a\nhttps://example.org/b",
        },
    )
    rec = library.get(pid)
    assert rec.title == "Fixed Title" and rec.published == date(2025, 9, 30)
    assert rec.organization == "Example Lab"
    assert rec.links == ["https://example.org/a", "https://example.org/b"]
    assert library.edited_fields(pid) == ["links", "organization", "published", "title"]
    assert done.changes.content == {pid} and "edit" in done.changes.kinds
    # Undo: the old values and the old edited list, exactly.
    library.edit_paper(pid, done.before, done.edited_before)
    assert library.get(pid) == before and library.edited_fields(pid) == []


def test_import_never_overwrites_an_edited_field(library, tmp_path):
    short = (
        "A shorter abstract of the same paper. "
        "It is long enough to look like the abstract of a real paper."
    )
    first = write(tmp_path, "a.txt", _page("Learning Twice: The Same Paper", short))
    library.import_files([first], as_of=SEED_AS_OF)
    (pid,) = library.paper_ids()
    # The user says the date is unknown and fixes the title.
    library.edit_paper(pid, {"title": "Learning Twice: The Same Paper (fixed)", "published": None})
    richer = write(
        tmp_path, "b.txt", _page("Learning Twice: The Same Paper", ABSTRACT, day="Oct 5, 2025")
    )
    report = library.import_files([richer], as_of=SEED_AS_OF)
    assert report.new == 0  # the edited title kept the paper's identity: it merged
    rec = library.get(pid)
    assert rec.title == "Learning Twice: The Same Paper (fixed)"
    assert rec.published is None  # edited: the import's date does not fill it in
    assert rec.abstract == ABSTRACT  # a field the user did not edit still takes the longer
