"""Normalisation, the same at index and query time: NFKC, lower case, Traditional -> Simplified
per character, invisibles dropped; with offsets back into the original text for highlights.

Bump ANALYSIS_VERSION whenever what comes out changes: the schema version includes it.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    pass

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
