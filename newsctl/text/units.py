"""Units and terms of the exact field, the terms a literal searches, and the reference grep.

`literal_pattern` is the contract: over normalised text the index matches exactly where it does.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:  # pragma: no cover
    pass

from .normalize import normalize

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
