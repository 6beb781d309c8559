"""The best passage of a text for a set of literals, with the exact matched characters.

Matching runs on the normalised text (so a Traditional or full-width query
finds Simplified text and vice versa); spans are mapped back to the original
characters, so highlights sit on what the post actually says. Passages are
whole sentences: cut at `。！？` (and line ends), never mid-character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

SENTENCE_END = re.compile(r"[。！？!?]+[”’」』）)]*|\n+")
DEFAULT_WIDTH = 120  # characters; about two lines of Chinese on a terminal


@dataclass(frozen=True)
class Snippet:
    text: str
    spans: tuple[tuple[int, int], ...]  # [start, end) into text


def find_spans(text: str, literals: Iterable[str]) -> list[tuple[int, int, int]]:
    """(start, end, literal number) of every match in ORIGINAL coordinates, sorted."""
    from ..text.normalize import normalize_with_offsets, original_span
    from ..text.units import literal_pattern

    literals = [lit for lit in literals if lit.strip()]
    if not literals or not text:
        return []
    norm, offsets = normalize_with_offsets(text)
    found: list[tuple[int, int, int]] = []
    for n, lit in enumerate(literals):
        pattern = literal_pattern(lit)
        for m in pattern.finditer(norm):
            if m.end() > m.start():
                s, e = original_span(offsets, m.start(), m.end(), len(text))
                found.append((s, e, n))
    found.sort()
    return found


def _sentences(text: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence, end punctuation included, surrounding space trimmed."""
    out: list[tuple[int, int]] = []
    pos = 0
    for m in SENTENCE_END.finditer(text):
        end = m.end() if not m.group().startswith("\n") else m.start()
        if end > pos:
            out.append((pos, end))
        pos = m.end()
    if pos < len(text):
        out.append((pos, len(text)))
    trimmed = []
    for s, e in out:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            trimmed.append((s, e))
    return trimmed


def best_snippet(text: str, literals: Sequence[str], *, width: int = DEFAULT_WIDTH) -> Snippet:
    """The run of sentences (about `width` characters) holding the most distinct literals, then the most matches."""
    matches = find_spans(text, literals)
    sentences = _sentences(text)
    if not sentences:
        return Snippet("", ())
    if not matches:
        s, e = sentences[0]
        return _cut(text, s, min(e, s + width), [])

    best: tuple[int, int, int, int] | None = None  # (distinct, count, -start, ...) window
    best_window = (sentences[0][0], sentences[0][1])
    j = 0
    for i, (s, _) in enumerate(sentences):
        # grow the window while it fits `width` (always at least one sentence)
        j = max(j, i)
        while j + 1 < len(sentences) and sentences[j + 1][1] - s <= width:
            j += 1
        e = sentences[j][1]
        inside = [m for m in matches if m[0] >= s and m[1] <= e]
        key = (len({m[2] for m in inside}), len(inside), -i, 0)
        if inside and (best is None or key > best):
            best, best_window = key, (s, e)
    s, e = best_window
    if e - s > width:
        # one long sentence: centre on its first match, cut at character boundaries
        first = next(m for m in matches if m[0] >= s)
        s = max(s, min(first[0] - width // 3, e - width))
        e = min(e, s + width)
    return _cut(text, s, e, matches)


def _cut(text: str, s: int, e: int, matches: list[tuple[int, int, int]]) -> Snippet:
    piece = text[s:e]
    lead = "…" if s > 0 and not _is_sentence_start(text, s) else ""
    tail = "…" if e < len(text) and not SENTENCE_END.match(text[e - 1 : e]) and text[e - 1] not in "。！？!?" else ""
    spans = tuple(
        (m0 - s + len(lead), m1 - s + len(lead)) for m0, m1, _ in matches if m0 >= s and m1 <= e
    )
    flat = lead + piece.replace("\n", " ") + tail
    return Snippet(flat, _merge(spans))


def _is_sentence_start(text: str, pos: int) -> bool:
    before = text[:pos].rstrip()
    return not before or before[-1] in "。！？!?\n”’」』）)"


def _merge(spans: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    out: list[list[int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return tuple((s, e) for s, e in out)


def highlight_spans(text: str, literals: Sequence[str]) -> tuple[tuple[int, int], ...]:
    """Merged match spans over a whole short text (a title)."""
    return _merge((s, e) for s, e, _ in find_spans(text, literals))
