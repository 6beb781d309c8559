"""What the index already holds, for `add`'s duplicate checks: source URLs and fingerprints."""

from __future__ import annotations

from ..config import Settings
from ..engine.schema import fingerprint
from ..engine.storage import index_state, open_index


class KnownPosts:
    """Source URLs and fingerprints already in the archive, for duplicate checks."""

    def __init__(self, settings: Settings) -> None:
        self.sources: dict[str, str] = {}
        self.prints: dict[str, str] = {}
        if index_state(settings.state_dir) != "ok":
            return
        ix = open_index(settings.state_dir)
        with ix.searcher() as s:
            for f in s.all_stored_fields():
                if f.get("source"):
                    self.sources[f["source"]] = f["id"]
                self.prints[f["fingerprint"]] = f["id"]

    def duplicate_of(self, post) -> str | None:
        if post.source and post.source in self.sources:
            return f"same source as {self.sources[post.source]}"
        fp = fingerprint(post.title, post.date, post.text)
        if fp in self.prints:
            return f"same title, date and text as {self.prints[fp]}"
        return None

    def remember(self, post) -> None:
        if post.source:
            self.sources[post.source] = post.id
        self.prints[fingerprint(post.title, post.date, post.text)] = post.id
