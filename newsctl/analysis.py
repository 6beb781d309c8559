"""Text normalisation and the Whoosh analyzers/formats newsctl indexes with.

**This module's import path never changes**: Whoosh pickles the schema, and
with it every analyzer and format class named here, into the index.  Renaming
or moving a class breaks every existing index; changing what tokens a class
emits requires bumping :data:`ANALYSIS_VERSION` (the index schema version
includes it, so old indexes are rebuilt instead of silently mis-matching).

The search contract this module makes true
-------------------------------------------
Text is normalised the same way at index and at query time (:func:`normalize`):
NFKC (full-width forms become half-width), lower case, Traditional Chinese
characters become Simplified (character by character, from zhconv's
``zh2Hans`` table), invisible format/control characters are dropped.

On normalised text a *literal* (one query term or one quoted phrase) matches
exactly where :func:`literal_pattern` (the reference "grep") matches:

* every character that is not whitespace and not ``[a-z0-9]`` matches as a
  plain substring (``高新`` matches ``高新区``; ``猪`` matches one character);
* a run of ``[a-z0-9]`` is a whole token: ``5g`` matches ``5g网络`` but not
  ``25g`` or ``5gb``;
* whitespace inside a literal matches one whole run of whitespace in the text
  (at least one character); whitespace at the ends of a literal is ignored.

How the index makes that exact
------------------------------
The normalised text is cut into *units*, each with one position: a maximal
run of ``[a-z0-9]`` (term = the run), a maximal run of whitespace (term =
``" "``), and every other character on its own (a *char unit*).  At a char
unit the term is the bigram (char + next char) when the next unit is also a
char unit, else the char alone; a char unit that starts a run of char units
additionally gets its single char as a term at the same position (so ``A股``
is the phrase ``a`` + ``股`` whatever follows 股).  A literal then becomes an
:class:`ExactPhrase` over the same terms at consecutive positions (see
:func:`literal_query`); a single character becomes a :class:`CharPrefix`
(its unigram and every bigram it starts).

Storage and speed (measured on the 24,090-post xwlb corpus, see
``benchmarks/analysis_exactness.py``): :class:`VarintPositions` stores
positions as varint deltas, and :class:`CompactCodec` (Whoosh's W3 codec
with pickle-free posting blocks) must be passed to every writer; together
they cut the index from 7.3x to 3.5x the body text and the build CPU by
half.  :class:`ExactText`/:class:`WordText` index without Token objects.

Schema (for ``index.py``)::

    title = exact_field(stored=True)   # ExactText + ExactAnalyzer + VarintPositions
    body  = exact_field()              # not stored: snippets re-read the post
    words = word_field()               # WordText + WordAnalyzer + WordFrequency
    ix.writer(codec=CompactCodec(), limitmb=..., ...)
"""

from __future__ import annotations

import re
import struct
import unicodedata
import zlib
from array import array
from collections import Counter
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from whoosh.analysis import Composable, Token
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3LeafMatcher, W3PostingsWriter, W3TermInfo
from whoosh.fields import TEXT
from whoosh.formats import Format
from whoosh.matching import ListMatcher
from whoosh.query import Phrase, Prefix
from whoosh.util.numeric import byte_to_length, length_to_byte

if TYPE_CHECKING:  # pragma: no cover
    from whoosh.query import Query

__all__ = [
    "ANALYSIS_VERSION",
    "ExactAnalyzer",
    "WordAnalyzer",
    "VarintPositions",
    "WordFrequency",
    "ExactText",
    "WordText",
    "exact_field",
    "word_field",
    "normalize",
    "normalize_with_offsets",
    "original_span",
    "literal_query",
    "CharPrefix",
    "ExactPhrase",
    "CompactCodec",
    "literal_pattern",
    "segment_words",
]

#: Bump whenever normalisation or the tokens emitted change: the index schema
#: version includes it, so an index built with other tokens is rebuilt.
ANALYSIS_VERSION = 1

# ---------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------

_T2S: dict[str, str] | None = None


def _t2s_table() -> dict[str, str]:
    """Single-character Traditional->Simplified pairs from zhconv's zh2Hans.

    Why characters only: zhconv's phrase matching is slow pure Python and
    context dependent; a per-character map is fast (``str.translate``) and
    gives the same answer at index and at query time, which is what exactness
    needs.  Loading the JSON costs ~15 ms, paid on first use.
    """
    global _T2S
    if _T2S is None:
        import importlib.util
        import json
        import os

        # locate zhconv without importing it: its __init__ imports pkg_resources (~0.08 s)
        spec = importlib.util.find_spec("zhconv")
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError("zhconv is not installed")
        folder = next(iter(spec.submodule_search_locations))
        with open(os.path.join(folder, "zhcdict.json"), "rb") as f:
            raw = f.read()
        table = json.loads(raw.decode("utf-8"))["zh2Hans"]
        _T2S = {k: v for k, v in table.items() if len(k) == 1 and len(v) == 1}
    return _T2S


