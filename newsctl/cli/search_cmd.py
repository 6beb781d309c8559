"""`newsctl search`: full-text search, Chinese included."""

from __future__ import annotations

import sys
from enum import Enum
from typing import List, Optional

import typer

from ..errors import EXIT_FOUND, EXIT_NOTHING
from .app import app, message, runtime, stdout_is_terminal, warn_if_stale


class SearchFormat(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    paths = "paths"
    tsv = "tsv"


class SortOrder(str, Enum):
    score = "score"
    date = "date"


@app.command("search")
def search_posts(
    ctx: typer.Context,
    query: Optional[List[str]] = typer.Argument(None, metavar="QUERY...", help="Words, \"phrases\", OR, NOT/-, ( ), title: category: tag: source: date:", show_default=False),
    category: Optional[List[str]] = typer.Option(None, "--category", "-c", metavar="NAME", help="Only this category (repeat for any of several)."),
    tag: Optional[List[str]] = typer.Option(None, "--tag", "-t", metavar="NAME", help="Only this tag (repeat for any of several)."),
    since: Optional[str] = typer.Option(None, "--since", metavar="DATE", help="From this date on: 2022-02-28, 2022-02, 2022, 7d, 2w, yesterday, today."),
    until: Optional[str] = typer.Option(None, "--until", metavar="DATE", help="Up to and including this date."),
    sort: SortOrder = typer.Option(SortOrder.score, "--sort", help="score (relevance, ties newest first) or date (newest first)."),
    reverse: bool = typer.Option(False, "--reverse", "-r", help="Reverse the order: with --sort date oldest first, with score least relevant first."),
    limit: Optional[int] = typer.Option(None, "--limit", "-n", min=0, metavar="N", help="At most N hits; 0 = all. [default: 10 on a terminal, else all]"),
    offset: int = typer.Option(0, "--offset", min=0, metavar="N", help="Skip the first N hits."),
    count: bool = typer.Option(False, "--count", help="Print only the number of matching posts."),
    fmt: Optional[SearchFormat] = typer.Option(None, "--format", "-f", help="table for people; json, jsonl, paths, tsv (id, title, date: fzf) for scripts. [default: table; jsonl with --batch]", show_default=False),
    null: bool = typer.Option(False, "--null", "-0", help="With --format paths or tsv: end each line with NUL (xargs -0, fzf --read0)."),
    explain: bool = typer.Option(False, "--explain", help="Print how the query was understood (to stderr)."),
    batch: bool = typer.Option(False, "--batch", help="Read one query a line from stdin; write one JSON object a query (JSON Lines)."),
) -> None:
    """Search titles and bodies; Chinese matches as substrings, ASCII words whole.

    Terms side by side must all match. Quote a phrase to match it exactly;
    an unquoted term found nowhere as written falls back to its words.

    Examples:

      newsctl search 高新区

      newsctl search '"国家高新区" OR 科技园 -北京'

      newsctl search 'title:5G date:2022-01..2022-03'

      newsctl search 新能源 --since 7d --sort date --format jsonl

      newsctl search 高新区 --sort date --reverse      # oldest first

      newsctl search 猪肉 --format paths -0 | xargs -0 grep -c 价格

      newsctl search --batch --limit 20 < queries.txt > answers.jsonl

      newsctl search 高新区 --format tsv | fzf --delimiter '\t' --with-nth 2,3
    """
    from ..dates import since_until
    from ..errors import UsageError
    from ..render import get_renderer, render_all
    from ..search.run import SearchOptions

    rt = runtime(ctx)
    if batch:
        from .search_batch import run_batch

        run_batch(rt, query=query, fmt=fmt.value if fmt else None, null=null, explain=explain, count=count,
                  categories=category, tags=tag, since=since, until=until, sort=sort.value, limit=limit, offset=offset)
    if not query:
        # as click words it for a required argument, plus what --batch offers
        raise UsageError("Missing argument 'QUERY...'.", hint="see 'newsctl search --help'; --batch reads queries from stdin")
    if fmt is None:
        fmt = SearchFormat.table
    if null and fmt not in (SearchFormat.paths, SearchFormat.tsv):
        raise UsageError("--null goes with --format paths or tsv")
    arc = rt.open_archive()
    tz = arc.settings.timezone
    start, end = since_until(since, until, tz)
    terminal = stdout_is_terminal()
    if limit is None:
        limit = arc.settings.limit if terminal and fmt is SearchFormat.table else 0
    options = SearchOptions(
        categories=category or (), tags=tag or (), since=start, until=end, sort=sort.value,
        limit=limit, offset=offset, snippets=fmt in (SearchFormat.table, SearchFormat.json, SearchFormat.jsonl),
        reverse=reverse,
    )
    text = " ".join(query)
    result = arc.search(text, options, count_only=count)
    warn_if_stale(arc)
    if explain:
        message(result.explanation)
    for fb in result.fallbacks:
        message(fb.message())
    for hint in result.hints:
        message(f"newsctl: {hint}")
    if count:
        if fmt in (SearchFormat.json, SearchFormat.jsonl):
            import json

            print(json.dumps({"query": text, "count": result.total}, ensure_ascii=False))
        else:
            print(result.total)
        raise typer.Exit(EXIT_FOUND if result.total else EXIT_NOTHING)

    def table():
        from ..render.hits import HitListRenderer

        return HitListRenderer(rt.console(), start=offset + 1)

    shown = render_all(get_renderer(fmt.value, sys.stdout, null=null, table=table), result.hits)
    more = result.total - offset - shown
    if (fmt is SearchFormat.table and terminal) or more > 0:  # the count on a terminal; a cut anywhere
        matched = f"{result.total} post matches" if result.total == 1 else f"{result.total} posts match"
        message(matched + (f"; {shown} shown (--limit 0 shows all)" if more > 0 else ""))
    raise typer.Exit(EXIT_FOUND if shown or (result.total and offset) else EXIT_NOTHING)
