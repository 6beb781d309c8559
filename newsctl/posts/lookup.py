"""Finding a post by the id a user typed, and naming close ids when none matches.

An id is a post's file name without its suffix (`2022-01-16-xwlb2022011603`);
the part after the date (`xwlb2022011603`) names it too when unique. Close
ids are found without comparing against every id (24,090 of them take
difflib most of a second): ids that contain what was typed, and the
neighbours of what was typed in sorted order (shared prefixes), ranked by
similarity.
"""

from __future__ import annotations

import bisect
import re
from difflib import SequenceMatcher
from pathlib import Path
from typing import Sequence

_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-")


def short_id(stem: str) -> str:
    """`2022-01-16-xwlb2022011603` -> `xwlb2022011603`; other ids unchanged."""
    m = _DATE_PREFIX.match(stem)
    return stem[m.end():] if m and m.end() < len(stem) else stem


def match_id(text: str, paths: Sequence[Path]) -> list[Path]:
    """Posts whose id is `text`, else whose id without its date is `text`."""
    exact = [p for p in paths if p.stem == text]
    if exact:
        return exact
    return [p for p in paths if short_id(p.stem) == text]


def close_ids(text: str, ids: Sequence[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """Up to `n` ids that look like `text`, most alike first."""
    if not ids or not text:
        return []
    candidates: set[str] = {i for i in ids if text in i}
    if len(candidates) > 50:
        return sorted(candidates, key=lambda i: (len(i), i))[:n]
    full = sorted(ids)
    shorts = sorted((short_id(i), i) for i in ids)
    pos = bisect.bisect_left(full, text)
    candidates.update(full[max(pos - 3, 0): pos + 3])
    pos = bisect.bisect_left(shorts, (text, ""))
    candidates.update(i for _, i in shorts[max(pos - 3, 0): pos + 3])

    def score(i: str) -> float:
        return max(SequenceMatcher(None, text, i).ratio(), SequenceMatcher(None, text, short_id(i)).ratio())

    ranked = sorted(candidates, key=lambda i: (text not in i, -score(i), i))
    return [i for i in ranked if text in i or score(i) >= cutoff][:n]
