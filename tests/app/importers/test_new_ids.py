"""NewIds (the merge writer's record of the ids one import created) answers as a set does."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.store.merge import NewIds


@given(st.lists(st.lists(st.integers(1, 400), max_size=60), max_size=8), st.integers(0, 410))
def test_new_ids_answer_like_a_set(batches: list[list[int]], probe: int) -> None:
    ids, plain = NewIds(), set()
    for batch in batches:
        fresh = [i for i in dict.fromkeys(batch) if i not in plain]  # ids are created once
        ids.update(fresh)
        plain.update(fresh)
    for i in [*plain, probe, 0, -1]:
        assert (i in ids) == (i in plain), i


def test_a_million_consecutive_ids_are_one_run() -> None:
    ids = NewIds()
    for start in range(1, 1_000_001, 5000):
        ids.update(range(start, start + 5000))
    assert ids._lo == [1] and ids._hi == [1_000_000] and not ids._loose
    assert 1 in ids and 1_000_000 in ids and 1_000_001 not in ids and 0 not in ids


def test_scattered_ids_go_to_a_set() -> None:
    ids = NewIds()
    ids.update(range(1, 200, 2))
    assert len(ids._loose) == 100 and not ids._lo
    assert 3 in ids and 4 not in ids
