"""Related posts: the same story told elsewhere in the archive (`newsctl related`).

The post is read from its file (bodies are not stored in the index), so any
post file works, in the archive or not. Its key terms (engine/similar.py) are
searched for; the post itself and exact copies of it — the same plain text
under another name — are left out, as a copy tells nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from ..config import Settings
from ..engine.schema import record_from_fields, text_digest
from ..engine.similar import excluded, key_terms, more_like
from ..engine.storage import open_index
from ..records import Hit
from .run import with_snippet

SNIPPET_TERMS = 8  # key terms marked in each snippet


@dataclass
class RelatedResult:
    path: Path  # the post asked about
    title: str
    terms: list[tuple[str, float]] = field(default_factory=list)  # key terms, strongest first
    copies: int = 0  # exact copies left out
    hits: list[Hit] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.hits)

    def explanation(self) -> str:
        words = " · ".join(f"{t} {w:.2f}" for t, w in self.terms) or "(none)"
        return f"key terms: {words}\nexact copies left out: {self.copies}"


def _rel(settings: Settings, path: Path) -> str | None:
    try:
        return settings.rel(path)
    except ValueError:  # a post file outside the archive
        return None


def related_posts(settings: Settings, path: Path, *, limit: int = 10, snippets: bool = True) -> RelatedResult:
    """The `limit` posts most like the post at `path` (limit 0: as many as share a key term)."""
    from ..posts.post import read_post

    post = read_post(path, settings.timezone)
    result = RelatedResult(path=path, title=post.title)
    searcher = open_index(settings.state_dir).searcher()
    try:
        reader = searcher.reader()
        result.terms = key_terms(reader, post.title, post.text)
        rel = _rel(settings, path)
        itself, mask = excluded(reader, rel, text_digest(post.text))
        result.copies = len(mask - itself)
        found = more_like(searcher, result.terms, mask=mask, limit=limit or reader.doc_count())
    finally:
        searcher.close()
    words = [t for t, _ in result.terms[:SNIPPET_TERMS]]
    for s in found:
        record = record_from_fields(s.fields, settings.root, settings.timezone)
        result.hits.append(with_snippet(settings, record, s.score, words, words) if snippets else Hit(record=record, score=s.score))
    return result

