"""The query tree (search.query) compiled to Whoosh queries: the one place that knows how.

Match sets are exact (`literal_query`); the scored form only adds optional
clauses that order them: title above body, a real word above a substring,
and for the word fallback, words that stand close together.
"""

from __future__ import annotations

from typing import Any

from ..query import And, Dates, Keyword, Node, Not, Text
from .matchers import literal_query

PROXIMITY_SLOP = 12
PROXIMITY_BOOST = 2.0

TITLE_BOOST = 3.0
WORD_BOOST = 2.0


def text_match(node: Text) -> Any:
    """The exact match set for one literal (no scoring extras)."""
    from whoosh import query as wq


    if node.field == "title":
        return literal_query("title", node.text)
    if node.field == "source":
        return literal_query("source_text", node.text)
    return wq.Or([literal_query("title", node.text), literal_query("body", node.text)])


def text_scored(node: Text) -> Any:
    """Match set of `text_match`, ranked: title above body, real words above substrings."""
    from whoosh import query as wq

    from ..text.normalize import normalize

    if node.field is not None:
        return text_match(node)
    title = literal_query("title", node.text)
    body = literal_query("body", node.text)
    required = wq.Or([title, body])
    extras: list[Any] = [title.with_boost(TITLE_BOOST) if hasattr(title, "with_boost") else title]
    word = normalize(node.text).strip()
    if word and " " not in word:
        extras.append(wq.Term("words", word, boost=WORD_BOOST))
    return wq.AndMaybe(required, wq.Or(extras))


def to_whoosh(node: Node, *, scored: bool = True, replace: dict[Text, Node] | None = None) -> Any:
    """The Whoosh query for a tree; `replace` swaps leaves (the word fallback)."""
    from whoosh import query as wq

    from .schema import to_utc_naive

    if replace and isinstance(node, Text) and node in replace:
        return to_whoosh(replace[node], scored=scored)
    if isinstance(node, Text):
        return text_scored(node) if scored else text_match(node)
    if isinstance(node, Keyword):
        return wq.Term(node.field, node.value.lower())
    if isinstance(node, Dates):
        return wq.DateRange(
            "date",
            to_utc_naive(node.start) if node.start else None,
            to_utc_naive(node.end) if node.end else None,
            endexcl=True,
        )
    if isinstance(node, Not):
        return wq.Not(to_whoosh(node.item, scored=False, replace=replace))
    items = [to_whoosh(i, scored=scored, replace=replace) for i in node.items]
    if isinstance(node, And):
        # NOT stays a Not inside And: Whoosh's AndNot over an AndMaybe/Or skips
        # wrongly in docs_for_query (measured), And([..., Not(x)]) does not.
        return wq.And(items) if len(items) > 1 else items[0]
    return wq.Or(items)


def runnable(q: Any) -> Any:
    """A query Whoosh can run alone: a bare NOT matches within every document."""
    from whoosh import query as wq

    return wq.And([wq.Every(), q]) if isinstance(q, wq.Not) else q


def with_proximity(q: Any, replace: dict[Text, Node]) -> Any:
    """`q`, rewarding fallback words that stand close together (optional clauses only)."""
    from whoosh import query as wq
    from whoosh.query import spans

    try:
        extras = []
        for node in replace.values():
            assert isinstance(node, And)
            words = [t.text for t in node.items if isinstance(t, Text)]
            for fieldname in ("title", "body"):
                parts = [literal_query(fieldname, w) for w in words]
                extras.append(spans.SpanNear2(parts, slop=PROXIMITY_SLOP, ordered=False, boost=PROXIMITY_BOOST))
        return wq.AndMaybe(q, wq.Or(extras))
    except Exception:  # proximity is a nicety; never fail a search over it
        return q


def both(q: Any, filt: Any) -> Any:
    """`q` restricted by a filter query (None: no filter)."""
    from whoosh import query as wq

    return q if filt is None else wq.And([q, filt])
