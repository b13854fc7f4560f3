import json
from datetime import date

from app.importers import hub_json

AS_OF = date(2024, 10, 26)


def test_daily_papers_sample_exact_fields(sample):
    form = hub_json.read(sample("api-daily_papers_2024-10-25_first-2-items.json"), AS_OF)
    assert form.form == "hub-json" and form.problems == []
    first, second = form.papers
    assert first.arxiv_id == "2410.17243"
    assert first.title == (
        "Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss"
    )
    assert first.abstract.startswith("Contrastive loss is a powerful approach for representation")
    assert first.abstract.endswith("The code will be made publicly available.")
    assert "\n" not in first.abstract  # the arXiv hard wraps are joined
    assert first.authors[:3] == ["Zesen Cheng", "Hang Zhang", "Kehan Li"]
    assert first.authors[-1] == "Lidong Bing" and first.authors_count == 9
    assert first.published == date(2024, 10, 22)
    assert first.listed_on == date(2024, 10, 25)
    assert (first.upvotes, first.comments) == (64, 3)
    assert first.submitted_by == "ClownRat"
    assert first.organization is None
    assert first.url == "https://huggingface.co/papers/2410.17243"
    assert second.arxiv_id == "2410.16251"
    assert second.title == "Can Knowledge Editing Really Correct Hallucinations?"
    assert (second.upvotes, second.comments, second.authors_count) == (41, 2, 5)
    assert second.submitted_by == "canyuchen"


def _paper(**extra):
    base = {
        "id": "2601.00001",
        "title": "T",
        "summary": "S",
        "authors": [{"name": "A", "hidden": False}, {"name": "B&#39;C", "hidden": True}],
        "publishedAt": "2026-01-01T10:00:00.000Z",
        "upvotes": 0,
    }
    base.update(extra)
    return base


def test_one_paper_object_with_every_field():
    obj = _paper(
        submittedOnDailyAt="2026-01-03T00:00:00.000Z",
        submittedOnDailyBy={"name": "ak", "fullname": "AK"},
        numComments=4,
        ai_summary="Short.",
        ai_keywords=["moe", " routing "],
        githubRepo="https://github.com/a/b",
        githubStars=12,
        projectPage="https://a.github.io/b",
        organization={"name": "acme", "fullname": "Acme Research"},
    )
    (paper,) = hub_json.read(json.dumps(obj), AS_OF).papers
    assert paper.authors == ["A", "B'C"]  # hidden authors are still authors
    assert (paper.upvotes, paper.comments, paper.listed_on) == (0, 4, date(2026, 1, 3))
    assert (paper.organization, paper.organization_id) == ("Acme Research", "acme")
    assert paper.submitted_by == "ak"
    assert (paper.ai_summary, paper.ai_keywords) == ("Short.", ["moe", "routing"])
    assert (paper.github, paper.github_stars) == ("https://github.com/a/b", 12)
    assert paper.project_page == "https://a.github.io/b"
    assert paper.links == ["https://github.com/a/b", "https://a.github.io/b"]


def test_list_of_paper_objects_and_bad_values():
    items = [_paper(), _paper(id="2601.00002", upvotes=-5, publishedAt="1850-01-01"), 7, {"x": 1}]
    form = hub_json.read(json.dumps(items, indent=1), AS_OF)
    assert [p.arxiv_id for p in form.papers] == ["2601.00001", "2601.00002"]
    assert form.papers[1].upvotes is None and form.papers[1].published is None
    reasons = [why for _, why in form.problems]
    title = repr(form.papers[1].title)
    assert f"item 2 ({title}): upvotes: -5 is out of range (0..2147483647); left unknown" in reasons
    assert any(r.startswith(f"item 2 ({title}): published") for r in reasons)
    assert "item 3: not a paper object" in reasons
    assert "item 4: no title; skipped" in reasons


def test_truncated_json_keeps_the_whole_items(sample):
    text = sample("api-daily_papers_2024-10-25_first-2-items.json")
    cut = text[: text.index('{"paper":{"id":"2410.16251"') + 200]
    form = hub_json.read(cut, AS_OF)
    assert [p.arxiv_id for p in form.papers] == ["2410.17243"]
    assert form.problems == [(1, "item 2: cut off; the rest of the file is skipped")]


def test_items_report_their_lines():
    text = "[\n" + json.dumps(_paper()) + ",\n" + json.dumps({"paper": {"id": "x"}}) + "\n]"
    form = hub_json.read(text, AS_OF)
    assert form.problems == [(3, "item 2: no title; skipped")]


def test_empty_and_foreign_json():
    assert hub_json.read("[]", AS_OF).problems == [(1, "no papers in this JSON")]
    assert hub_json.read('{"a": 1}', AS_OF).problems == [
        (1, "JSON, but not Hugging Face papers data")
    ]
    assert hub_json.read("{", AS_OF).problems[0][1].startswith("not readable JSON")


def test_streamed_reading_matches_reading_whole(sample):
    import io

    text = sample("api-daily_papers_2024-10-25_first-2-items.json")
    pretty = json.dumps(json.loads(text), indent=2)
    for doc in (text, pretty, pretty[: len(pretty) // 2 + 300], "[]", json.dumps(_paper())):
        whole = hub_json.read(doc, AS_OF)
        for chunk in (7, 64, 1 << 20):
            streamed = hub_json.read_stream(io.StringIO(doc), AS_OF, chunk)
            assert streamed.papers == whole.papers
            assert streamed.problems == whole.problems


def test_store_limits_on_titles_and_names():
    items = [
        _paper(title="x" * 1001),
        _paper(id="2601.00002", organization={"name": "o" * 301, "fullname": "Fine Name"}),
    ]
    form = hub_json.read(json.dumps(items), AS_OF)
    (paper,) = form.papers
    assert (paper.organization, paper.organization_id) == ("Fine Name", None)
    assert [why for _, why in form.problems] == [
        "title longer than 1000 characters; skipped",
        "organization_id longer than 300 characters; dropped",
    ]
