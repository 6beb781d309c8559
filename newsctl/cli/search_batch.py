"""`newsctl search --batch`: the CLI side of newsctl.batch (options checked, records streamed)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Sequence

import typer

from ..errors import EXIT_ERROR, EXIT_FOUND, EXIT_NOTHING, UsageError
from .app import message

if TYPE_CHECKING:
    from .app import Runtime

BATCH_FORMATS = ("jsonl", "paths")


def run_batch(
    rt: "Runtime",
    *,
    query: Sequence[str] | None,
    fmt: str | None,
    null: bool,
    explain: bool,
    count: bool,
    categories: Sequence[str] | None,
    tags: Sequence[str] | None,
    since: str | None,
    until: str | None,
    sort: str,
    limit: int | None,
    offset: int,
) -> None:
    """Answer each stdin line; exit 2 if any line was a bad query, else 0 if any matched, else 1."""
    import json

    from ..batch import search_lines
    from ..dates import since_until
    from ..search.run import SearchOptions

    if query:
        raise UsageError("--batch reads its queries from stdin, one a line", hint="give no QUERY with --batch")
    fmt = fmt or "jsonl"
    if fmt not in BATCH_FORMATS:
        raise UsageError(f"--batch writes JSON Lines: --format jsonl (hits) or paths (paths only), not {fmt}")
    if null:
        raise UsageError("--null does not go with --batch (its paths are JSON strings)")
    if explain:
        raise UsageError("--explain does not go with --batch")
    arc = rt.open_archive()
    start, end = since_until(since, until, arc.settings.timezone)
    options = SearchOptions(
        categories=categories or (), tags=tags or (), since=start, until=end, sort=sort,
        limit=limit or 0, offset=offset, snippets=fmt == "jsonl",
    )
    stdin = getattr(sys.stdin, "buffer", sys.stdin)  # bytes: a bad line is that line's error
    if stdin is None:
        raise UsageError("--batch needs queries on stdin")
    found = failed = False
    out = sys.stdout
    for record in search_lines(arc, stdin, options, count_only=count, paths_only=fmt == "paths"):
        if record.error is not None:
            failed = True
            message(f"newsctl: error: line {record.line}: {record.error}")
        elif record.total:
            found = True
        out.write(json.dumps(record.to_json(), ensure_ascii=False))
        out.write("\n")
        out.flush()  # a script may write a query and wait for its answer
    raise typer.Exit(EXIT_ERROR if failed else EXIT_FOUND if found else EXIT_NOTHING)
