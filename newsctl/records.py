"""What flows from the index to the renderers: light records, no post bodies.

`to_json` is the documented machine format (docs/json-format.md); change it only
together with `RECORD_VERSION`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

RECORD_VERSION = 1


@dataclass(frozen=True, slots=True)
class PostRecord:
    id: str
    path: Path  # absolute
    title: str
    date: datetime  # aware, in the archive's timezone
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    source: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "path": str(self.path),
            "title": self.title,
            "date": self.date.isoformat(),
            "categories": list(self.categories),
            "tags": list(self.tags),
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class Hit:
    """A search result: the record plus why it matched."""

    record: PostRecord
    score: float
    snippet: str = ""
    # [start, end) character offsets into `snippet` of each highlighted match
    highlights: tuple[tuple[int, int], ...] = field(default=())
    # the same for matches in the title
    title_highlights: tuple[tuple[int, int], ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        data = self.record.to_json()
        data["score"] = round(self.score, 4)
        data["snippet"] = self.snippet
        data["highlights"] = [list(span) for span in self.highlights]
        data["title_highlights"] = [list(span) for span in self.title_highlights]
        return data
