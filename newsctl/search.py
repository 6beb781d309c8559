"""Running a query: match set, word fallback, ranking, and hits with snippets.

The match set is exact (analysis.literal_query); ranking only orders it:
title matches and real-word matches score higher, ties go to newer posts.
Snippets are cut from the post file itself (bodies are not stored in the
index, which keeps it small), only for the hits that are shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from . import index as idx
from .errors import PostError
from .query import And, Node, Or, Text, describe, parse_query, text_match, texts, to_whoosh
from .records import Hit, PostRecord

if TYPE_CHECKING:
    from .archive import Archive

PROXIMITY_SLOP = 12
PROXIMITY_BOOST = 2.0


@dataclass
class Fallback:
    """An unquoted term found nowhere as written, searched as its words instead."""

    term: str
    words: list[str]

    def message(self) -> str:
        return f"no post contains {self.term}; showing posts with all of {' · '.join(self.words)}"


@dataclass
class SearchResult:
    total: int
    hits: Iterator[Hit]
    fallbacks: list[Fallback] = field(default_factory=list)
    explanation: str = ""


@dataclass
class SearchOptions:
    categories: Iterable[str] = ()
    tags: Iterable[str] = ()
    since: datetime | None = None
    until: datetime | None = None
    sort: str = "score"  # score | date
    limit: int = 10  # 0 = all
    offset: int = 0
    snippets: bool = True


def _contains(searcher: Any, q: Any) -> bool:
    return any(True for _ in searcher.docs_for_query(q))


def _fallbacks(searcher: Any, node: Node) -> tuple[dict[Text, Node], list[Fallback]]:
    """Unquoted, field-less terms that match nothing as written -> AND of their words."""
    from .analysis import segment_words

    replace: dict[Text, Node] = {}
    found: list[Fallback] = []
    for leaf in texts(node):
        if leaf.quoted or leaf.field not in (None, "title") or leaf in replace:
            continue
        if _contains(searcher, text_match(leaf)):
            continue
        words = segment_words(leaf.text)
        if len(words) < 2:
            continue
        replace[leaf] = And(tuple(Text(w, leaf.field) for w in words))
        found.append(Fallback(leaf.text, words))
    return replace, found


def match_query(searcher: Any, node: Node, *, scored: bool = True) -> tuple[Any, dict[Text, Node], list[Fallback]]:
    """The Whoosh query for a parsed query, with the word fallback applied.

    One place decides the match set, so `search`, `search --count` and `stats`
    always agree on which posts a query matches.
    """
    from whoosh import query as wq

    replace, found = _fallbacks(searcher, node)
    q = to_whoosh(node, scored=scored, replace=replace)
    if isinstance(q, wq.Not):
        q = wq.And([wq.Every(), q])
    return q, replace, found


def _proximity(replace: dict[Text, Node]) -> list[Any]:
    """Optional clauses that reward fallback words standing close together."""
    from whoosh.query import spans

    from .analysis import literal_query

    extras = []
    for node in replace.values():
        assert isinstance(node, And)
        words = [t.text for t in node.items if isinstance(t, Text)]
        for fieldname in ("title", "body"):
            parts = [literal_query(fieldname, w) for w in words]
            extras.append(spans.SpanNear2(parts, slop=PROXIMITY_SLOP, ordered=False, boost=PROXIMITY_BOOST))
    return extras


def _conjunctive(node: Node) -> bool:
    """No OR above any positive term: then a match of the whole means a match of each."""
    if isinstance(node, And):
        return all(_conjunctive(i) for i in node.items)
    return not isinstance(node, Or)


def _with_proximity(q: Any, replace: dict[Text, Node]) -> Any:
    from whoosh import query as wq

    try:
        return wq.AndMaybe(q, wq.Or(_proximity(replace)))
    except Exception:  # proximity is a nicety; never fail a search over it
        return q


def run_search(archive: "Archive", query: str, options: SearchOptions, *, count_only: bool = False) -> SearchResult:
    """Parse, match, rank; hits are produced lazily (snippets read post files)."""
    from whoosh import query as wq
    from whoosh import sorting

    tz = archive.settings.timezone
    node = parse_query(query, tz)
    ix = idx.open_index(archive.state_dir)
    searcher = ix.searcher()
    try:
        filt = idx.filter_query(categories=options.categories, tags=options.tags, start=options.since, end=options.until)
        if isinstance(filt, wq.Every):
            filt = None
        if options.sort == "date":
            sortedby: Any = sorting.FieldFacet("date", reverse=True)
        else:
            sortedby = sorting.MultiFacet([sorting.ScoreFacet(), sorting.FieldFacet("date", reverse=True)])
        want = options.offset + options.limit if options.limit else None

        def run(q: Any) -> Any:
            if count_only:
                return sum(1 for _ in searcher.docs_for_query(q if filt is None else wq.And([q, filt])))
            return searcher.search(q, limit=want, sortedby=sortedby, filter=filt, terms=False)

        def size(results: Any) -> int:
            return results if isinstance(results, int) else len(results)

        if _conjunctive(node):
            # Every positive term matched something when the whole query did:
            # look for terms to fall back on only when it found nothing.
            q = to_whoosh(node)
            if isinstance(q, wq.Not):
                q = wq.And([wq.Every(), q])
            results = run(q)
            replace, fallbacks = {}, []
            if size(results) == 0:
                q, replace, fallbacks = match_query(searcher, node)
                if replace:
                    q = _with_proximity(q, replace)
                    results = run(q)
        else:
            q, replace, fallbacks = match_query(searcher, node)
            if replace:
                q = _with_proximity(q, replace)
            results = run(q)
        total = size(results)
        explanation = describe(node)
        if fallbacks:
            explanation += "\n" + "\n".join(f.message() for f in fallbacks)
        explanation += f"\nwhoosh: {q!r}" + (f"\nfilter: {filt!r}" if filt is not None else "")
        if count_only:
            searcher.close()
            return SearchResult(total=total, hits=iter(()), fallbacks=fallbacks, explanation=explanation)
    except BaseException:
        searcher.close()
        raise
    literals = [t.text for t in texts(node) if t.field in (None, "title") and t not in replace]
    for words_node in replace.values():
        literals.extend(t.text for t in texts(words_node))
    body_literals = [t.text for t in texts(node) if t.field is None and t not in replace]
    for words_node in replace.values():
        body_literals.extend(t.text for t in texts(words_node))
    root = archive.root

    def hits() -> Iterator[Hit]:
        try:
            for n, hit in enumerate(results):
                if n < options.offset:
                    continue
                record = idx.record_from_fields(hit.fields(), root, tz)
                score = _score(hit.score, options.sort)
                if options.snippets:
                    yield _with_snippet(archive, record, score, body_literals, literals)
                else:
                    yield Hit(record=record, score=score)
        finally:
            searcher.close()

    return SearchResult(total=total, hits=hits(), fallbacks=fallbacks, explanation=explanation)


def _score(key: Any, sort: str) -> float:
    """Whoosh puts the sort key in `hit.score` when sorting by facets: (-score, date) for relevance."""
    if isinstance(key, tuple):
        return float(-key[0]) if sort == "score" and key else 0.0
    return float(key or 0.0)


def _with_snippet(archive: "Archive", record: PostRecord, score: float, body_literals: list[str], title_literals: list[str]) -> Hit:
    from .snippets import best_snippet, highlight_spans

    try:
        post = archive.read_post(record.path)
    except (PostError, OSError):
        return Hit(record=record, score=score, snippet="", highlights=())
    snip = best_snippet(post.text, body_literals)
    return Hit(
        record=record,
        score=score,
        snippet=snip.text,
        highlights=snip.spans,
        title_highlights=highlight_spans(record.title, title_literals),
    )
