"""`newsctl list`: posts by date, category, tag — from the index alone."""

from __future__ import annotations

import sys
from enum import Enum
from typing import List, Optional

import typer

from ..errors import EXIT_FOUND, EXIT_NOTHING
from .app import app, message, runtime, stdout_is_terminal, warn_if_stale

TERMINAL_LIMIT = 20  # posts listed on a terminal unless --limit says otherwise


class ListFormat(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    paths = "paths"
    tsv = "tsv"


@app.command("list")
def list_posts(
    ctx: typer.Context,
    category: Optional[List[str]] = typer.Option(None, "--category", "-c", metavar="NAME", help="Only this category (repeat for any of several)."),
    tag: Optional[List[str]] = typer.Option(None, "--tag", "-t", metavar="NAME", help="Only this tag (repeat for any of several)."),
    since: Optional[str] = typer.Option(None, "--since", metavar="DATE", help="From this date on: 2022-02-28, 2022-02, 2022, 7d, 2w, yesterday, today."),
    until: Optional[str] = typer.Option(None, "--until", metavar="DATE", help="Up to and including this date (same forms as --since)."),
    limit: Optional[int] = typer.Option(None, "--limit", "-n", min=0, metavar="N", help="At most N posts; 0 lists all. [default: 20 on a terminal, else all]"),
    reverse: bool = typer.Option(False, "--reverse", "-r", help="Oldest first."),
    fmt: ListFormat = typer.Option(ListFormat.table, "--format", "-f", help="table for people; json, jsonl, csv, paths, tsv (id, title, date: fzf) for scripts."),
    null: bool = typer.Option(False, "--null", "-0", help="With --format paths or tsv: end each line with NUL (xargs -0, fzf --read0)."),
) -> None:
    """List posts, newest first.

    Examples:

      newsctl list --since 7d

      newsctl list --category emnews --since 2022-02 --until 2022-03

      newsctl list --format json --limit 0 | jq -r '.[].title'

      newsctl list --tag 新闻联播 --format paths -0 | xargs -0 wc -c
    """
    from ..dates import since_until
    from ..errors import UsageError
    from ..render import get_renderer, render_all

    rt = runtime(ctx)
    if null and fmt not in (ListFormat.paths, ListFormat.tsv):
        raise UsageError("--null goes with --format paths or tsv")
    arc = rt.open_archive()
    start, end = since_until(since, until, arc.settings.timezone)
    if start and end and start >= end:
        raise UsageError(f"--since {since} is after --until {until}")
    terminal = stdout_is_terminal()
    if limit is None:
        limit = TERMINAL_LIMIT if terminal and fmt is ListFormat.table else 0
    result = arc.list(categories=category or (), tags=tag or (), since=start, until=end, limit=limit, reverse=reverse)
    warn_if_stale(arc)

    def table():
        from ..render.table import PostTableRenderer

        return PostTableRenderer(rt.console())

    shown = render_all(get_renderer(fmt.value, sys.stdout, null=null, table=table), result.records)
    if shown < result.total:  # cut by a limit: say so, on a terminal or not
        message(f"{shown} of {result.total} posts listed (--limit 0 lists all)")
    elif not shown and terminal:
        message("no posts match")
    raise typer.Exit(EXIT_FOUND if shown else EXIT_NOTHING)
