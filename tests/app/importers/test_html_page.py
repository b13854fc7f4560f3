import html
import json
from datetime import date

from app.importers import html_page
from tests.app.importers.conftest import page

AS_OF = date(2024, 8, 2)


def test_daily_page_sample_reads_the_embedded_data(sample):
    form = html_page.read(sample("daily-page_2024-08-01.html"), AS_OF)
    assert form.form == "html" and form.problems == []
    assert len(form.papers) == 13
    ids = [p.arxiv_id for p in form.papers]
    assert ids[:3] == ["2407.21783", "2407.21705", "2407.21770"] and ids[-1] == "2404.01300"
    llama = form.papers[0]
    assert llama.title == "The Llama 3 Herd of Models"
    assert (llama.upvotes, llama.comments, llama.authors_count) == (94, 5, 533)
    assert llama.authors[:2] == ["Abhimanyu Dubey", "Abhinav Jauhri"]
    assert llama.published == date(2024, 7, 31)
    assert llama.listed_on == date(2024, 8, 1)  # the page's date
    assert llama.submitted_by == "akhaliq"
    assert llama.abstract.startswith("Modern artificial intelligence (AI) systems are powered")
    berkeley = form.papers[ids.index("2407.21781")]
    assert "Xuanyu Huang" in berkeley.authors and berkeley.authors_count == 6  # hidden: kept
    nerf = form.papers[-1]
    assert (nerf.upvotes, nerf.comments, nerf.published) == (3, 2, date(2024, 4, 1))
    assert all(p.listed_on == date(2024, 8, 1) for p in form.papers)


def test_card_markup_when_the_page_embeds_no_data(sample):
    text = sample("daily-page_2024-08-01.html").replace("data-props=", "data-gone=")
    form = html_page.read(text, AS_OF)
    assert form.problems == []
    assert [p.arxiv_id for p in form.papers][:2] == ["2407.21783", "2407.21705"]
    llama = form.papers[0]
    assert llama.title == "The Llama 3 Herd of Models"
    assert (llama.upvotes, llama.comments, llama.authors_count) == (94, 5, 533)
    assert llama.submitted_by == "akhaliq"


def test_handwritten_cards_dash_organisation_two_line_title_cut_card():
    form = html_page.read(page("cards-2026.html"), date(2026, 3, 14))
    quiet, lab = form.papers
    assert quiet.title == "Quiet Models: Learning Without Upvotes"  # two lines in the markup
    assert (quiet.arxiv_id, quiet.upvotes, quiet.authors_count) == ("2603.01001", 0, 9)
    assert quiet.published == date(2026, 3, 12)
    assert quiet.abstract.startswith("We present a method")
    assert lab.title == "Big Lab Report & Friends"
    assert (lab.arxiv_id, lab.upvotes, lab.comments) == ("2603.01002", 1204, 6)
    assert (lab.organization, lab.organization_id, lab.authors_count) == (
        "Microsoft",
        "microsoft",
        None,
    )
    assert lab.published == date(2024, 3, 8)
    assert lab.submitted_by == "D'Mello"  # &amp;#39; left escaped in the page
    assert form.problems == [(23, "card 'A Card Cut Off' is cut off; skipped")]


def _props_page(props: dict, target: str = "DailyPapers") -> str:
    attr = html.escape(json.dumps(props), quote=True)
    return (
        "<!DOCTYPE html><html><head><title>Hugging Face</title></head><body>"
        f'<div class="SVELTE_HYDRATER contents" data-target="{target}" data-props="{attr}">'
        "</div></body></html>"
    )


def test_embedded_names_escaped_twice_rtl_and_control_characters():
    item = {
        "paper": {
            "id": "2603.02001",
            "title": "Names\u0007 Test",
            "summary": "An abstract.",
            "authors": [{"name": "D&#39;Mello"}, {"name": "\u202eعلي\u202c"}, {"name": "Ann"}],
            "publishedAt": "2026-03-01T00:00:00.000Z",
            "upvotes": 0,
        },
        "numComments": 0,
        "organization": {"name": "acme", "fullname": "Acme &amp; Co"},
    }
    form = html_page.read(_props_page({"dateString": "2026-03-02", "dailyPapers": [item]}), AS_OF)
    (paper,) = form.papers
    assert paper.title == "Names Test"
    assert paper.authors == ["D'Mello", "علي", "Ann"]
    assert (paper.organization, paper.organization_id) == ("Acme & Co", "acme")
    assert (paper.upvotes, paper.comments, paper.listed_on) == (0, 0, date(2026, 3, 2))


