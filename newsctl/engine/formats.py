"""Posting formats without pickle: varint positions (exact fields) and word frequencies.
Pickled into every index by import path, like the analyzers.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from whoosh.formats import Format

if TYPE_CHECKING:  # pragma: no cover
    pass

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
