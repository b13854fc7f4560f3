"""What every citation format says of a paper, worked out once: key, split author names,
date, arXiv identifiers, and the extras (organisation, upvotes, comments) for a note.

arXiv's own citations name a paper by its id: ``eprint`` and ``archivePrefix = {arXiv}``,
``https://arxiv.org/abs/<id>`` and the DOI ``10.48550/arXiv.<id>`` that arXiv registers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from app.export.common import one_line, safe_url
from app.export.names import Name, split
from app.links import arxiv_id
from app.records import PaperRecord, plural

# Whitespace and control characters percent-encoded: a URL is one token in every format,
# so a line break in a URL can never start a new RIS record or BibTeX entry.
_URL_UNSAFE = re.compile(r"[\s\x00-\x1f\x7f\u2028\u2029\x85{}\\\"<>`]")


def clean_url(url: str | None) -> str | None:
    """A web address with nothing that could end a field or a line, else None."""
    good = safe_url(url)
    if good is None:
        return None
    return _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), good)


@dataclass(frozen=True)
class Citation:
    key: str
    title: str  # one line
    names: list[Name]
    incomplete: bool  # more authors than names: "and others"
    published: date | None
    arxiv_id: str | None
    url: str | None  # arXiv's abstract page, else the paper's own web address
    doi: str | None
    extras: str  # organisation, upvotes, comments: one line, for note / N1 / extra
    abstract: str
    tags: list[str]
    note: str

    @property
    def year(self) -> int | None:
        return self.published.year if self.published else None


def extras(p: PaperRecord) -> str:
    parts = []
    if p.organization:
        parts.append(one_line(p.organization))
    if p.upvotes is not None:
        parts.append(plural(p.upvotes, "upvote") + " on Hugging Face Daily Papers")
    if p.comments is not None:
        parts.append(plural(p.comments, "comment"))
    return "; ".join(parts)


def citation(p: PaperRecord) -> Citation:
    """``p``'s citation; ``p.citation_key`` must have been made (``keys.ensure``)."""
    names = [split(a) for a in p.authors if a.strip()]
    aid = arxiv_id(p.arxiv_id)  # validated: nothing odd reaches a URL or a DOI
    url = f"https://arxiv.org/abs/{aid}" if aid else clean_url(p.url)
    return Citation(
        key=p.citation_key or f"paper{p.id}",
        title=one_line(p.title),
        names=names,
        incomplete=bool(names) and (p.authors_count or 0) > len(names),
        published=p.published,
        arxiv_id=aid,
        url=url,
        doi=f"10.48550/arXiv.{aid}" if aid else None,
        extras=extras(p),
        abstract=p.abstract,
        tags=list(p.tags),
        note=p.note,
    )
