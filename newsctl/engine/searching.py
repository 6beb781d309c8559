"""Running a compiled query on a searcher: the match count, or ranked/dated results.

Kept apart from search.run so that what is searched (the query tree, the word
fallback, snippets) does not depend on how Whoosh collects and sorts.
"""

from __future__ import annotations

from typing import Any


def is_everything(q: Any) -> bool:
    """True for a filter that keeps every post (no category/tag/date given)."""
    from whoosh import query as wq

    return q is None or isinstance(q, wq.Every)


def contains(searcher: Any, q: Any) -> bool:
    """Whether any post matches `q` (stops at the first)."""
    return any(True for _ in searcher.docs_for_query(q))


def count(searcher: Any, q: Any, filt: Any = None) -> int:
    """How many posts match `q` (and `filt`), without scoring any."""
    from whoosh import query as wq

    return sum(1 for _ in searcher.docs_for_query(q if filt is None else wq.And([q, filt])))


def collect(searcher: Any, q: Any, *, filt: Any, sort: str, limit: int | None, reverse: bool = False) -> Any:
    """Whoosh Results for `q`: by score then newest (`sort="score"`) or newest first (`"date"`);
    `reverse` turns the whole order round before `limit` applies (the oldest N, not the newest N backwards)."""
    from whoosh import sorting

    if sort == "date":
        sortedby: Any = sorting.FieldFacet("date", reverse=True)
    else:
        sortedby = sorting.MultiFacet([sorting.ScoreFacet(), sorting.FieldFacet("date", reverse=True)])
    return searcher.search(q, limit=limit, sortedby=sortedby, filter=filt, terms=False, reverse=reverse)
