"""The query language: text the user types -> a Whoosh query.

Words must all match (across title, abstract, tags and note); "phrases"; ``OR``; ``NOT``
and ``-word``; ``( )``; fields ``title:`` ``abstract:`` ``tag:`` ``note:`` ``org:``;
``author:`` (``authors:``); ``arxiv:ID`` (``id:ID``); ``year:2024``; ``date:>=2024-05-01``
and ranges ``a..b``; ``upvotes:>=10``, ``comments:>=3``; ``is:starred``, ``is:unstarred``,
``is:read``, ``is:unread``; ``has:note``, ``has:tag``; ``word*`` prefixes.

A malformed query never raises: :func:`parse` falls back to the plain words and says why.
A pathological one is bounded: at most ``MAX_TERMS`` terms, phrases of ``MAX_PHRASE`` words,
``MAX_DEPTH`` nested groups; a query cut down to that says so in its note.

Every query built only of words, prefixes and single-word fields (with AND, OR, NOT and
parentheses) also gets a ``tree`` the vectorised scorer runs (fast.py), with Whoosh's
scores: OR sums the matching sides, AND sums all, NOT keeps the positive side's score.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from whoosh import query as q

from app.search.whoosh.schema import (
    ANALYZER,
    INT_MAX,
    TEXT_FIELDS,
    arxiv_key,
    day_number,
    make_schema,
)

PREFIX_MIN = 3  # as-you-type: the last word counts as a prefix from its third character
PREFIX_CAP = 12  # at most this many words a prefix expands to (the most common ones)
PREFIX_SCAN = 500  # ...chosen among at most this many candidates per field

MAX_TERMS = 32  # words, phrases and fields per query; the rest is left out (and said)
MAX_PHRASE = 12  # words per phrase; a longer one keeps its first words
MAX_DEPTH = 16  # nested parentheses / NOTs
# Phrases are matched by word position, in bulk (fast.py: ~1 µs per candidate document
# and word; a phrase of two common words over 100,000 abstracts has ~50,000). Beyond the
# first phrase, a query's phrases may add up to this many; the rest are read as words.
PHRASE_BUDGET = 600_000
MAX_WORD = 100  # characters of one word taken into account

FIELDS = {
    "title": "title",
    "abstract": "abstract",
    "note": "note",
    "org": "org",
    "tags": "tags",
    "author": "authors",
    "authors": "authors",
}


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
    # The whole query for the vectorised scorer, or None (phrases, ranges, flags: Whoosh).
    # Nodes: ("g", {field: [terms]}, boosts) | ("and", [nodes]) | ("or", [nodes])
    #        | ("not", node, node) | ("null",) | ("all",) | ("p", field, words, boost)
    #        | ("k", field, term) | ("r", column, lo, hi, lo_excl, hi_excl) | ("w", query)
    tree: Any = None
    simplified: bool = False  # cut down to the bounds above (the note says how)


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


_ATOMS = ("field", "phrase", "word")


def _tokens(text: str) -> tuple[list[tuple[str, Any]], bool]:
    """The tokens of ``text`` (at most ``MAX_TERMS`` atoms), and whether some were cut."""
    out: list[tuple[str, Any]] = []
    atoms = 0
    for m in _TOKEN.finditer(text):
        if m.lastgroup in ("fval", "phrase") or (
            m.lastgroup == "word" and m.group() not in ("OR", "AND", "NOT")
        ):
            atoms += 1
            if atoms > MAX_TERMS:
                return _balanced(out), True
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
    return out, False


def _balanced(toks: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """A cut token list made whole again: no dangling operator, every group closed."""
    while toks and toks[-1][0] in ("OR", "AND", "NOT", "neg", "lp"):
        toks.pop()
    depth = 0
    for kind, _ in toks:
        depth += (kind == "lp") - (kind == "rp")
    return toks + [("rp", (")", -1))] * max(0, depth)


def analyse(text: str) -> list[str]:
    return [t.text for t in ANALYZER(text) if len(t.text) <= MAX_WORD]


class _Parser:
    def __init__(self, text: str, reader: Any, as_you_type: bool) -> None:
        self.text = text.rstrip() if not as_you_type else text
        self.toks, self.cut = _tokens(self.text)
        self.depth = 0
        self.shortened = False  # a phrase was cut to MAX_PHRASE words
        self.phrases = 0  # phrases matched by position so far
        self.phrase_cost = 0  # their candidate documents
        self.loose = False  # phrases beyond MAX_PHRASES, read as words
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

    def parse(self) -> tuple[q.Query | None, Any]:
        node, tree = self.conjunction(top=True)
        if self.peek() is not None:
            raise QueryError("a closing parenthesis has no opening one")
        return node, tree

    def conjunction(self, top: bool = False) -> tuple[q.Query | None, Any]:
        must: list[q.Query] = []
        must_not: list[q.Query] = []
        fast_must: list[Any] = []
        fast_not: list[Any] = []
        while True:
            tok = self.peek()
            if tok is None or tok[0] == "rp":
                if tok is not None and top:
                    raise QueryError("a closing parenthesis has no opening one")
                break
            if tok[0] == "AND":
                self.take()
                continue
            negative, node, tree = self.disjunction()
            if node is None:
                continue
            (must_not if negative else must).append(node)
            (fast_not if negative else fast_must).append(tree)
        if not must and not must_not:
            return None, None
        positive: q.Query = must[0] if len(must) == 1 else q.And(must) if must else q.Every()
        fast_pos = (
            ("all",)  # as Whoosh's Every: every document, scored 1.0
            if not fast_must
            else None
            if any(t is None for t in fast_must)
            else fast_must[0]
            if len(fast_must) == 1
            else ("and", fast_must)
        )
        if must_not:
            neg = must_not[0] if len(must_not) == 1 else q.Or(must_not)
            fast_neg = None if any(t is None for t in fast_not) else ("or", fast_not)
            fast = None if fast_pos is None or fast_neg is None else ("not", fast_pos, fast_neg)
            return q.AndNot(positive, neg), fast
        return positive, fast_pos

    def disjunction(self) -> tuple[bool, q.Query | None, Any]:
        negative, node, tree = self.unary()
        parts = [(node, tree)]
        while self.peek() is not None and self.peek()[0] == "OR":  # type: ignore[index]
            self.take()
            self.simple = False
            nxt = self.peek()
            if nxt is None or nxt[0] in ("rp", "OR"):
                raise QueryError("OR needs something on both sides")
            neg2, other, other_tree = self.unary()
            if neg2 or negative:
                raise QueryError("NOT cannot be one side of an OR")
            parts.append((other, other_tree))
        if len(parts) == 1:
            return negative, node, tree
        kept = [(p, t) for p, t in parts if p is not None]
        if not kept:
            return negative, None, None
        trees = [t for _, t in kept]
        fast = None if any(t is None for t in trees) else ("or", trees)
        return negative, q.Or([p for p, _ in kept]), fast

    def nested(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(f"more than {MAX_DEPTH} nested groups")

    def unary(self) -> tuple[bool, q.Query | None, Any]:
        tok = self.peek()
        if tok is not None and tok[0] in ("NOT", "neg"):
            self.take()
            self.simple = False
            nxt = self.peek()
            if nxt is None or nxt[0] in ("rp", "OR", "NOT", "neg"):
                raise QueryError(f"{'NOT' if tok[0] == 'NOT' else '-'} needs a word after it")
            self.negated += 1
            self.nested()
            try:
                neg, node, tree = self.unary()
            finally:
                self.negated -= 1
                self.depth -= 1
            return (not neg), node, tree
        node, tree = self.atom()
        return False, node, tree

    def atom(self) -> tuple[q.Query | None, Any]:
        kind, value = self.take()
        if kind != "word":
            self.simple = False
        if kind == "lp":
            self.nested()
            node = self.conjunction()
            self.depth -= 1
            if self.peek() is None:
                raise QueryError("a parenthesis is not closed")
            self.take()
            return node
        if kind == "rp":
            raise QueryError("a closing parenthesis has no opening one")
        if kind == "OR":
            raise QueryError("OR needs something on both sides")
        if kind in ("AND", "NOT"):
            raise QueryError(f"{kind} needs a word after it")
        if kind == "phrase":
            words = self.phrase_words(value[0][1:-1])
            if not words:
                return None, None
            self.mark(TEXT_FIELDS, words)
            if len(words) == 1:
                return _across(words), ("g", _group(words), TEXT_FIELDS)
            return self.phrase(words, TEXT_FIELDS)
        if kind == "field":
            return self.fielded(*value)
        text, end = value
        return self.word(text, last=end == len(self.text))

    def phrase(self, words: list[str], fields: dict[str, float]) -> tuple[q.Query, Any]:
        """A phrase of ``words`` in any of ``fields``: Whoosh's phrase matcher while the
        query's phrases stay within ``PHRASE_BUDGET`` candidate documents (the first one
        always), the rest as words that must all occur (and the query says so)."""
        cost = 0
        if self.reader is not None:
            # candidates (documents with its rarest word) x positions checked per candidate
            cands = sum(min(self.reader.doc_frequency(f, w) for w in words) for f in fields)
            cost = cands * (len(words) - 1)
        if self.phrases == 0 or self.phrase_cost + cost <= PHRASE_BUDGET:
            self.phrases += 1
            self.phrase_cost += cost
            if fields is TEXT_FIELDS:
                query = _across(words)
                tree = ("or", [("p", f, words, boost) for f, boost in TEXT_FIELDS.items()])
                return query, tree
            (fname,) = fields
            query = _phrase(fname, words)
            if fname == "org":  # no positions: Whoosh's AND of the words
                return query, ("w", query)
            return query, ("p", fname, words, 1.0)
        self.loose = True
        groups = [{f: [w] for f in fields} for w in words]
        boosts = TEXT_FIELDS if fields is TEXT_FIELDS else dict.fromkeys(fields, 1.0)
        query = q.And([q.Or([q.Term(f, w, boost=boosts[f]) for f in fields]) for w in words])
        return query, ("and", [("g", g, boosts) for g in groups])

    def phrase_words(self, text: str) -> list[str]:
        words = analyse(text)
        if len(words) > MAX_PHRASE:
            self.shortened = True
            words = words[:MAX_PHRASE]
        return words

    def word(self, text: str, last: bool) -> tuple[q.Query | None, Any]:
        explicit = text.endswith("*")
        words = analyse(text.rstrip("*"))[:MAX_PHRASE]
        if not words:
            return None, None
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
                trees: list[Any] = [("g", _group([w]), TEXT_FIELDS) for w in head]
                trees.append(("g", expanded, TEXT_FIELDS) if expanded else ("null",))
                if len(parts) == 1:
                    return parts[0], trees[0]
                return q.And(parts), ("and", trees)
        self.words += [] if self.negated % 2 else words
        self.mark(TEXT_FIELDS, words)
        if len(words) == 1:
            self.groups.append(_group(words))
            return _across(words), ("g", _group(words), TEXT_FIELDS)
        self.simple = False  # e.g. "gpt-4": a phrase of its parts
        return self.phrase(words, TEXT_FIELDS)

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

    def fielded(self, name: str, raw: str, end: int) -> tuple[q.Query | None, Any]:
        if not raw:
            raise QueryError(f"{name}: needs a value after the colon")
        quoted = raw.startswith('"') and raw.endswith('"') and len(raw) >= 2
        value = raw[1:-1] if quoted else raw
        if name in FIELDS:
            fname = FIELDS[name]
            one = {fname: 1.0}
            if not quoted and value.endswith("*"):
                words = analyse(value[:-1])
                if len(words) == 1 and len(words[0]) >= 2:
                    exp = self.expand(words[0], one)
                    if not exp:
                        return q.NullQuery, ("null",)
                    return _any_of(exp), ("g", exp, TEXT_FIELDS)
            words = self.phrase_words(value)
            if not words:
                return None, None
            self.mark([fname], words)
            if len(words) == 1:
                return _phrase(fname, words), ("g", {fname: words}, one)
            return self.phrase(words, {fname: 1.0})
        if name == "tag":
            tag = " ".join(value.split()).casefold()
            if not tag:
                raise QueryError("tag: needs a tag name")
            return _leaf(q.Term("tag", tag))
        if name in ("arxiv", "id"):
            key = arxiv_key(value)
            if not re.fullmatch(r"[a-z0-9./-]{4,40}", key):
                raise QueryError(f"{name}:{value} is not an arXiv id like 2401.01234")
            return _leaf(q.Term("arxiv", key))
        if name == "year":
            lo, hi, lx, hx = _range(value, _year_bounds, "year")
            return _range_leaf("published", lo, hi, lx, hx)
        if name == "date":
            lo, hi, lx, hx = _range(value, _date_bounds, "date")
            return _range_leaf("published", lo, hi, lx, hx)
        if name in ("upvotes", "comments"):
            lo, hi, lx, hx = _range(value, _count_bounds, name)
            # Unknown counts are stored below zero: a range never matches them.
            return _range_leaf(name, 0 if lo is None else lo, hi, lx, hx)
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
            return _leaf(q.Term(fname, flag))
        if name == "has":
            flags2 = {"note": "has_note", "tag": "has_tag", "tags": "has_tag"}
            if value.lower() not in flags2:
                raise QueryError(f"has:{value} is unknown; use has:note or has:tag")
            return _leaf(q.Term(flags2[value.lower()], True))
        raise QueryError(f"{name}: is not a field (use title, abstract, author, tag, org, ...)")


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


def _leaf(query: q.Query) -> tuple[q.Query, Any]:
    """A part of an unscored field (tag, flags, arXiv id): the vectorised scorer reads its
    postings (Whoosh scores such a term by its weight)."""
    if isinstance(query, q.Term) and not UNSCORED.get(query.fieldname, False):
        return query, ("w", query)
    return query, ("k", query.fieldname, query.text)


UNSCORED = {
    name: not fieldtype.scorable for name, fieldtype in make_schema().items()
}  # fields Whoosh scores by weight alone


def _range_leaf(name: str, lo: Any, hi: Any, lx: bool, hx: bool) -> tuple[q.Query, Any]:
    """A numeric range: read straight from the field's column (Whoosh scores every match of
    a ``NumericRange`` 1.0)."""
    return q.NumericRange(name, lo, hi, lx, hx), ("r", name, lo, hi, lx, hx)


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
    if m is None:
        raise QueryError(f"{name}: needs a value")
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
    if not re.fullmatch(r"[0-9]{4}", text):
        raise QueryError(f"{name}:{text} is not a year like 2024")
    y = int(text)
    return y * 10000 + 101, y * 10000 + 1231


def _date_bounds(text: str, name: str) -> tuple[int, int]:
    m = re.fullmatch(r"([0-9]{4})(?:-([0-9]{1,2})(?:-([0-9]{1,2}))?)?", text)
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
    # ASCII digits only ("²" is a digit to str.isdigit, not to int), and never thousands
    # of them: a count beyond the index's range is the range's end.
    if not re.fullmatch(r"[0-9]+", text):
        raise QueryError(f"{name}:{text[:20]} is not a whole number")
    n = INT_MAX if len(text) > 10 else min(int(text), INT_MAX)
    return n, n


def plain(text: str, why: str) -> Parsed:
    """The plain words of ``text``, all required, with a note saying why.

    Only words that stood alone (not part of a ``name:value``) are offered to "did you
    mean": never "year:abc" -> "years:art"."""
    cut = len(text) > MAX_TERMS * (MAX_WORD + 2)
    text = text[: MAX_TERMS * (MAX_WORD + 2)]
    bare = re.sub(r"\b(OR|AND|NOT)\b", " ", text)
    words = list(dict.fromkeys(analyse(bare)))
    if len(words) > MAX_TERMS:
        words, cut = words[:MAX_TERMS], True
    alone = {w for tok in bare.split() if ":" not in tok for w in analyse(tok.lstrip("-"))}
    parts = [_across([w]) for w in words]
    node = None if not parts else parts[0] if len(parts) == 1 else q.And(parts)
    note = f"could not read the query ({why}); searched for the plain words instead"
    if cut:
        note += f" (its first {MAX_TERMS} words)"
    groups = [_group([w]) for w in words] if words else None
    terms = {f: set(words) for f in TEXT_FIELDS} if words else {}
    tree = ("and", [("g", g, TEXT_FIELDS) for g in groups]) if groups else None
    suggestible = [w for w in words if w in alone]
    return Parsed(node, suggestible, terms, note, None, groups, tree, cut)


def parse(text: str, reader: Any = None, as_you_type: bool = False) -> Parsed:
    """Read ``text``; on a mistake, fall back to its plain words with a note saying so."""
    try:
        p = _Parser(text, reader, as_you_type)
        node, tree = p.parse()
    except QueryError as exc:
        return plain(text, str(exc))
    except Exception as exc:  # a case the parser missed is still only a parse failure
        return plain(text, f"{type(exc).__name__}")
    groups = p.groups if p.simple and node is not None else None
    note = None
    if p.cut or p.shortened or p.loose:
        what = [f"its first {MAX_TERMS} terms"] if p.cut else []
        what += [f"phrases of at most {MAX_PHRASE} words"] if p.shortened else []
        what += ["some phrases as plain words (too common to match in time)"] if p.loose else []
        note = "the query was simplified: searched " + " and ".join(what)
    simplified = p.cut or p.shortened or p.loose
    return Parsed(node, p.words, p.terms, note, p.prefix, groups, tree, simplified)