def _dropped(ch: str) -> bool:
    """Invisible characters that must not break a match (ZWSP, BOM, SHY...)."""
    cat = unicodedata.category(ch)
    return cat == "Cf" or (cat == "Cc" and not ch.isspace())


def _map_char(ch: str) -> str:
    """Normalise one character in isolation: NFKC, lower, T2S, drop invisibles.

    Iterated to a fixed point so that normalising twice changes nothing.
    """
    if unicodedata.category(ch) == "Cs":
        # a lone surrogate (undecodable bytes via surrogateescape) cannot be
        # UTF-8 encoded into a term: it becomes the replacement character
        return "\ufffd"
    t2s = _t2s_table()
    cur = ch
    for _ in range(6):
        nxt = unicodedata.normalize("NFKC", cur).lower()
        nxt = "".join(t2s.get(c, c) for c in nxt if not _dropped(c))
        if nxt == cur:
            break
        cur = nxt
    return cur


class _CharTable(dict):
    """``str.translate`` table filled lazily: a code point is mapped on first
    sight and cached, so import stays instant and the common case (CJK and
    ASCII that map to themselves) runs at C speed."""

    def __missing__(self, cp: int) -> str:
        mapped = _map_char(chr(cp))
        self[cp] = mapped
        return mapped


_TABLE = _CharTable()

# Characters that can compose with a preceding character under NFC.  Built
# lazily (~0.1 s), only when a text needs the rare composition slow path.
_BACK_COMPOSING: frozenset[str] | None = None


def _back_composing() -> frozenset[str]:
    global _BACK_COMPOSING
    if _BACK_COMPOSING is None:
        chars = set()
        for cp in range(0x30000):  # no canonical decompositions above U+2FA1D
            dec = unicodedata.decomposition(chr(cp))
            if dec and not dec.startswith("<"):
                parts = dec.split()
                if len(parts) == 2:
                    chars.add(chr(int(parts[1], 16)))
        # Hangul: medial vowels and final consonants compose algorithmically.
        chars.update(chr(cp) for cp in range(0x1161, 0x1176))
        chars.update(chr(cp) for cp in range(0x11A8, 0x11C3))
        _BACK_COMPOSING = frozenset(chars)
    return _BACK_COMPOSING


def _compose(chars: list[str], offsets: list[int]) -> tuple[list[str], list[int]]:
    """Re-normalise a per-character mapping whose result is not NFKC.

    Splits at characters that cannot combine with what precedes them and
    normalises each cluster as a whole; every character a cluster produces
    maps to the cluster's first original character.
    """
    back = _back_composing()
    out_c: list[str] = []
    out_o: list[int] = []
    i = 0
    n = len(chars)
    while i < n:
        j = i + 1
        while j < n and (unicodedata.combining(chars[j]) or chars[j] in back):
            j += 1
        cluster = "".join(chars[i:j])
        fixed = cluster
        for _ in range(6):
            nxt = unicodedata.normalize("NFKC", fixed).translate(_TABLE)
            if nxt == fixed:
                break
            fixed = nxt
        if fixed == cluster:
            out_c.extend(chars[i:j])
            out_o.extend(offsets[i:j])
        else:
            out_c.extend(fixed)
            out_o.extend([offsets[i]] * len(fixed))
        i = j
    return out_c, out_o


def normalize(text: str) -> str:
    """Normalise text for indexing and querying (NFKC, lower, T2S).

    The same function runs on posts and on queries, which is what makes a
    Traditional or full-width query find Simplified half-width text.
    """
    out = text.translate(_TABLE)
    if out.isascii() or unicodedata.is_normalized("NFKC", out):
        return out
    return normalize_with_offsets(text)[0]


def normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """Normalise *text* and say where each normalised character came from.

    ``offsets[k]`` is the index in *text* of the character that produced
    normalised character ``k`` (NFKC can expand one character, ``㈱`` ->
    ``(株)``, or fold several into one).  Use :func:`original_span` to turn
    a normalised match ``[a, b)`` into the original characters to highlight.
    """
    table = _TABLE
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        mapped = ch.translate(table)
        if len(mapped) == 1:
            chars.append(mapped)
            offsets.append(i)
        elif mapped:
            chars.extend(mapped)
            offsets.extend([i] * len(mapped))
    out = "".join(chars)
    if not (out.isascii() or unicodedata.is_normalized("NFKC", out)):
        chars, offsets = _compose(chars, offsets)
        out = "".join(chars)
    return out, offsets


