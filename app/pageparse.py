"""Moved: the page reader is :mod:`app.importers.text_page` (kept for old imports, such as
the benchmarks' corpus builder)."""

from app.importers.text_page import ParsedPage, ParsedPaper, iter_papers, parse_page, resolve_date
from app.store.merge import title_key

__all__ = ["ParsedPage", "ParsedPaper", "iter_papers", "parse_page", "resolve_date", "title_key"]
