"""The query language: text the user types -> a Whoosh query.

Words must all match (across title, abstract, tags and note); "phrases"; ``OR``; ``NOT``
and ``-word``; ``( )``; fields ``title:`` ``abstract:`` ``tag:`` ``note:`` ``org:``;
``year:2024``; ``date:>=2024-05-01`` and ranges ``a..b``; ``upvotes:>=10``; ``is:starred``,
``is:unstarred``, ``is:read``, ``is:unread``; ``has:note``, ``has:tag``; ``word*`` prefixes.

A malformed query never raises: :func:`parse` falls back to the plain words and says why.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from whoosh import query as q

from app.search.whoosh.schema import ANALYZER, TEXT_FIELDS, day_number

PREFIX_MIN = 3  # as-you-type: the last word counts as a prefix from its third character
PREFIX_CAP = 12  # at most this many words a prefix expands to (the most common ones)
PREFIX_SCAN = 500  # ...chosen among at most this many candidates per field

FIELDS = {"title": "title", "abstract": "abstract", "note": "note", "org": "org", "tags": "tags"}


class QueryError(ValueError):
    """Why a query could not be read (shown to the user with the plain-words fallback)."""


@dataclass
class Parsed:
    """A parsed query: the Whoosh query (None: match everything), the words to highlight
    and to spell-check, and a note when the query was read as plain words."""

    query: q.Query | None
    words: list[str] = field(default_factory=list)  # positive plain words (for suggestions)
    terms: dict[str, set[str]] = field(default_factory=dict)  # field -> terms it matches
    note: str | None = None
    prefix: str | None = None  # the as-you-type prefix, if one was expanded
    # For a query of plain words only (the common case): one group of alternatives
    # ``{field: [terms]}`` per word, all of which must match (see app/search/fast.py).
    groups: list[dict[str, list[str]]] | None = None


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<lp>\()
  | (?P<rp>\))
  | (?P<field>[A-Za-z]+):(?P<fval>"[^"]*"|\S*)
  | (?P<phrase>"[^"]*")
  | (?P<open>")
  | (?P<neg>-)(?=\S)
  | (?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "ws":
            continue
        if kind == "fval":
            out.append(("field", (m.group("field").lower(), m.group("fval"), m.end())))
        elif kind == "open":
            raise QueryError('a quote (") is not closed')
        elif kind == "word" and m.group() in ("OR", "AND", "NOT"):
            out.append((m.group(), None))
        else:
            out.append((kind or "", (m.group(), m.end())))
    return out


def analyse(text: str) -> list[str]:
    return [t.text for t in ANALYZER(text)]


class _Parser:
    def __init__(self, text: str, reader: Any, as_you_type: bool) -> None:
        self.text = text.rstrip() if not as_you_type else text
        self.toks = _tokens(self.text)
        self.i = 0
        self.reader = reader
        self.as_you_type = as_you_type
        self.words: list[str] = []
        self.terms: dict[str, set[str]] = {}
        self.negated = 0  # inside this many NOTs: an odd count matches nothing to mark
        self.prefix: str | None = None
        self.simple = True  # plain words (and one typed prefix) only
        self.groups: list[dict[str, list[str]]] = []

    def mark(self, fields: Any, words: Any) -> None:
        """``words`` match in each of ``fields``: what a reader highlights there."""
        if self.negated % 2:
            return
        for f in fields:
            self.terms.setdefault(f, set()).update(words)

    def peek(self) -> tuple[str, Any] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, Any]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> q.Query | None:
        node = self.conjunction(top=True)
        if self.peek() is not None:
            raise QueryError("a closing parenthesis has no opening one")
        return node

    def conjunction(self, top: bool = False) -> q.Query | None:
        must: list[q.Query] = []
        must_not: list[q.Query] = []
        while True:
            tok = self.peek()
            if tok is None or tok[0] == "rp":
                if tok is not None and top:
                    raise QueryError("a closing parenthesis has no opening one")
                break
            if tok[0] == "AND":
                self.take()
                continue
            negative, node = self.disjunction()
            if node is None:
                continue
            (must_not if negative else must).append(node)
        if not must and not must_not:
            return None
        positive: q.Query = must[0] if len(must) == 1 else q.And(must) if must else q.Every()
        if must_not:
            neg = must_not[0] if len(must_not) == 1 else q.Or(must_not)
            return q.AndNot(positive, neg)
        return positive

    def disjunction(self) -> tuple[bool, q.Query | None]:
        negative, node = self.unary()
        parts = [node]
        while self.peek() is not None and self.peek()[0] == "OR":  # type: ignore[index]
            self.take()
            self.simple = False
            nxt = self.peek()
            if nxt is None or nxt[0] in ("rp", "OR"):
                raise QueryError("OR needs something on both sides")
            neg2, other = self.unary()
            if neg2 or negative:
                raise QueryError("NOT cannot be one side of an OR")
            parts.append(other)
        if len(parts) == 1:
            return negative, node
        kept = [p for p in parts if p is not None]
        return negative, (q.Or(kept) if kept else None)

    def unary(self) -> tuple[bool, q.Query | None]:
        tok = self.peek()
        if tok is not None and tok[0] in ("NOT", "neg"):
            self.take()
            self.simple = False
            nxt = self.peek()
            if nxt is None or nxt[0] in ("rp", "OR", "NOT", "neg"):
                raise QueryError(f"{'NOT' if tok[0] == 'NOT' else '-'} needs a word after it")
            self.negated += 1
            try:
                neg, node = self.unary()
            finally:
                self.negated -= 1
            return (not neg), node
        return False, self.atom()

    def atom(self) -> q.Query | None:
        kind, value = self.take()
        if kind != "word":
            self.simple = False
        if kind == "lp":
            node = self.conjunction()
            if self.peek() is None:
                raise QueryError("a parenthesis is not closed")
            self.take()
            return node
        if kind == "rp":
            raise QueryError("a closing parenthesis has no opening one")
        if kind == "OR":
            raise QueryError("OR needs something on both sides")
        if kind == "phrase":
            words = analyse(value[0][1:-1])
            if not words:
                return None
            self.mark(TEXT_FIELDS, words)
            return _across(words)
        if kind == "field":
            return self.fielded(*value)
        text, end = value
        return self.word(text, last=end == len(self.text))

    def word(self, text: str, last: bool) -> q.Query | None:
        explicit = text.endswith("*")
        words = analyse(text.rstrip("*"))
        if not words:
            return None
        if explicit or (self.as_you_type and last and len(words) == 1):
            stem = words[-1]
            if len(stem) >= PREFIX_MIN or (explicit and len(stem) >= 2):
                head = words[:-1]
                self.words += [] if self.negated % 2 else head
                self.mark(TEXT_FIELDS, head)
                expanded = self.expand(stem, TEXT_FIELDS)
                self.prefix = stem
                self.groups += [_group([w]) for w in head]
                self.groups.append(expanded)
                parts = [_across([w]) for w in head]
                parts.append(_any_of(expanded) if expanded else q.NullQuery)
                return parts[0] if len(parts) == 1 else q.And(parts)
        self.words += [] if self.negated % 2 else words
        self.mark(TEXT_FIELDS, words)
        if len(words) == 1:
            self.groups.append(_group(words))
        else:
            self.simple = False  # e.g. "gpt-4": a phrase of its parts
        return _across(words)

    def expand(self, prefix: str, fields: dict[str, float]) -> dict[str, list[str]]:
        """Words of each field starting with ``prefix``: the most common ones, capped.

        Never a Whoosh wildcard: over 100,000 abstracts ``d*`` takes about a minute.
        """
        out: dict[str, list[str]] = {}
        if self.reader is None:
            return out
        for fname in fields:
            terms = common_prefix_terms(self.reader, fname, prefix, PREFIX_CAP)
            if terms:
                out[fname] = terms
                self.mark([fname], terms)
        return out

    def fielded(self, name: str, raw: str, end: int) -> q.Query | None:
        if not raw:
            raise QueryError(f"{name}: needs a value after the colon")
        quoted = raw.startswith('"') and raw.endswith('"') and len(raw) >= 2
        value = raw[1:-1] if quoted else raw
        if name in FIELDS:
            fname = FIELDS[name]
            if not quoted and value.endswith("*"):
                words = analyse(value[:-1])
                if len(words) == 1 and len(words[0]) >= 2:
                    exp = self.expand(words[0], {fname: 1.0})
                    return _any_of(exp) if exp else q.NullQuery
            words = analyse(value)
            if not words:
                return None
            self.mark([fname], words)
            return _phrase(fname, words)
        if name == "tag":
            tag = " ".join(value.split()).casefold()
            if not tag:
                raise QueryError("tag: needs a tag name")
            return q.Term("tag", tag)
        if name == "year":
            lo, hi, lx, hx = _range(value, _year_bounds, "year")
            return q.NumericRange("published", lo, hi, lx, hx)
        if name == "date":
            lo, hi, lx, hx = _range(value, _date_bounds, "date")
            return q.NumericRange("published", lo, hi, lx, hx)
        if name == "upvotes":
            lo, hi, lx, hx = _range(value, _count_bounds, "upvotes")
            return q.NumericRange("upvotes", lo, hi, lx, hx)
        if name == "is":
            flags = {
                "starred": ("starred", True),
                "unstarred": ("starred", False),
                "read": ("read", True),
                "unread": ("read", False),
            }
            if value.lower() not in flags:
                raise QueryError(f"is:{value} is unknown; use is:starred, is:unread or is:read")
            fname, flag = flags[value.lower()]
            return q.Term(fname, flag)
        if name == "has":
            flags2 = {"note": "has_note", "tag": "has_tag", "tags": "has_tag"}
            if value.lower() not in flags2:
                raise QueryError(f"has:{value} is unknown; use has:note or has:tag")
            return q.Term(flags2[value.lower()], True)
        raise QueryError(f"{name}: is not a field (use title, abstract, tag, note, org, ...)")


def common_prefix_terms(reader: Any, fname: str, prefix: str, cap: int) -> list[str]:
    """The ``cap`` most common words of field ``fname`` starting with ``prefix``.

    Per segment: a multi-segment reader merges every term's info across segments, which
    costs more than the search itself; at most ``PREFIX_SCAN`` candidates per segment.
    """
    counts: dict[str, int] = {}
    for leaf, _base in reader.leaf_readers():
        try:
            for n, (term, info) in enumerate(leaf.iter_prefix(fname, prefix)):
                if n >= PREFIX_SCAN:
                    break
                word = term.decode("utf-8") if isinstance(term, bytes) else term
                counts[word] = counts.get(word, 0) + info.doc_frequency()
        except (KeyError, TypeError):
            continue
    return sorted(counts, key=lambda w: (-counts[w], w))[:cap]


def _group(words: list[str]) -> dict[str, list[str]]:
    return {f: list(words) for f in TEXT_FIELDS}


def _across(words: list[str]) -> q.Query:
    """Words (one, or a phrase) in any of the text fields, title weighted highest."""
    return q.Or([_phrase(f, words, boost) for f, boost in TEXT_FIELDS.items()])


def _phrase(fname: str, words: list[str], boost: float = 1.0) -> q.Query:
    if len(words) == 1:
        return q.Term(fname, words[0], boost=boost)
    if fname == "org":
        return q.And([q.Term(fname, w) for w in words], boost=boost)
    return q.Phrase(fname, words, boost=boost)


def _any_of(expanded: dict[str, list[str]]) -> q.Query:
    return q.Or(
        [
            q.Term(f, t, boost=TEXT_FIELDS.get(f, 1.0))
            for f, terms in expanded.items()
            for t in terms
        ]
    )


# -- ranges ---------------------------------------------------------------------------------

_CMP = re.compile(r"^(>=|<=|>|<|=)?(.+)$")


def _range(value: str, bounds: Any, name: str) -> tuple[Any, Any, bool, bool]:
    """``>=a``, ``<a``, ``a..b``, ``a`` -> (low, high, low excluded, high excluded)."""
    if ".." in value:
        a, b = value.split("..", 1)
        lo = bounds(a, name)[0] if a else None
        hi = bounds(b, name)[1] if b else None
        if lo is None and hi is None:
            raise QueryError(f"{name}:{value} gives no bounds")
        return lo, hi, False, False
    m = _CMP.match(value)
    assert m is not None
    op, body = m.group(1) or "=", m.group(2)
    lo, hi = bounds(body, name)
    if op == "=":
        return lo, hi, False, False
    if op == ">=":
        return lo, None, False, False
    if op == ">":
        return hi, None, True, False
    if op == "<=":
        return None, hi, False, False
    return None, lo, False, True  # "<"


def _year_bounds(text: str, name: str) -> tuple[int, int]:
    if not re.fullmatch(r"\d{4}", text):
        raise QueryError(f"{name}:{text} is not a year like 2024")
    y = int(text)
    return y * 10000 + 101, y * 10000 + 1231


def _date_bounds(text: str, name: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", text)
    if not m:
        raise QueryError(f"{name}:{text} is not a date like 2024-05-01, 2024-05 or 2024")
    y = int(m.group(1))
    try:
        if m.group(3):
            d = date(y, int(m.group(2)), int(m.group(3)))
            return day_number(d), day_number(d)
        if m.group(2):
            month = int(m.group(2))
            last = calendar.monthrange(y, month)[1]
            return day_number(date(y, month, 1)), day_number(date(y, month, last))
    except ValueError:
        raise QueryError(f"{name}:{text} is not a real date") from None
    return y * 10000 + 101, y * 10000 + 1231


def _count_bounds(text: str, name: str) -> tuple[int, int]:
    if not text.isdigit():
        raise QueryError(f"{name}:{text} is not a whole number")
    return int(text), int(text)


def plain(text: str, why: str) -> Parsed:
    """The plain words of ``text``, all required, with a note saying why."""
    words = list(dict.fromkeys(analyse(re.sub(r"\b(OR|AND|NOT)\b", " ", text))))
    parts = [_across([w]) for w in words]
    node = None if not parts else parts[0] if len(parts) == 1 else q.And(parts)
    note = f"could not read the query ({why}); searched for the plain words instead"
    groups = [_group([w]) for w in words] if words else None
    terms = {f: set(words) for f in TEXT_FIELDS} if words else {}
    return Parsed(node, words, terms, note, None, groups)


def parse(text: str, reader: Any = None, as_you_type: bool = False) -> Parsed:
    """Read ``text``; on a mistake, fall back to its plain words with a note saying so."""
    try:
        p = _Parser(text, reader, as_you_type)
        node = p.parse()
        groups = p.groups if p.simple and node is not None else None
        return Parsed(node, p.words, p.terms, None, p.prefix, groups)
    except QueryError as exc:
        return plain(text, str(exc))
