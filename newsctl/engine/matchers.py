"""Exact matching: a literal as a positional phrase (`ExactPhrase`) or one character as
`CharPrefix`, so that the match set is exactly `text.units.literal_pattern`'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

from whoosh.matching import ListMatcher
from whoosh.query import Phrase, Prefix

if TYPE_CHECKING:  # pragma: no cover
    from whoosh.query import Query

from ..text.normalize import normalize
from ..text.units import _CHAR, _query_tokens, _units
from .codec_read import _CompactLeafMatcher
from .formats import (
    VarintPositions,
    _decode_cached,
    _decode_positions,
    _encode_positions,
)


def _postings(reader: Any, fieldname: str, btext: bytes) -> Iterator[tuple[int, float, bytes]]:
    """All (docnum, weight, value) of a term, block-wise when the codec allows."""
    m = reader.postings(fieldname, btext)
    if isinstance(m, _CompactLeafMatcher):
        return m.all_block_items()

    def generic() -> Iterator[tuple[int, float, bytes]]:
        while m.is_active():
            yield m.id(), m.weight(), m.value()
            m.next()

    return generic()


class _Posting:
    """The two things a Whoosh scorer reads from a matcher."""

    __slots__ = ("docnum", "w")

    def __init__(self) -> None:
        self.docnum = 0
        self.w = 1.0

    def id(self) -> int:
        return self.docnum

    def weight(self) -> float:
        return self.w


class _PhraseMatcher(ListMatcher):
    """Matched documents of an :class:`ExactPhrase`.

    Values are the phrase's start positions, so spans cover each occurrence;
    scores are computed on first use (``docs_for_query`` never pays for them).
    """

    def __init__(self, ids: list[int], starts: list[bytes], fmt: Any, span_length: int, scoring: Any) -> None:
        super().__init__(ids, None, starts, fmt)
        self._span_length = span_length
        self._scoring = scoring

    def copy(self) -> "_PhraseMatcher":
        m = _PhraseMatcher(self._ids, self._values, self._format, self._span_length, self._scoring)
        if self._weights is not None:
            m._weights = self._weights
            m._best = self._best
        m._i = self._i
        return m

    def _scores(self) -> list[float]:
        if self._weights is None:
            scores = self._scoring()
            # best score from each index on: max_quality() lets a top-N
            # collector stop early, in O(1)
            best = list(scores)
            for k in range(len(best) - 2, -1, -1):
                if best[k + 1] > best[k]:
                    best[k] = best[k + 1]
            self._best = best
            self._weights = scores
        return self._weights

    def weight(self) -> float:
        return self._scores()[self._i]

    def score(self) -> float:
        return self._scores()[self._i]

    def block_max_weight(self) -> float:
        self._scores()
        return self._best[self._i]

    def max_quality(self) -> float:
        self._scores()
        return self._best[self._i]

    def supports_block_quality(self) -> bool:
        return False

    def spans(self) -> list[Any]:
        from whoosh.query.spans import Span

        extra = self._span_length - 1
        return [Span(p, p + extra) for p in _decode_positions(self.value())]


class _CharMatcher(ListMatcher):
    """Documents of a :class:`CharPrefix`; positions are read only if asked for."""

    def __init__(self, ids: list[int], fmt: Any, boost: float, load_values: Any) -> None:
        super().__init__(ids, None, None, fmt, all_weights=boost)
        self._load_values = load_values

    def copy(self) -> "_CharMatcher":
        m = _CharMatcher(self._ids, self._format, self._all_weights, self._load_values)
        m._values = self._values
        m._i = self._i
        return m

    def value(self) -> bytes:
        if self._values is None:
            self._values = self._load_values()
        return super().value()


class CharPrefix(Prefix):
    """Documents containing one character: every term it starts, read at once.

    Why not plain ``Prefix``: a common character starts thousands of bigram
    terms, and Whoosh ORs them through a tree of union matchers (``一``: 977
    terms, 1.8 s; 20 s scored).  This collects the documents of every term
    into one list matcher: constant score (the boost); positions are merged
    only when something asks for them (span queries such as proximity).
    """

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        from whoosh.matching import NullMatcher

        fieldname = self.fieldname
        if fieldname not in searcher.schema:
            return NullMatcher()
        field = searcher.schema[fieldname]
        reader = searcher.reader()
        btexts = list(self._btexts(reader))
        docs: set[int] = set()
        for btext in btexts:
            m = reader.postings(fieldname, btext)
            if isinstance(m, _CompactLeafMatcher):
                for ids in m.block_ids():
                    docs.update(ids)
            else:
                docs.update(m.all_ids())
        if not docs:
            return NullMatcher()
        ids = sorted(docs)

        def load_values() -> list[Any]:
            values: dict[int, list[bytes]] = {}
            for btext in btexts:
                for docnum, _w, value in _postings(reader, fieldname, btext):
                    values.setdefault(docnum, []).append(value)
            return [values[d] for d in ids]

        return _CharMatcher(ids, field.format, self.boost, load_values)


class ExactPhrase(Phrase):
    """A Phrase over exact-field terms, matched by position arithmetic.

    Why: Whoosh's phrase matcher builds Span objects per document (~20 us
    each; ``习近平`` in 7,255 posts: 155 ms).  This reads each term's
    postings once, rarest first, and keeps documents where some start
    position has every term at its offset.  Scores are what Whoosh's Phrase
    gives (the sum of the terms' scores); spans cover each occurrence.
    """

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        from whoosh.matching import NullMatcher

        fieldname = self.fieldname
        if fieldname not in searcher.schema:
            return NullMatcher()
        field = searcher.schema[fieldname]
        if not isinstance(field.format, VarintPositions) or self.slop != 1:
            return super().matcher(searcher, context)
        reader = searcher.reader()
        btexts = [field.to_bytes(w) for w in self.words]
        offsets: dict[bytes, list[int]] = {}
        for i, bt in enumerate(btexts):
            if (fieldname, bt) not in reader:
                return NullMatcher()
            offsets.setdefault(bt, []).append(i)
        dfs = {bt: reader.doc_frequency(fieldname, bt) for bt in offsets}
        order = sorted(offsets, key=dfs.__getitem__)

        # term -> {doc: (weight, value)}, restricted to the documents that
        # have every term so far; rare terms first, and a frequent term is
        # probed by skipping rather than read whole.
        found: dict[bytes, dict[int, tuple[float, bytes]]] = {}
        docs: Any = None
        for bt in order:
            if docs is not None and len(docs) * 16 < dfs[bt]:
                got = {}
                m = reader.postings(fieldname, bt)
                for docnum in sorted(docs):
                    if not m.is_active():
                        break
                    m.skip_to(docnum)
                    if m.is_active() and m.id() == docnum:
                        got[docnum] = (m.weight(), m.value())
            else:
                got = {docnum: (w, v) for docnum, w, v in _postings(reader, fieldname, bt)}
            found[bt] = got
            docs = got.keys() if docs is None else docs & got.keys()
            if not docs:
                return NullMatcher()

        ids: list[int] = []
        starts_list: list[bytes] = []
        decode = _decode_cached
        terms = [(found[bt], offsets[bt]) for bt in order]
        for docnum in sorted(docs):
            starts: set[int] | None = None
            for table, offs in terms:
                poses = decode(table[docnum][1])
                for off in offs:
                    shifted = {p - off for p in poses} if off else set(poses)
                    starts = shifted if starts is None else starts & shifted
                    if not starts:
                        break
                if not starts:
                    break
            if starts:
                ids.append(docnum)
                starts_list.append(_encode_positions(sorted(starts)))
        if not ids:
            return NullMatcher()

        weighting = (context.weighting if context is not None else None) or searcher.weighting
        boost = self.boost

        def scoring() -> list[float]:
            # Whoosh's Phrase scores the sum of its terms' scores (a repeated
            # term counts twice).  Scorers that are f(weight, length) get each
            # document's length looked up once, not once per term.
            scores = [0.0] * len(ids)
            lengths: list[Any] | None = None
            probe = _Posting()
            for bt in btexts:
                scorer = weighting.scorer(searcher, fieldname, bt)
                fast = getattr(scorer, "_score", None)
                dfl = getattr(scorer, "dfl", None)
                if fast is not None and dfl is not None:
                    if lengths is None:
                        lengths = [dfl(d) for d in ids]
                    table = found[bt]
                    for k, docnum in enumerate(ids):
                        scores[k] += fast(table[docnum][0], lengths[k])
                else:
                    table = found[bt]
                    for k, docnum in enumerate(ids):
                        probe.docnum = docnum
                        probe.w = table[docnum][0]
                        scores[k] += scorer.score(probe)
            return [x * boost for x in scores] if boost != 1.0 else scores

        return _PhraseMatcher(ids, starts_list, field.format, len(btexts), scoring)


def literal_query(fieldname: str, literal: str) -> "Query":
    """The exact-substring query for one term or quoted phrase on one field.

    Matches exactly the documents whose field text :func:`literal_pattern`
    matches.  A literal that normalises to nothing (only whitespace or
    invisible characters) returns ``whoosh.query.NullQuery``, which matches
    nothing: the caller decides whether that is an error.
    """
    from whoosh import query

    norm = normalize(literal)
    toks = _query_tokens(norm)
    if not toks:
        return query.NullQuery
    if len(toks) == 1:
        text = toks[0][0]
        units = _units(norm.strip())
        if len(units) == 1 and units[0][0] == _CHAR:
            # one character: its unigram or any bigram it starts
            return CharPrefix(fieldname, text)
        return query.Term(fieldname, text)
    return ExactPhrase(fieldname, [t[0] for t in toks])
