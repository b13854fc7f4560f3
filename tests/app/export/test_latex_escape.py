"""The BibTeX/BibLaTeX escaping's fast paths (issue 12) give exactly what the first
implementation gave (one ``str.translate`` and a ligature regex), on tricky and on random
text: every special character, runs of ligature pairs, line breaks, non-Latin scripts."""

from __future__ import annotations

import random
import re

import pytest

from app.export.to_bibtex import _LATEX, latex_escape

_TABLE = str.maketrans(_LATEX)
_LIGATURE_RE = re.compile(r"(-(?=-)|`(?=`)|'(?=')|<(?=<)|>(?=>)|[!?](?=`))")


def first_escape(text: str) -> str:
    """The first implementation, in its plain form."""
    if not text.isprintable():
        text = " ".join(text.split())
    return _LIGATURE_RE.sub(r"\1{}", text.translate(_TABLE))


TRICKY = [
    "",
    "Plain title with nothing special",
    "A hyphen-ated word, an en--dash and an em---dash ----",
    "``quoted'' and '''triple''' and ```",
    "<<guillemets>> <<< >>>",
    "!`Hola! ?`Qué? !`` ?``",
    "\\backslash {braces} \\{both\\}",
    "100% of $x_1$ & #hash ~tilde ^caret @mention",
    "line\nbreak\r\nand\ttab\u2028sep\u00a0nbsp  double  spaces ",
    "日本語の論文 😀 Ελληνικά -- 'quote'",
    "@{} \\textbackslash{} already escaped-looking",
    "-" * 7 + "`" * 5 + "'" * 4 + "<" * 3 + ">" * 3,
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_text_escapes_as_before(text):
    assert latex_escape(text) == first_escape(text)


def test_random_text_escapes_as_before():
    alphabet = "ab -`'<>!?\\{}%&$#_~^@\n\t\u00e9\u65e5"
    rng = random.Random(12)
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        assert latex_escape(text) == first_escape(text), repr(text)
