"""The backup reader's fast path gives exactly what the field-by-field check gives, and
leaves every unusual paper to that check (which names what is wrong)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.importers import backup

BASE: dict[str, Any] = {
    "id": 7,
    "arxiv_id": "2401.00007",
    "title": "A Paper",
    "abstract": "Text.",
    "authors": ["A B", " "],
    "authors_count": 2,
    "organization": None,
    "organization_id": None,
    "published": "2024-01-02",
    "listed_on": "2024-01-03",
    "upvotes": 0,
    "comments": 3,
    "submitted_by": None,
    "ai_summary": None,
    "ai_keywords": [],
    "github": None,
    "github_stars": None,
    "project_page": None,
    "url": "https://huggingface.co/papers/2401.00007",
    "links": ["https://github.com/x/y", ""],
    "tags": ["llm", " llm ", "to-read"],
    "note": "n",
    "starred": True,
    "read": False,
    "added_at": "2024-01-01T08:00:00.123456Z",
    "trashed": False,
}
ODD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([2**31, 2**63, 10**30, 0.0, 1.5]),
    st.text(max_size=12),
    st.sampled_from(["2024-02-30", "2024-01-01T00:00:00+05:00", "0001-01-01T00:00:00+05:00"]),
    st.lists(st.one_of(st.text(max_size=5), st.integers()), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _outcome(fn: Any, raw: dict[str, Any]) -> Any:
    try:
        return fn(raw)
    except (backup._Bad, backup.PaperdeskError) as exc:
        return ("refused", str(exc))


@given(st.dictionaries(st.sampled_from(sorted(BASE) + ["citation_key"]), ODD, max_size=4))
def test_fast_path_agrees_with_the_check(changes: dict[str, Any]) -> None:
    raw = {**BASE, **changes}
    checked = _outcome(lambda r: backup._checked_paper(dict(r), backup.BACKUP_VERSION), raw)
    fast = backup._usual_paper(dict(raw))
    if fast is not None:
        assert fast == checked
    assert _outcome(backup._paper, raw) == checked


@pytest.mark.parametrize("version", [1, 2])
def test_the_usual_paper_takes_the_fast_path(version: int) -> None:
    assert backup._usual_paper(dict(BASE)) == backup._checked_paper(dict(BASE), 2)
    assert backup._paper(dict(BASE), version) == backup._checked_paper(dict(BASE), version)