def original_span(offsets: list[int], start: int, end: int, original_length: int) -> tuple[int, int]:
    """Original-text ``[start, end)`` covering normalised characters ``[start, end)``.

    The end extends to the next original character that starts another
    normalised character, so expansions (``㈱``) and dropped invisibles are
    covered whole.
    """
    if start >= end:
        pos = offsets[start] if start < len(offsets) else original_length
        return pos, pos
    ostart = offsets[start]
    last = offsets[end - 1]
    for k in range(end, len(offsets)):
        if offsets[k] > last:
            return ostart, offsets[k]
    return ostart, original_length


# ---------------------------------------------------------------------------
# Units and terms of the exact field
# ---------------------------------------------------------------------------

#: Over normalised text: group 1 a word run, group 2 whitespace, group 3 a run
#: of char units (each character of it is its own unit).
_RUNS = re.compile(r"([a-z0-9]+)|(\s+)|([^\sa-z0-9]+)")

#: The term of a whitespace unit.
SPACE_TERM = " "

_WORD, _SPACE, _CHAR = 1, 2, 3


def _units(norm: str) -> list[tuple[int, str, int, int]]:
    """(kind, text, start, end) of each unit of normalised text."""
    units: list[tuple[int, str, int, int]] = []
    for m in _RUNS.finditer(norm):
        kind = m.lastindex
        s, e = m.span()
        if kind == _CHAR:
            units.extend((_CHAR, norm[k], k, k + 1) for k in range(s, e))
        else:
            units.append((kind, m.group(kind) if kind == _WORD else SPACE_TERM, s, e))
    return units


def _exact_tokens(norm: str) -> Iterator[tuple[str, int, int, int]]:
    """(term, position, start, end) in normalised coordinates, in order."""
    pos = 0
    for m in _RUNS.finditer(norm):
        kind = m.lastindex
        s, e = m.span()
        if kind == _WORD:
            yield m.group(1), pos, s, e
            pos += 1
        elif kind == _SPACE:
            yield SPACE_TERM, pos, s, e
            pos += 1
        else:
            run = m.group(3)
            last = len(run) - 1
            # the run's first char, then a bigram at every char but the last,
            # which gets its unigram (for a one-char run that is the same term)
            yield run[0], pos, s, s + 1
            for k in range(last):
                yield run[k : k + 2], pos + k, s + k, s + k + 2
            if last:
                yield run[last], pos + last, s + last, s + last + 1
            pos += last + 1


def _exact_term_positions(norm: str) -> dict[str, list[int]]:
    """Term -> ascending positions; the hot loop of indexing, kept flat."""
    poses: dict[str, list[int]] = {}
    get = poses.get
    pos = 0
    for m in _RUNS.finditer(norm):
        kind = m.lastindex
        if kind == _CHAR:
            run = m.group(3)
            n = len(run)
            lst = get(run[0])
            if lst is None:
                poses[run[0]] = [pos]
            else:
                lst.append(pos)
            if n > 1:
                p = pos
                for bg in map(str.__add__, run[:-1], run[1:]):
                    lst = get(bg)
                    if lst is None:
                        poses[bg] = [p]
                    else:
                        lst.append(p)
                    p += 1
                last = run[-1]
                lst = get(last)
                if lst is None:
                    poses[last] = [p]
                else:
                    lst.append(p)
            pos += n
        else:
            term = m.group(1) if kind == _WORD else SPACE_TERM
            lst = get(term)
            if lst is None:
                poses[term] = [pos]
            else:
                lst.append(pos)
            pos += 1
    return poses


class ExactAnalyzer(Composable):
    """Analyzer of the exact-match fields (title, body): unit bigrams.

    Tokens carry ``pos`` (one per unit) and, with ``chars=True``,
    ``startchar``/``endchar`` in the ORIGINAL text's coordinates.  With
    ``mode="query"`` it yields the terms :func:`literal_query` would search.
    """

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__.__name__)

    def term_positions(self, value: str) -> dict[str, list[int]]:
        """Fast path for :class:`VarintPositions`: term -> positions."""
        return _exact_term_positions(normalize(value))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if chars:
            norm, offsets = normalize_with_offsets(value)
        else:
            norm, offsets = normalize(value), []
        if not tokenize:
            items: Iterable[tuple[str, int, int, int]] = [(norm, 0, 0, len(norm))]
        elif mode == "query":
            items = _query_tokens(norm)
        else:
            items = _exact_tokens(norm)
        for text, pos, s, e in items:
            t.text = text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = text
            if positions:
                t.pos = start_pos + pos
            if chars:
                os_, oe = original_span(offsets, s, e, len(value))
                t.startchar = start_char + os_
                t.endchar = start_char + oe
            yield t


# ---------------------------------------------------------------------------
# The compact positions format
# ---------------------------------------------------------------------------

_HIGH = bytes(range(128, 256))


def _varint(d: int) -> bytes:
    out = bytearray()
    while d >= 0x80:
        out.append((d & 0x7F) | 0x80)
        d >>= 7
    out.append(d)
    return bytes(out)


