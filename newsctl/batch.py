"""Many queries in one run (`search --batch`): one JSON object a query, start-up paid once.

A script with 1,000 queries would otherwise start Python, import Whoosh and
open the index 1,000 times. A query that cannot be parsed becomes a record
with an `error` and the batch goes on; anything else (no index, a damaged
index) stops the batch as it stops a single search. The record shape is
documented in docs/json-format.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from .errors import QueryError, UsageError
from .records import Hit

if TYPE_CHECKING:
    from .archive import Archive
    from .search.run import SearchOptions


@dataclass
class BatchRecord:
    """The answer to one input line."""

    query: str
    line: int  # 1-based line number in the input
    total: int = 0
    fallbacks: list[dict[str, Any]] = field(default_factory=list)
    hits: list[Hit] | None = None  # None with --count
    error: str | None = None
    paths_only: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"query": self.query, "line": self.line}
        if self.error is not None:
            data["error"] = self.error
            return data
        data["total"] = self.total
        data["fallbacks"] = self.fallbacks
        if self.hits is not None:
            if self.paths_only:
                data["paths"] = [str(h.record.path) for h in self.hits]
            else:
                data["hits"] = [h.to_json() for h in self.hits]
        return data


def queries(lines: Iterable[bytes | str]) -> Iterator[tuple[int, str, str | None]]:
    """(line number, query, error) for each line that holds something; blank lines are skipped.

    Lines may be bytes (stdin's buffer): one that is not UTF-8 becomes an
    error for that line instead of ending the batch.
    """
    for number, line in enumerate(lines, start=1):
        error = None
        if isinstance(line, bytes):
            try:
                line = line.decode("utf-8")
            except UnicodeDecodeError as e:
                line = line.decode("utf-8", "replace")
                error = f"not UTF-8 (byte {e.start + 1})"
        text = line.strip().lstrip("\ufeff").strip() if number == 1 else line.strip()
        if text:
            yield number, text, error


def search_lines(
    archive: "Archive",
    lines: Iterable[bytes | str],
    options: "SearchOptions",
    *,
    count_only: bool = False,
    paths_only: bool = False,
) -> Iterator[BatchRecord]:
    """Run each query line; yields records as they are answered (a caller can stream them)."""
    from dataclasses import replace

    if paths_only:
        options = replace(options, snippets=False)
    for number, text, error in queries(lines):
        if error is not None:
            yield BatchRecord(query=text, line=number, error=error)
            continue
        try:
            result = archive.search(text, options, count_only=count_only)
            hits = None if count_only else list(result.hits)
        except (QueryError, UsageError) as e:
            yield BatchRecord(query=text, line=number, error=str(e))
            continue
        yield BatchRecord(
            query=text,
            line=number,
            total=result.total,
            fallbacks=[{"term": f.term, "words": list(f.words)} for f in result.fallbacks],
            hits=hits,
            paths_only=paths_only,
        )
