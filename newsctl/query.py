"""The query language: text -> a small tree, which engine.compile turns into Whoosh queries.

Grammar (worked examples in tests/test_query.py):

    query   := or_expr
    or_expr := and_expr ("OR" and_expr)*
    and_expr:= unary+                       terms side by side must all match
    unary   := ("NOT" | "-") unary | atom
    atom    := "(" or_expr ")" | [field ":"] (WORD | "PHRASE")
    field   := title | category | tag | source | date

A WORD or "PHRASE" without a field matches the title or the body as a
substring (Chinese) or whole tokens (ASCII letters/digits); see analysis.py.
`date:` takes a day, month or year, `a..b` with open ends, or a relative form
(`7d..`). Raw strings enter here only; every problem is a QueryError.

Limits: at most MAX_DEPTH nested parentheses or NOTs and MAX_TERMS distinct
terms (a term repeated inside one AND or OR counts once: `a a a` is `a`).
Deeper or bigger queries are refused with the limit named, before anything
recurses past what Python and Whoosh's matcher trees can take (a 1,000-term
AND overflowed Whoosh's stack; 300 parentheses overflowed this parser).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Iterator, Union

from .errors import QueryError, UsageError

FIELDS = ("title", "category", "tag", "source", "date")
MAX_DEPTH = 50  # nested ( ) or NOT/- levels
MAX_TERMS = 200  # distinct terms (words, phrases, field:value) in one query
TEXT_FIELDS = ("title", "body")


@dataclass(frozen=True)
class Text:
    """A literal to find; `field` None means title or body."""

    text: str
    field: str | None = None
    quoted: bool = False


@dataclass(frozen=True)
class Keyword:
    field: str  # category | tag
    value: str


@dataclass(frozen=True)
class Dates:
    start: datetime | None
    end: datetime | None  # exclusive
    text: str


@dataclass(frozen=True)
class Not:
    item: "Node"


@dataclass(frozen=True)
class And:
    items: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    items: tuple["Node", ...]


Node = Union[Text, Keyword, Dates, Not, And, Or]

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<neg>-(?=[^\s)]))
  | (?P<field>[A-Za-z_]+):(?=[^\s)]|\s|$)
  | (?P<phrase>"[^"]*"?)
  | (?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    pos: int


def _tokens(query: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(query):
        m = _TOKEN.match(query, pos)
        assert m is not None  # the word alternative matches anything else
        kind = m.lastgroup or "word"
        text = m.group()
        if kind == "phrase" and (len(text) < 2 or not text.endswith('"')):
            raise QueryError(f'unclosed quote at column {pos + 1} in {query!r}', hint='close the "phrase"')
        if kind == "word" and text in ("OR", "NOT", "AND"):
            kind = text.lower()
        if kind != "ws":
            out.append(_Tok(kind, text, pos))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, query: str, tz: tzinfo, now: datetime | None) -> None:
        self.query = query
        self.toks = _tokens(query)
        self.i = 0
        self.tz = tz
        self.now = now
        self.depth = 0

    def deeper(self, tok: _Tok) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(
                f"query nests more than {MAX_DEPTH} levels of parentheses or NOT (at column {tok.pos + 1}); "
                f"at most {MAX_DEPTH} are allowed"
            )

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def error(self, what: str, tok: _Tok | None) -> QueryError:
        where = f" at column {tok.pos + 1}" if tok else " at the end"
        return QueryError(f"{what}{where} of query {self.query!r}")

    def parse(self) -> Node:
        if not self.toks:
            raise QueryError("empty query", hint="give words to search for")
        node = self.or_expr()
        tok = self.peek()
        if tok is not None:
            raise self.error("unexpected ')'" if tok.kind == "rparen" else f"unexpected {tok.text!r}", tok)
        n = count_terms(node)
        if n > MAX_TERMS:
            raise QueryError(f"query has {n} different terms; at most {MAX_TERMS} are allowed", hint="search with fewer terms")
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while (tok := self.peek()) is not None and tok.kind == "or":
            self.take()
            items.append(self.and_expr())
        items = _distinct(items)
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Node:
        items: list[Node] = []
        while (tok := self.peek()) is not None and tok.kind not in ("or", "rparen"):
            if tok.kind == "and":  # explicit AND is allowed and means the same as a space
                self.take()
                continue
            items.append(self.unary())
        if not items:
            raise self.error("expected a term", self.peek())
        items = _distinct(items)
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self) -> Node:
        tok = self.peek()
        if tok is not None and tok.kind in ("not", "neg"):
            self.take()
            if self.peek() is None or self.peek().kind in ("or", "rparen"):  # type: ignore[union-attr]
                raise self.error(f"{tok.text} needs a term after it", self.peek())
            self.deeper(tok)
            node = Not(self.unary())
            self.depth -= 1
            return node
        return self.atom()

    def atom(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise self.error("expected a term", None)
        if tok.kind == "lparen":
            self.take()
            self.deeper(tok)
            node = self.or_expr()
            close = self.peek()
            if close is None or close.kind != "rparen":
                raise self.error("missing ')'", close)
            self.take()
            self.depth -= 1
            return node
        if tok.kind == "field":
            self.take()
            name = tok.text[:-1].lower()
            if name not in FIELDS:
                raise QueryError(
                    f"unknown field {name!r} in query {self.query!r}",
                    hint=f"fields: {', '.join(FIELDS)}; quote the term to search for it as text",
                )
            value = self.peek()
            if value is None or value.kind not in ("word", "phrase", "or", "not", "and"):
                raise self.error(f"{name}: needs a value", value)
            self.take()
            text = value.text[1:-1] if value.kind == "phrase" else value.text
            return self.field_node(name, text, quoted=value.kind == "phrase")
        if tok.kind in ("word", "phrase"):
            self.take()
            if tok.kind == "phrase":
                if not tok.text[1:-1].strip():
                    raise QueryError(f"empty phrase {tok.text} at column {tok.pos + 1} of query {self.query!r}",
                                     hint="put words between the quotes")
                return Text(tok.text[1:-1], None, quoted=True)
            return Text(tok.text, None, quoted=False)
        raise self.error(f"unexpected {tok.text!r}", tok)

    def field_node(self, name: str, text: str, *, quoted: bool) -> Node:
        if name == "date":
            from .dates import parse_range

            try:
                start, end = parse_range(text, self.tz, now=self.now)
            except UsageError as e:
                raise QueryError(f"date:{text}: {e}") from None
            return Dates(start, end, text)
        if not text.strip():
            raise QueryError(f"{name}: needs a value in query {self.query!r}")
        if name in ("category", "tag"):
            return Keyword(name, text)
        return Text(text, name, quoted=quoted)


def _distinct(items: list[Node]) -> list[Node]:
    """Items of one AND/OR without repeats (`a a` means `a`), first occurrence kept."""
    return list(dict.fromkeys(items))


def count_terms(node: Node) -> int:
    """Distinct leaves (terms, field:value, date:) of a parsed query."""
    leaves: set[Node] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Not):
            stack.append(n.item)
        elif isinstance(n, (And, Or)):
            stack.extend(n.items)
        else:
            leaves.add(n)
    return len(leaves)


def parse_query(query: str, tz: tzinfo, *, now: datetime | None = None) -> Node:
    """Parse a query string; QueryError says what is wrong and where."""
    return _Parser(query, tz, now).parse()


def texts(node: Node, *, positive: bool = True) -> Iterator[Text]:
    """The Text leaves that must match (not under NOT): what gets highlighted."""
    if isinstance(node, Text):
        if positive:
            yield node
    elif isinstance(node, Not):
        yield from texts(node.item, positive=not positive)
    elif isinstance(node, (And, Or)):
        for item in node.items:
            yield from texts(item, positive=positive)


def nothing_found_hints(node: Node) -> list[str]:
    """Why a query that found nothing may not mean what its writer meant: wildcards, lower-case operators."""
    hints: list[str] = []
    for leaf in dict.fromkeys(texts(node)):
        if leaf.quoted:
            continue
        if any(c in leaf.text for c in "*?"):
            bare = leaf.text.replace("*", "").replace("?", "")
            how = (
                "ASCII letters and digits match whole words: write the whole word"
                if bare.isascii()
                else f"Chinese already matches any substring: search {bare!r}"
            )
            hints.append(f"wildcards are not supported: {leaf.text!r} was searched as written; {how}")
        elif leaf.field is None and leaf.text in ("and", "or", "not"):
            hints.append(f"{leaf.text!r} was searched as a word; the operator is {leaf.text.upper()} (upper case)")
    return hints


def describe(node: Node) -> str:
    """How the query was understood, for --explain."""
    if isinstance(node, Text):
        where = node.field or "title|body"
        kind = "phrase" if node.quoted else "term"
        return f"{where} contains {kind} {node.text!r}"
    if isinstance(node, Keyword):
        return f"{node.field} is {node.value!r}"
    if isinstance(node, Dates):
        lo = node.start.isoformat() if node.start else "…"
        hi = node.end.isoformat() if node.end else "…"
        return f"date in [{lo}, {hi})"
    if isinstance(node, Not):
        return f"NOT ({describe(node.item)})"
    joiner = " AND " if isinstance(node, And) else " OR "
    return "(" + joiner.join(describe(i) for i in node.items) + ")"