#: Encoded single varints below 2**14: most postings hold one position.
_VARINT = [bytes((i,)) for i in range(128)] + [bytes(((i & 0x7F) | 0x80, i >> 7)) for i in range(128, 1 << 14)]


def _encode_positions(poslist: list[int]) -> bytes:
    """Ascending positions as LEB128 varints of their deltas."""
    if len(poslist) == 1:
        p = poslist[0]
        return _VARINT[p] if p < 16384 else _varint(p)
    small = _VARINT
    parts = []
    base = 0
    for p in poslist:
        d = p - base
        base = p
        parts.append(small[d] if d < 16384 else _varint(d))
    return b"".join(parts)


def _decode_positions(data: bytes) -> list[int]:
    out: list[int] = []
    pos = 0
    d = 0
    shift = 0
    for b in data:
        if b & 0x80:
            d |= (b & 0x7F) << shift
            shift += 7
        else:
            pos += d | (b << shift)
            out.append(pos)
            d = 0
            shift = 0
    return out


_DECODED: dict[bytes, list[int]] = {}


def _decode_cached(data: bytes) -> list[int]:
    """``_decode_positions`` memoised for short values (most postings)."""
    got = _DECODED.get(data)
    if got is None:
        got = _decode_positions(data)
        if len(data) <= 2:
            _DECODED[data] = got
    return got


class VarintPositions(Format):
    """Positions as varint deltas, no pickle.

    Why: Whoosh's ``Positions`` stores a 4-byte count plus a pickled list per
    posting.  Frequency is the number of varints; weight = frequency.
    """

    posting_size = -1
    textual = True
    __inittypes__ = dict(field_boost=float)

    def __init__(self, field_boost: float = 1.0, **options: Any) -> None:
        self.field_boost = field_boost
        self.options = options

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[tuple[str, int, float, bytes]]:
        fb = self.field_boost
        fast = getattr(analyzer, "term_positions", None)
        if fast is not None and isinstance(value, str):
            poses = fast(value)
        else:
            from whoosh.formats import tokens

            poses = {}
            kwargs["positions"] = True
            for t in tokens(value, analyzer, kwargs):
                poses.setdefault(t.text, []).append(t.pos)
        encode = _encode_positions
        for w, poslist in poses.items():
            n = len(poslist)
            yield (w, n, n * fb, encode(poslist))

    def encode(self, poslist: list[int]) -> bytes:
        return _encode_positions(poslist)

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return _decode_positions(valuestring)

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(valuestring.translate(None, _HIGH))

    def decode_weight(self, valuestring: bytes) -> float:
        return self.decode_frequency(valuestring) * self.field_boost

    def decode_position_boosts(self, valuestring: bytes) -> list[tuple[int, float]]:
        return [(p, 1.0) for p in _decode_positions(valuestring)]

    def combine(self, vs: Iterable[bytes]) -> bytes:
        merged: set[int] = set()
        for v in vs:
            merged.update(_decode_positions(v))
        return _encode_positions(sorted(merged))


# ---------------------------------------------------------------------------
# Queries and the reference matcher
# ---------------------------------------------------------------------------


def _query_units(literal: str) -> list[tuple[int, str, int, int]]:
    norm = normalize(literal)
    return _units(norm.strip())


def _query_tokens(norm: str) -> list[tuple[str, int, int, int]]:
    """(term, offset, start, end) a literal searches, in normalised coordinates.

    Each unit contributes its index-time term, except that the last char unit
    is covered by the bigram before it, or (after a non-char unit) is the
    unigram every run start carries.
    """
    stripped = norm.strip()
    lead = len(norm) - len(norm.lstrip())
    units = _units(stripped)
    out: list[tuple[str, int, int, int]] = []
    last = len(units) - 1
    for i, (kind, text, s, e) in enumerate(units):
        s += lead
        e += lead
        if kind != _CHAR:
            out.append((text, i, s, e))
        elif i < last and units[i + 1][0] == _CHAR:
            out.append((text + units[i + 1][1], i, s, e + 1))
        elif i < last or i == 0 or units[i - 1][0] != _CHAR:
            out.append((text, i, s, e))
    return out


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


def literal_pattern(literal: str) -> re.Pattern[str]:
    """The reference "grep" for a literal, to run over NORMALISED text.

    Same semantics as :func:`literal_query`: char units as substrings, word
    runs whole, inner whitespace as one whitespace run.  A literal that
    normalises to nothing gives a pattern that never matches.
    """
    units = _query_units(literal)
    if not units:
        return re.compile(r"(?!)")
    parts: list[str] = []
    for i, (kind, text, _s, _e) in enumerate(units):
        if kind == _WORD:
            pre = r"(?<![a-z0-9])" if i == 0 else ""
            post = r"(?![a-z0-9])" if i == len(units) - 1 else ""
            parts.append(pre + re.escape(text) + post)
        elif kind == _SPACE:
            parts.append(r"\s+")
        else:
            parts.append(re.escape(text))
    return re.compile("".join(parts))


