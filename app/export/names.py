"""Author names split into family and given parts, by nameparser (a maintained library).

A name that cannot be split (one word, a name in a script without spaces, an organisation)
stays whole: CSL writes it as ``literal``, BibTeX braces it so no style reorders it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from nameparser import HumanName
from nameparser.config import CONSTANTS


@dataclass(frozen=True)
class Name:
    family: str | None  # None: unsplittable, see ``literal``
    given: str = ""
    suffix: str = ""
    literal: str = ""


def _plain(word: str) -> bool:
    # A capitalised word that nameparser would read as a given name or a family name only.
    low = word.lower().rstrip(".")
    return (
        word[:1].isupper()
        and word.isalpha()
        and low not in CONSTANTS.titles
        and low not in CONSTANTS.suffix_acronyms
        and low not in CONSTANTS.suffix_not_acronyms
        and low not in CONSTANTS.prefixes
        and low not in CONSTANTS.conjunctions
    )


@lru_cache(maxsize=100_000)
def split(name: str) -> Name:
    """``Minyang Tian`` → family ``Tian``, given ``Minyang``; ``Madonna`` → literal."""
    text = " ".join(name.split())
    words = text.split(" ")
    # Most names are "Given Family": nameparser reads those the same way, 100x slower.
    if len(words) == 2 and _plain(words[0]) and _plain(words[1]):
        return Name(words[1], words[0])
    parsed = HumanName(text)
    family, given = parsed.last, " ".join(p for p in (parsed.first, parsed.middle) if p)
    if not family or not given:
        return Name(None, literal=text)
    return Name(family, given, parsed.suffix)