def test_paper_page_widget():
    props = {
        "paper": {
            "id": "2601.04321",
            "title": "Sparse Routers",
            "summary": "Abs.",
            "authors": [{"name": "Ann Lee"}],
            "publishedAt": "2026-01-05T00:00:00.000Z",
            "submittedOnDailyAt": "2026-01-06T00:00:00.000Z",
            "upvotes": 17,
            "ai_summary": "Sum.",
            "githubRepo": "https://github.com/ann/sr",
            "githubStars": 240,
        },
        "numComments": 2,
    }
    (paper,) = html_page.read(_props_page(props, "PaperPage"), AS_OF).papers
    assert (paper.arxiv_id, paper.upvotes, paper.comments) == ("2601.04321", 17, 2)
    assert (paper.listed_on, paper.ai_summary, paper.github_stars) == (
        date(2026, 1, 6),
        "Sum.",
        240,
    )


def test_truncated_html_keeps_the_whole_embedded_items(sample):
    text = sample("daily-page_2024-08-01.html")
    form = html_page.read(text[:100_000], AS_OF)
    assert [p.arxiv_id for p in form.papers] == [
        "2407.21783",
        "2407.21705",
        "2407.21770",
        "2407.21646",
    ]
    assert len(form.problems) == 1 and "cut off inside its data" in form.problems[0][1]


def test_page_with_no_papers():
    text = _props_page({"date": "2026-03-02T00:00:00.000Z", "dailyPapers": []})
    form = html_page.read(text, AS_OF)
    assert form.papers == []
    assert form.problems == [(1, "a Hugging Face papers page with no papers on it")]


def test_a_paper_seen_by_two_widgets_is_one_paper_filled_in():
    thin = {"paper": {"id": "2601.04321", "title": "Sparse Routers"}}
    full = {
        "paper": {"id": "2601.04321", "title": "Sparse Routers", "summary": "Abs.", "upvotes": 9},
        "numComments": 1,
    }
    text = _props_page(thin, "PaperUpvote").replace("</body>", _props_page(full, "PaperPage"))
    (paper,) = html_page.read(text, AS_OF).papers
    assert (paper.abstract, paper.upvotes, paper.comments) == ("Abs.", 9, 1)


def test_other_pages_list_their_papers_under_other_keys():
    papers = [
        {"paper": {"id": "2401.00001", "title": "One", "authors": [{"name": "A"}]}},
        {"id": "2401.00002", "title": "Two", "authors": [{"name": "B"}]},
    ]
    text = _props_page({"query": "x", "searchResults": papers}, "PapersSearch")
    form = html_page.read(text, AS_OF)
    assert [p.arxiv_id for p in form.papers] == ["2401.00001", "2401.00002"]
    assert form.papers[1].authors == ["B"]


def test_paper_page_without_embedded_data_is_read_from_its_text():
    form = html_page.read(page("paper-no-data.html"), date(2026, 2, 1))
    assert form.problems == []
    (paper,) = form.papers
    assert paper.title == "Sparse Routers Revisited: When Fewer Experts Win"
    assert paper.arxiv_id == "2601.04321"
    assert (paper.published, paper.listed_on) == (date(2026, 1, 5), date(2026, 1, 6))
    assert (paper.submitted_by, paper.paper_of_the_day, paper.upvotes) == ("alice", 2, 17)
    assert paper.authors == ["Ann Lee", "Bo D'Mello"] and paper.authors_count == 10
    assert paper.abstract.startswith("Mixture-of-experts models route each token")
    assert paper.abstract.endswith("at equal compute.")
    assert (paper.github, paper.github_stars) == ("https://github.com/ann/sparse-routers", 240)
    assert paper.project_page == "https://sparse-routers.github.io"
    assert "https://github.com/other/repo" not in paper.links