# ---------------------------------------------------------------------------
# Words (ranking)
# ---------------------------------------------------------------------------

_jieba: Any = None


def _rjieba() -> Any:
    """rjieba, imported on first use (0.1 s; jieba itself would cost 0.65 s)."""
    global _jieba
    if _jieba is None:
        import rjieba

        _jieba = rjieba
    return _jieba


_WORDY = re.compile(r"[^\W_]")


def _index_words(norm: str) -> list[str]:
    """Search-mode words of normalised text, without space/punctuation."""
    search = _WORDY.search
    return [w for w in _rjieba().cut_for_search(norm) if search(w)]


def segment_words(literal: str) -> list[str]:
    """The words of a literal (normalised, rjieba default mode), for the
    "no post contains X; showing posts with all of A · B · C" fallback."""
    norm = normalize(literal)
    search = _WORDY.search
    return [w for w in _rjieba().cut(norm) if search(w)]


class WordAnalyzer(Composable):
    """Analyzer of the ranking field: rjieba search-mode words of normalised text.

    Search mode also emits the shorter words inside long ones (``高新技术``
    gives ``高新``, ``技术``, ``高新技术``), so a term that is a real word
    where it occurs is found here, while an accidental substring
    (``提高新能源`` for ``高新``) is not.  ``chars=True`` gives original
    coordinates; positions count words.
    """

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__.__name__)

    def term_freqs(self, value: str) -> Counter[str]:
        """Fast path for :class:`WordFrequency`: word -> count."""
        return Counter(_index_words(normalize(value)))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if chars:
            norm, offsets = normalize_with_offsets(value)
        else:
            norm, offsets = normalize(value), []
        if not tokenize:
            items = [(norm, 0, len(norm))]
        else:
            search = _WORDY.search
            hmode = "search" if mode != "query" else "default"
            items = [
                (w, s, e)
                for w, s, e in _rjieba().tokenize(norm, mode=hmode)
                if search(w)
            ]
        for pos, (text, s, e) in enumerate(items):
            t.text = text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = text
            if positions:
                t.pos = start_pos + pos
            if chars:
                os_, oe = original_span(offsets, s, e, len(value))
                t.startchar = start_char + os_
                t.endchar = start_char + oe
            yield t


class WordFrequency(Format):
    """Whoosh ``Frequency`` with a fast path through :class:`WordAnalyzer`.

    Why: the generic path builds a Token per word in Python; a Counter over
    the word list is several times faster.  Encoding is Whoosh's own.
    """

    posting_size = 4
    textual = True
    __inittypes__ = dict(field_boost=float)

    def __init__(self, field_boost: float = 1.0, **options: Any) -> None:
        self.field_boost = field_boost
        self.options = options

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[tuple[str, int, float, bytes]]:
        from whoosh.system import pack_uint

        fb = self.field_boost
        fast = getattr(analyzer, "term_freqs", None)
        if fast is not None and isinstance(value, str):
            freqs = fast(value)
        else:
            from whoosh.formats import tokens

            freqs = Counter(t.text for t in tokens(value, analyzer, kwargs))
        for w, n in freqs.items():
            yield (w, n, n * fb, pack_uint(n))

    def decode_frequency(self, valuestring: bytes) -> int:
        from whoosh.system import unpack_uint

        return unpack_uint(valuestring)[0]

    def decode_weight(self, valuestring: bytes) -> float:
        return self.decode_frequency(valuestring) * self.field_boost

    def combine(self, vs: Iterable[bytes]) -> bytes:
        from whoosh.system import pack_uint

        return pack_uint(sum(self.decode_frequency(v) for v in vs))


# ---------------------------------------------------------------------------
# The compact codec
# ---------------------------------------------------------------------------


def _varints(nums: Iterable[int], out: bytearray) -> None:
    """Append non-negative ints to *out* as LEB128 varints."""
    small = _VARINT
    out += b"".join([small[d] if d < 16384 else _varint(d) for d in nums])


def _read_varints(data: bytes, pos: int, count: int) -> tuple[list[int], int]:
    """*count* varints from *data* at *pos*; returns (values, new pos)."""
    out: list[int] = []
    append = out.append
    for _ in range(count):
        b = data[pos]
        pos += 1
        if b < 0x80:
            append(b)
            continue
        d = b & 0x7F
        shift = 7
        while True:
            b = data[pos]
            pos += 1
            d |= (b & 0x7F) << shift
            if b < 0x80:
                break
            shift += 7
        append(d)
    return out, pos


_INT = struct.Struct("!i")  # StructFile.write_int's encoding
_UINT = struct.Struct("!I")  # whoosh.system.pack_uint
_USHORT = struct.Struct("!H")  # whoosh.system.pack_ushort (field ids in term keys)
_BLOCK_HEAD = struct.Struct("!IIfBBB")  # count, last id, max weight, zlib level, min/max length byte
_W_ONES, _W_INTS, _W_FLOATS = 0, 1, 2


