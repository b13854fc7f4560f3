from datetime import date

from app.importers import markdown_page
from tests.app.importers.conftest import page


def test_search_capture_sample(sample):
    form = markdown_page.read(sample("search-page_markdown-capture.md"), date(2026, 7, 1))
    assert form.form == "markdown"
    assert len(form.papers) == 33  # 34 cards; the last is cut off by "[Content truncated]"
    assert form.problems == [
        (
            939,
            "card 'Reducing Distraction in Long-Context Language Models by Focu' "
            "is cut off by the capture; skipped",
        )
    ]
    first, gemini, speech = form.papers[:3]
    assert first.title == "MURMUR: An Efficient Inference System for Long-Form ASR"
    assert (first.upvotes, first.comments, first.authors_count) == (0, None, 3)
    assert first.published == date(2026, 5, 30)  # no year: the capture's (2026-06-29)
    assert first.abstract.startswith("Long-form automatic speech recognition (ASR) requires")
    assert first.abstract.endswith("available at https://github.com/uw-syfi/Murmur.")
    assert (gemini.upvotes, gemini.comments, gemini.authors_count) == (65, 6, 671)
    assert gemini.published == date(2024, 3, 8)
    assert (speech.upvotes, speech.authors_count, speech.published) == (1, 8, date(2025, 11, 14))
    vibe = next(p for p in form.papers if p.title == "VIBEVOICE-ASR Technical Report")
    assert (vibe.upvotes, vibe.comments, vibe.organization) == (24, 3, "Microsoft")
    assert vibe.authors_count is None and vibe.published == date(2026, 3, 13)
    kv = next(p for p in form.papers if p.title.startswith("KV Cache Compression"))
    assert kv.title.endswith("Long Context Capable Approaches")  # a two-line heading
    # A search page: its results were listed on other days; the capture has no link targets.
    assert all(p.listed_on is None and p.arxiv_id is None for p in form.papers)


def test_daily_capture_with_reference_links():
    form = markdown_page.read(page("daily-2026.md"), date(2026, 3, 20))
    quiet, lab = form.papers
    assert quiet.title == "Quiet Models: Learning Without Upvotes That Goes On Long Enough To Wrap"
    assert (quiet.arxiv_id, quiet.upvotes, quiet.authors_count) == ("2603.01001", 0, 9)
    assert quiet.listed_on == date(2026, 3, 13) and quiet.published == date(2026, 3, 12)
    assert quiet.abstract == (
        "We present a method that nobody has upvoted yet, though it works rather well on all "
        "benchmarks we tried."
    )
    assert (lab.arxiv_id, lab.upvotes, lab.comments) == ("2603.01002", 1204, 6)
    assert (lab.organization, lab.organization_id) == ("Microsoft", "microsoft")
    assert form.problems == [(47, "card 'A Card Cut Off' is cut off by the capture; skipped")]


def test_paper_page_capture_with_inline_links():
    form = markdown_page.read(page("paper-2026.md"), date(2026, 2, 1))
    (paper,) = form.papers
    assert paper.title == "Sparse Routers Revisited: When Fewer Experts Win"
    assert (paper.arxiv_id, paper.upvotes, paper.authors_count) == ("2601.04321", 17, 5)
    assert paper.authors == ["Ann Lee", "Bo Park"]
    assert (paper.github, paper.github_stars) == ("https://github.com/ann/sparse-routers", 240)
    assert paper.project_page == "https://sparse-routers.github.io"


def test_capture_cut_off_without_a_marker():
    text = (
        "### [Whole][1]\n\n[\n\nText of a whole card goes here.\n\n][2]\n"
        "[\n* 2 authors\n][3]\n·\nMar 1\n[\n4\n][4]\n\n### [Cut][5]\n\n[\n\nNo end"
    )
    form = markdown_page.read(text, date(2026, 3, 20))
    assert [p.title for p in form.papers] == ["Whole"]
    assert form.papers[0].upvotes is None and form.papers[0].authors_count == 2
    assert form.problems == [(17, "card 'Cut' is cut off by the capture; skipped")]


def test_page_with_no_papers():
    form = markdown_page.read("# Daily Papers\n\nNothing today.\n", date(2026, 3, 20))
    assert form.papers == [] and len(form.problems) == 1


def test_inline_links_and_image_logo_organisation():
    text = (
        "[\n12\n](https://huggingface.co/login)\n\n"
        "### [Title One](https://huggingface.co/papers/2401.00001)\n\n"
        "[The abstract of the first paper is here and long enough.]"
        "(https://huggingface.co/papers/2401.00001)\n"
        "[![acme](https://x.example/a.png) Acme Labs](https://huggingface.co/acme)\n"
        "·\n"
        "Jan 3, 2024 [2](https://huggingface.co/papers/2401.00001#community)\n"
    )
    (paper,) = markdown_page.read(text, date(2024, 2, 1)).papers
    assert (paper.arxiv_id, paper.upvotes, paper.comments) == ("2401.00001", 12, 2)
    assert (paper.organization, paper.organization_id) == ("Acme Labs", "acme")
    assert paper.published == date(2024, 1, 3)


def test_2024_layout_thumbnails_avatars_and_submitter_above_the_card():
    form = markdown_page.read(page("daily-2024.md"), date(2024, 8, 2))
    assert form.problems == []
    llama, tora = form.papers
    assert (llama.arxiv_id, llama.upvotes, llama.comments) == ("2407.21783", 94, 5)
    assert (llama.authors_count, llama.organization, llama.submitted_by) == (533, None, "akhaliq")
    assert llama.listed_on == date(2024, 8, 1) and llama.published is None
    assert (tora.arxiv_id, tora.upvotes, tora.comments, tora.authors_count) == (
        "2407.21705",
        0,
        None,
        5,
    )
    assert tora.submitted_by == "akhaliq"
