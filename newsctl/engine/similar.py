"""More like this: posts sharing a post's most telling words (Whoosh's Bo1 key terms).

The key terms come from the `words` field's analysis of the post's title and
text, the title counted `TITLE_WEIGHT` times (a news title names its story);
terms of one character and bare numbers are left out (in Chinese news they are
grammar, dates and counts, not the story). The query is an OR of the terms,
each boosted by its weight, ranked by BM25F over `words`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

TITLE_WEIGHT = 3
NUMTERMS = 15
_NUMBER = re.compile(r"^[\d.,%]+$")


@dataclass(frozen=True, slots=True)
class Similar:
    docnum: int
    score: float
    fields: dict[str, Any]


def key_terms(reader: Any, title: str, text: str, *, numterms: int = NUMTERMS) -> list[tuple[str, float]]:
    """The `numterms` words that best tell this post from the rest of the archive, strongest first."""
    from whoosh import classify

    expander = classify.Expander(reader, "words", model=classify.Bo1Model)
    expander.add_text(f"{title}\n{text}")  # the document as indexed
    for _ in range(TITLE_WEIGHT - 1):
        expander.add_text(title)
    terms = expander.expanded_terms(numterms * 4, normalize=True)
    kept = [(t, w) for t, w in terms if len(t) > 1 and not _NUMBER.match(t)]
    return kept[:numterms]


def excluded(reader: Any, rel: str | None, digest: str) -> tuple[set[int], set[int]]:
    """(the post itself, by path; it and every exact copy of it: the same plain text under another name)."""
    from .sequence import docnums_with

    itself = set(docnums_with(reader, "path", rel)) if rel else set()
    return itself, itself | set(docnums_with(reader, "text_digest", digest))


def more_like(searcher: Any, terms: list[tuple[str, float]], *, mask: set[int], limit: int) -> list[Similar]:
    """The best `limit` posts for the key terms, none of those in `mask`."""
    from whoosh import query as wq

    if not terms or limit <= 0:
        return []
    q = wq.Or([wq.Term("words", t, boost=w) for t, w in terms])
    results = searcher.search(q, limit=limit, mask=mask or None, terms=False)
    return [Similar(hit.docnum, float(hit.score or 0.0), hit.fields()) for hit in results]