def _block_bytes(
    ids: Any,
    weights: Any,
    values: list[bytes],
    fixed: int | None,
    compression: int,
    maxweight: float,
    minlength: int | None,
    maxlength: int,
    last: bool,
) -> bytes:
    """One posting block: length, header, then varint ids/weights/values.

    *weights* are float32 (an ``array("f")``) as in W3, so term statistics
    and scores are exactly those of Whoosh's own codec.
    """
    small = _VARINT
    if len(ids) == 1:  # the common case: a term in one document
        i = ids[0]
        parts = [small[i] if i < 16384 else _varint(i)]
        w = weights[0]
        if w == 1.0:
            parts.append(b"\x00")
        elif w.is_integer() and 0 <= w < 16384:
            parts.append(b"\x01")
            parts.append(small[int(w)])
        else:
            parts.append(b"\x02")
            parts.append(array("f", weights).tobytes())
        if fixed is None or fixed < 0:
            v = values[0]
            parts.append(small[len(v)] if len(v) < 16384 else _varint(len(v)))
            parts.append(v)
        elif fixed > 0:
            parts.append(values[0])
        data = b"".join(parts)
    else:
        buf = bytearray()
        prev = 0
        deltas = []
        for i in ids:
            deltas.append(i - prev)
            prev = i
        _varints(deltas, buf)
        wset = set(weights)
        if wset == {1.0}:
            buf.append(_W_ONES)
        elif all(w.is_integer() and 0 <= w < 2**31 for w in wset):
            buf.append(_W_INTS)
            _varints([int(w) for w in weights], buf)
        else:
            buf.append(_W_FLOATS)
            buf += array("f", weights).tobytes()
        if fixed is None or fixed < 0:
            _varints([len(v) for v in values], buf)
            buf += b"".join(values)
        elif fixed > 0:
            buf += b"".join(values)
        data = bytes(buf)

    comp = 0
    if compression and len(data) > 96:
        packed = zlib.compress(data, compression)
        if len(packed) < len(data):
            data = packed
            comp = compression
    head = _BLOCK_HEAD.pack(
        len(ids), ids[-1], maxweight, comp, length_to_byte(minlength), length_to_byte(maxlength)
    )
    blocklength = len(head) + len(data)
    return _INT.pack(-blocklength if last else blocklength) + head + data


class _CompactPostingsWriter(W3PostingsWriter):
    """W3 posting blocks without pickle: varint ids, weights and values.

    Why: Whoosh pickles every block with protocol 2, where each ``bytes``
    value becomes a ``_codecs.encode`` call (~13 bytes of overhead per
    posting, before zlib) and weights become 9-byte floats; it also zlibs
    even the tiniest block.  Most bigram postings hold one position.
    """

    def add_posting(self, id_: int, weight: float, vbytes: bytes, length: int | None = None) -> None:
        if len(self._ids) >= self._blocklimit:
            self._write_block()
        self._ids.append(id_)
        self._weights.append(weight)
        if weight > self._maxweight:
            self._maxweight = weight
        self._values.append(vbytes)
        if length:
            if self._minlength is None or length < self._minlength:
                self._minlength = length
            if length > self._maxlength:
                self._maxlength = length

    def _write_block(self, last: bool = False) -> None:
        self._terminfo.add_block(self)
        self._postfile.write(
            _block_bytes(
                self._ids,
                self._weights,
                self._values,
                self._format.fixed_value_size(),
                self._compression,
                self._maxweight,
                self._minlength,
                self._maxlength,
                last,
            )
        )
        self._blockcount += 1
        self._new_block()


