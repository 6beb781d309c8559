"""Words (rjieba) for ranking and for the word fallback; rjieba is imported on first use (0.15 s)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    pass

from .normalize import normalize

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
