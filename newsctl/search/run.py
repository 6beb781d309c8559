"""Running a query: match set, word fallback, ranking, and hits with snippets.

The match set is exact (analysis.literal_query); ranking only orders it:
title matches and real-word matches score higher, ties go to newer posts.
Snippets are cut from the post file itself (bodies are not stored in the
index, which keeps it small), only for the hits that are shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Iterator

from ..config import Settings
from ..engine.compile import runnable, text_match, to_whoosh, with_proximity
from ..engine.reader import filter_query
from ..engine.schema import record_from_fields
from ..engine.searching import collect, contains, count, is_everything
from ..engine.storage import open_index
from ..errors import PostError
from ..query import And, Node, Or, Text, describe, nothing_found_hints, parse_query, texts
from ..records import Hit, PostRecord


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
    hints: list[str] = field(default_factory=list)  # when nothing was found: wildcards, lower-case operators


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
    reverse: bool = False  # the order of `sort` reversed: oldest first with date, least relevant first with score


def _fallbacks(searcher: Any, node: Node) -> tuple[dict[Text, Node], list[Fallback]]:
    """Unquoted, field-less terms that match nothing as written -> AND of their words."""
    from ..text.words import segment_words

    replace: dict[Text, Node] = {}
    found: list[Fallback] = []
    for leaf in texts(node):
        if leaf.quoted or leaf.field not in (None, "title") or leaf in replace:
            continue
        if contains(searcher, text_match(leaf)):
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
    replace, found = _fallbacks(searcher, node)
    return runnable(to_whoosh(node, scored=scored, replace=replace)), replace, found


def _conjunctive(node: Node) -> bool:
    """No OR above any positive term: then a match of the whole means a match of each."""
    if isinstance(node, And):
        return all(_conjunctive(i) for i in node.items)
    return not isinstance(node, Or)


def run_search(settings: Settings, query: str, options: SearchOptions, *, count_only: bool = False) -> SearchResult:
    """Parse, match, rank; hits are produced lazily (snippets read post files)."""
    tz = settings.timezone
    node = parse_query(query, tz)
    ix = open_index(settings.state_dir)
    searcher = ix.searcher()
    try:
        filt = filter_query(categories=options.categories, tags=options.tags, start=options.since, end=options.until)
        if is_everything(filt):
            filt = None
        want = options.offset + options.limit if options.limit else None

        def run(q: Any) -> Any:
            if count_only:
                return count(searcher, q, filt)
            return collect(searcher, q, filt=filt, sort=options.sort, limit=want, reverse=options.reverse)

        def size(results: Any) -> int:
            return results if isinstance(results, int) else len(results)

        if _conjunctive(node):
            # Every positive term matched something when the whole query did:
            # look for terms to fall back on only when it found nothing.
            q = runnable(to_whoosh(node))
            results = run(q)
            replace, fallbacks = {}, []
            if size(results) == 0:
                q, replace, fallbacks = match_query(searcher, node)
                if replace:
                    q = with_proximity(q, replace)
                    results = run(q)
        else:
            q, replace, fallbacks = match_query(searcher, node)
            if replace:
                q = with_proximity(q, replace)
            results = run(q)
        total = size(results)
        explanation = describe(node)
        if fallbacks:
            explanation += "\n" + "\n".join(f.message() for f in fallbacks)
        explanation += f"\nwhoosh: {q!r}" + (f"\nfilter: {filt!r}" if filt is not None else "")
        hints = nothing_found_hints(node) if total == 0 else []
        if count_only:
            searcher.close()
            return SearchResult(total=total, hits=iter(()), fallbacks=fallbacks, explanation=explanation, hints=hints)
    except BaseException:
        searcher.close()
        raise
    body_literals, literals = snippet_literals(node, replace)
    root = settings.root

    def hits() -> Iterator[Hit]:
        try:
            for n, hit in enumerate(results):
                if n < options.offset:
                    continue
                record = record_from_fields(hit.fields(), root, tz)
                score = _score(hit.score, options.sort)
                if options.snippets:
                    yield with_snippet(settings, record, score, body_literals, literals)
                else:
                    yield Hit(record=record, score=score)
        finally:
            searcher.close()

    return SearchResult(total=total, hits=hits(), fallbacks=fallbacks, explanation=explanation, hints=hints)


def _score(key: Any, sort: str) -> float:
    """Whoosh puts the sort key in `hit.score` when sorting by facets: (-score, date) for relevance."""
    if isinstance(key, tuple):
        return float(-key[0]) if sort == "score" and key else 0.0
    return float(key or 0.0)


def snippet_literals(node: Node, replace: dict[Text, Node]) -> tuple[list[str], list[str]]:
    """(what to mark in a body snippet, what to mark in a title): the query's texts, fallback words included."""
    title = [t.text for t in texts(node) if t.field in (None, "title") and t not in replace]
    body = [t.text for t in texts(node) if t.field is None and t not in replace]
    for words_node in replace.values():
        title.extend(t.text for t in texts(words_node))
        body.extend(t.text for t in texts(words_node))
    return body, title


def with_snippet(settings: Settings, record: PostRecord, score: float, body_literals: list[str], title_literals: list[str]) -> Hit:
    from .snippets import best_snippet, highlight_spans

    try:
        from ..posts.post import read_post

        post = read_post(record.path, settings.timezone)
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