class _CompactLeafMatcher(W3LeafMatcher):
    """Reads blocks written by :class:`_CompactPostingsWriter`."""

    def _read_header(self) -> None:
        self._baseoffset = self._startoffset

    def _goto(self, position: int) -> None:
        postfile = self._postfile
        self._data = None
        self._ids = None
        self._weights = None
        self._values = None
        self._i = 0
        postfile.seek(position)
        length = postfile.read_int()
        if length < 0:
            self._lastblock = True
            length = -length
        self._nextoffset = position + 4 + length
        head = postfile.read(_BLOCK_HEAD.size)
        (
            self._blocklength,
            self._maxid,
            self._maxweight,
            self._compression,
            mnlen,
            mxlen,
        ) = _BLOCK_HEAD.unpack(head)
        self._dataoffset = position + 4 + _BLOCK_HEAD.size
        self._minlength = byte_to_length(mnlen)
        self._maxlength = byte_to_length(mxlen)

    def _read_data(self) -> None:
        raw = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)
        if self._compression:
            raw = zlib.decompress(raw)
        n = self._blocklength
        deltas, pos = _read_varints(raw, 0, n)
        ids = []
        prev = 0
        for d in deltas:
            prev += d
            ids.append(prev)
        kind = raw[pos]
        pos += 1
        if kind == _W_ONES:
            weights = [1.0] * n
        elif kind == _W_INTS:
            ints, pos = _read_varints(raw, pos, n)
            weights = [float(w) for w in ints]
        else:
            weights = list(array("f", raw[pos : pos + 4 * n]))
            pos += 4 * n
        fixed = self._fixedsize
        if fixed is None or fixed < 0:
            lengths, pos = _read_varints(raw, pos, n)
            values = []
            for ln in lengths:
                values.append(raw[pos : pos + ln])
                pos += ln
        elif fixed == 0:
            values = [None] * n
        else:
            values = [raw[pos + k * fixed : pos + (k + 1) * fixed] for k in range(n)]
        self._data = (ids, weights, values)

    def block_ids(self) -> Iterator[list[int]]:
        """The document numbers of each block from here on."""
        while self.is_active():
            if self._data is None:
                self._read_data()
            yield self._data[0][self._i :]
            self._i = self._blocklength - 1
            self.next()

    def all_block_items(self) -> Iterator[tuple[int, float, bytes]]:
        """Every (docnum, weight, value) from here on, a block at a time."""
        while self.is_active():
            if self._data is None:
                self._read_data()
            ids, weights, values = self._data
            i = self._i
            if i:
                yield from zip(ids[i:], weights[i:], values[i:])
            else:
                yield from zip(ids, weights, values)
            self._i = self._blocklength - 1
            self.next()

    def _read_ids(self) -> None:
        if self._data is None:
            self._read_data()
        self._ids = self._data[0]

    def _read_weights(self) -> None:
        if self._data is None:
            self._read_data()
        self._weights = self._data[1]

    def _read_values(self) -> None:
        if self._data is None:
            self._read_data()
        self._values = self._data[2]


class _LengthCache:
    """Per-field document lengths read once per field, not once per posting.

    Why: Whoosh's field writer asks the per-document reader for the field
    length of every single posting (~3 us each through the column reader).
    """

    def __init__(self, pdr: Any) -> None:
        self._pdr = pdr
        self._cols: dict[str, list[int]] = {}

    def column(self, fieldname: str) -> list[int]:
        col = self._cols.get(fieldname)
        if col is None:
            pdr = self._pdr
            dfl = pdr.doc_field_length
            col = [dfl(d, fieldname, 0) or 0 for d in range(pdr.doc_count_all())]
            self._cols[fieldname] = col
        return col

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        col = self.column(fieldname)
        if docnum < len(col):
            return col[docnum]
        return self._pdr.doc_field_length(docnum, fieldname, default) or 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pdr, name)


class _CompactFieldWriter(W3FieldWriter):
    def add_postings(self, schema: Any, lengths: Any, items: Any) -> None:
        """Whoosh's loop, but each term's postings are gathered and written at once.

        Why: Whoosh makes a length lookup, an ``add_posting`` call and block
        bookkeeping per posting, and several calls per term; a rebuild of
        the corpus writes ~14M postings of ~640k terms.
        """
        from itertools import groupby
        from operator import itemgetter

        from whoosh.codec.base import OutOfOrderError

        cache = _LengthCache(lengths) if lengths is not None else None
        lastfn: str | None = None
        lasttext = b""
        col: list[int] = []
        for (fieldname, btext), group in groupby(items, itemgetter(0, 1)):
            if fieldname != lastfn:
                if lastfn is not None:
                    if fieldname < lastfn:
                        raise OutOfOrderError("Field %r .. %r" % (lastfn, fieldname))
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                lastfn = fieldname
                col = cache.column(fieldname) if cache is not None else []
            elif btext <= lasttext:
                raise OutOfOrderError("Term %s:%r .. %r" % (fieldname, lasttext, btext))
            lasttext = btext
            rows = list(group)
            if rows[0][2] < 0:  # spelling words (docnum -1): not used by newsctl
                rows = [r for r in rows if r[2] >= 0]
                if not rows:
                    continue
            ids = [r[2] for r in rows]
            values = [r[4] for r in rows]
            if None in values:
                values = [v if v is not None else b"" for v in values]
            try:
                lens = [col[d] for d in ids] if col else [0] * len(ids)
            except IndexError:
                lens = [cache.doc_field_length(d, fieldname) if cache is not None else 0 for d in ids]
            self._write_term(btext, ids, [r[3] for r in rows], values, lens)
        if lastfn is not None:
            self.finish_field()

    def _write_term(self, btext: bytes, ids: list[int], weights: list[float], values: list[bytes], lens: list[int]) -> None:
        """Write one term's postings and its terminfo, as W3 would (minus pickle)."""
        pw = self._postwriter
        limit = pw._blocklimit
        compression = pw._compression
        fixed = self._format.fixed_value_size()
        ti = W3TermInfo()
        n = len(ids)
        if n <= limit:  # one block: most terms
            chunks = [(ids, weights, values, lens)]
        else:
            chunks = [
                (ids[k : k + limit], weights[k : k + limit], values[k : k + limit], lens[k : k + limit])
                for k in range(0, n, limit)
            ]
        blocks = []
        last = len(chunks) - 1
        for c, (bids, bweights, bvalues, blens) in enumerate(chunks):
            bw = array("f", bweights)
            if 0 in blens:
                blens = [ln for ln in blens if ln]
            minlen = min(blens) if blens else None
            maxlen = max(blens) if blens else 0
            maxw = max(0.0, max(bw))
            blocks.append(_block_bytes(bids, bw, bvalues, fixed, compression, maxw, minlen, maxlen, c == last))
            # the statistics W3TermInfo.add_block keeps
            ti._weight += sum(bw)
            ti._df += len(bids)
            if ti._minlength is None:
                ti._minlength = minlen
            elif minlen is not None:
                ti._minlength = min(ti._minlength, minlen)
            if maxlen > ti._maxlength:
                ti._maxlength = maxlen
            if maxw > ti._maxweight:
                ti._maxweight = maxw
            if ti._minid is None:
                ti._minid = bids[0]
            ti._maxid = bids[-1]
        data = b"".join(blocks) if last else blocks[0]
        postfile = self._postfile
        ti.set_extent(postfile.tell(), len(data))
        postfile.write(data)
        self._tindex.add(_USHORT.pack(self._fieldid) + btext, ti.to_bytes())


