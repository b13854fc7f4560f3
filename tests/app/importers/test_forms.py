from datetime import date

import pytest

from app.importers import forms
from tests.app.importers.conftest import page


@pytest.mark.parametrize(
    ("name", "form"),
    [
        ("daily-page_2024-08-01.html", "html"),
        ("paper-page_2510.04618.txt", "paper-page"),
        ("search-page_markdown-capture.md", "markdown"),
        ("api-daily_papers_2024-10-25_first-2-items.json", "hub-json"),
    ],
)
def test_each_sample_is_its_form(sample, name, form):
    text = sample(name)
    assert forms.sniff(text[: forms.HEAD_CHARS]) == (form, None)
    parsed = forms.read_form(text, date(2026, 7, 1))
    assert parsed is not None and parsed.form == form and parsed.papers


@pytest.mark.parametrize(
    ("name", "form"),
    [
        ("cards-2026.html", "html"),
        ("daily-2026.md", "markdown"),
        ("paper-2026.md", "markdown"),
        ("paper-2026.txt", "paper-page"),
    ],
)
def test_handwritten_pages(name, form):
    assert forms.sniff_form(page(name)) == form


@pytest.mark.parametrize(
    ("head", "why"),
    [
        ("<!DOCTYPE html><html><body><p>My blog</p></body></html>", forms.NOT_HF_HTML),
        ("\ufeff<html><head><title>x</title></head><body></body></html>", forms.NOT_HF_HTML),
        ('{"name": "package", "version": "1.0"}', forms.NOT_HF_JSON),
        ('[{"x": 1}, {"y": 2}]', forms.NOT_HF_JSON),
        ("# Shopping list\n\n- [milk](https://shop.example/milk)\n", forms.NOT_HF_MARKDOWN),
    ],
)
def test_near_misses_are_refused_in_one_line(head, why):
    assert forms.sniff(head) == (None, why)
    assert forms.refusal(head) == why and "\n" not in why
    assert forms.read_form(head, date(2026, 1, 1)) is None


@pytest.mark.parametrize(
    "head",
    [
        '{"format": "paperdesk-export", "version": 1, "papers": []}',  # the backup's reader
        "Daily Papers\nOct 30\nSome Title\nSubmitted by akhaliq\nAn abstract...",  # text list
        "",
        "just some words",
    ],
)
def test_not_this_modules_business(head):
    assert forms.sniff(head) == (None, None)


def test_paper_page_text_needs_its_own_lines():
    assert forms.sniff_form("Title\nPublished on Oct 6\nAbstract\nText") == "paper-page"
    assert forms.sniff_form("Title\nAuthors: A , B\nAbstract\nText") == "paper-page"
    assert forms.sniff_form("Title\nSubmitted by x\nAbstract\nText") is None


def test_the_seed_text_pages_are_left_to_the_list_reader():
    from app.paths import sample_pages

    seeds = list(sample_pages())
    assert seeds
    for path in seeds:
        assert forms.sniff(path.read_text(encoding="utf-8")[: forms.HEAD_CHARS]) == (None, None)
