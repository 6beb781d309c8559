"""Analyzers and field types of the schema. Pickled into every index by import path:
moving or renaming a class here is a schema change (bump engine.schema.SCHEMA_VERSION).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from whoosh.analysis import Composable, Token
from whoosh.fields import TEXT

if TYPE_CHECKING:  # pragma: no cover
    pass

from ..text.normalize import normalize, normalize_with_offsets, original_span
from ..text.units import _exact_term_positions, _exact_tokens, _query_tokens
from ..text.words import _WORDY, _index_words, _rjieba
from .codec_read import _UINT
from .formats import VarintPositions, WordFrequency, _encode_positions


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