class CompactCodec(W3Codec):
    """Whoosh's W3 codec with compact posting blocks (same files, same terms).

    Pass it to every writer: ``ix.writer(codec=analysis.CompactCodec())``.
    Each segment records its codec (pickled in the TOC: this class must stay
    importable here), so segments written by the default codec stay readable
    side by side.  Posting lists are never inlined into the term table
    (``inlinelimit`` is accepted for compatibility only; 1 is W3's default,
    which never inlines either).  Blocks over 96 bytes are zlib'd at
    *compression* when that makes them smaller.
    """

    def __init__(self, blocklimit: int = 128, compression: int = 3, inlinelimit: int = 1) -> None:
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)

    def field_writer(self, storage: Any, segment: Any) -> Any:
        return _CompactFieldWriter(self, storage, segment)

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> Any:
        if byteids:  # term vectors are read by W3's own matcher
            return super().postings_writer(dbfile, byteids=byteids)
        return _CompactPostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=False,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )

    def postings_reader(self, dbfile: Any, terminfo: Any, format_: Any, term: Any = None, scorer: Any = None) -> Any:
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return _CompactLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)


# ---------------------------------------------------------------------------
# Field types for the index module
# ---------------------------------------------------------------------------


class ExactText(TEXT):
    """TEXT field of the exact analyzer and :class:`VarintPositions`.

    ``index()`` goes straight from text to encoded postings (no Token
    objects, no generator layers): indexing is the hot path of a rebuild.
    """

    def index(self, value: Any, **kwargs: Any) -> Any:
        fmt = self.format
        if isinstance(value, str) and type(fmt) is VarintPositions and type(self.analyzer) is ExactAnalyzer:
            fb = fmt.field_boost
            enc = _encode_positions
            return [
                (term.encode("utf-8"), len(poses), len(poses) * fb, enc(poses))
                for term, poses in _exact_term_positions(normalize(value)).items()
            ]
        return super().index(value, **kwargs)


class WordText(TEXT):
    """TEXT field of the word analyzer and :class:`WordFrequency` (fast ``index()``)."""

    def index(self, value: Any, **kwargs: Any) -> Any:
        fmt = self.format
        if isinstance(value, str) and type(fmt) is WordFrequency and type(self.analyzer) is WordAnalyzer:
            fb = fmt.field_boost
            pack = _UINT.pack
            return [
                (word.encode("utf-8"), n, n * fb, pack(n))
                for word, n in Counter(_index_words(normalize(value))).items()
            ]
        return super().index(value, **kwargs)


def exact_field(stored: bool = False, field_boost: float = 1.0) -> ExactText:
    """The field type for exact substring search (title, body); see module doc."""
    field = ExactText(analyzer=ExactAnalyzer(), phrase=True, stored=stored, field_boost=field_boost)
    field.format = VarintPositions(field_boost=field_boost)
    field.multitoken_query = "phrase"
    return field


def word_field(stored: bool = False, field_boost: float = 1.0) -> WordText:
    """The field type of words for ranking (frequencies, no positions)."""
    field = WordText(analyzer=WordAnalyzer(), phrase=False, stored=stored, field_boost=field_boost)
    field.format = WordFrequency(field_boost=field_boost)
    return field
