"""The merge writer's one-paper-per-work rule, on a real library."""

from __future__ import annotations

from app.library import Library
from app.records import FileResult
from app.store.merge import add_row, merge


def row(title: str, **fields) -> dict:
    base = {"title": title, "abstract": "", "links": []}
    return {**base, **fields}


def write(lib: Library, rows: list[dict]) -> FileResult:
    def fn(s):
        result = FileResult(path="t", status="imported")
        by_key: dict = {}
        for r in rows:
            add_row(by_key, r)
        merge(s, by_key, result, set())
        return result

    return lib.store.write(fn)[0]


def test_same_arxiv_id_is_one_paper_whatever_the_title(tmp_path):
    with Library.open(tmp_path / "lib") as lib:
        r = write(lib, [row("First spelling", arxiv_id="2401.00001", upvotes=3)])
        assert r.new == 1
        r = write(lib, [row("Another Spelling Entirely", arxiv_id="2401.00001", upvotes=5)])
        assert (r.new, r.merged, r.enriched) == (0, 1, 0)
        (p,) = lib.list_papers()
        assert (p.title, p.arxiv_id, p.upvotes) == ("First spelling", "2401.00001", 5)


def test_one_batch_with_and_without_the_id_is_one_paper(tmp_path):
    """Rows of one file meeting by title (one has the id) or by id fold into one."""
    with Library.open(tmp_path / "lib") as lib:
        r = write(
            lib,
            [
                row("Shared Title", comments=2),
                row("shared title!", arxiv_id="2401.00002", authors=["A B", "C D"]),
                row("Other Title", arxiv_id="2401.00002", upvotes=9),
            ],
        )
        assert r.new == 1
        (p,) = lib.list_papers()
        assert (p.title, p.arxiv_id, p.authors, p.comments, p.upvotes) == (
            "Shared Title",
            "2401.00002",
            ["A B", "C D"],
            2,
            9,
        )


def test_title_only_paper_gains_the_id_and_a_paper_with_another_id_keeps_its_own(tmp_path):
    with Library.open(tmp_path / "lib") as lib:
        write(lib, [row("Plain Title"), row("Held Title", arxiv_id="2401.00009")])
        r = write(
            lib,
            [
                row("plain title", arxiv_id="2401.00003", authors=["X Y"]),
                row("held title", arxiv_id="2401.00010"),  # same title, another id
            ],
        )
        assert (r.new, r.merged, r.enriched) == (0, 1, 1)
        got = {p.title: p.arxiv_id for p in lib.list_papers()}
        assert got == {"Plain Title": "2401.00003", "Held Title": "2401.00009"}
        # Enriched again? No: nothing more to fill in.
        r = write(lib, [row("Plain Title", arxiv_id="2401.00003", authors=["X Y"])])
        assert (r.merged, r.unchanged) == (0, 1)
