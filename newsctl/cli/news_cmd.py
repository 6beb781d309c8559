"""`newsctl news`: what each watch matches that was indexed since it was last read."""

from __future__ import annotations

import os
import stat
import sys
from enum import Enum
from typing import Any, Iterable, Iterator, List, Optional

import typer

from ..errors import EXIT_FOUND, EXIT_NOTHING
from .app import app, message, runtime, stdout_is_terminal


class NewsFormat(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    paths = "paths"
    tsv = "tsv"


def _unique_posts(items: Iterable[Any]) -> Iterator[Any]:
    """Each post once (one-line-a-post formats), though two watches matched it."""
    seen: set[str] = set()
    for item in items:
        key = str(item.record.path)
        if key not in seen:
            seen.add(key)
            yield item


def _flush_to_disk() -> None:
    """Output into a file reaches the disk before the posts are marked read."""
    sys.stdout.flush()
    try:
        fd = sys.stdout.fileno()
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.fsync(fd)
    except (OSError, ValueError, AttributeError):
        pass


@app.command("news")
def news(
    ctx: typer.Context,
    names: Optional[List[str]] = typer.Argument(None, metavar="[NAME]...", help="Watches to read (default: all of them)."),
    peek: bool = typer.Option(False, "--peek", help="Show what is new without marking it read."),
    changed: bool = typer.Option(False, "--changed", help="Also show posts re-indexed after an edit since the last read."),
    fmt: NewsFormat = typer.Option(NewsFormat.table, "--format", "-f", help="table for people; json, jsonl, paths, tsv for scripts."),
    null: bool = typer.Option(False, "--null", "-0", help="With --format paths or tsv: end each line with NUL."),
) -> None:
    """Show the posts each watch matches that were indexed since it was last read, then mark them read.

    New means new to the index, whatever the post's date: a backdated post
    imported today is news; a post edited and re-indexed is not news again
    (--changed shows those too). Posts are marked read only after they were
    all written out, so a failed run shows them again. Exit 0 when there is
    news, 1 when there is none. Never waits for a running `index`.

    Examples:

      newsctl news

      newsctl news gaoxin ev --peek

      newsctl news --format jsonl | jq -r '"\\(.watch)\\t\\(.title)"'

      newsctl index --quiet && newsctl news > new.txt && mail -s news me < new.txt
    """
    from ..errors import UsageError
    from ..render import get_renderer, render_all

    rt = runtime(ctx)
    if null and fmt not in (NewsFormat.paths, NewsFormat.tsv):
        raise UsageError("--null goes with --format paths or tsv")
    arc = rt.open_archive()
    if not arc.watches():
        raise UsageError("no watches yet", hint="newsctl watch add NAME QUERY")
    result = arc.news(names or (), changed=changed, snippets=fmt in (NewsFormat.table, NewsFormat.json, NewsFormat.jsonl))
    for w in result.watches:
        if w.started:
            message(f"{w.watch.name}: a new watch; following it from now (newsctl search shows what it matches already)")
        for fb in w.fallbacks:
            message(f"{w.watch.name}: {fb.message()}")
    items = result.items
    if fmt in (NewsFormat.paths, NewsFormat.tsv):
        items = _unique_posts(items)

    def table():
        from ..render.follow_view import NewsRenderer

        counts = {w.watch.name: (sum(i.change == "new" for i in w.items), sum(i.change == "changed" for i in w.items)) for w in result.watches}
        return NewsRenderer(rt.console(), counts)

    shown = render_all(get_renderer(fmt.value, sys.stdout, null=null, table=table), items)
    _flush_to_disk()
    if not peek:
        result.mark()
    if stdout_is_terminal():
        with_news = sum(1 for w in result.watches if w.items)
        if shown:
            message(f"{result.count} {'post' if result.count == 1 else 'posts'} for {with_news} of {len(result.watches)} watches"
                    + (" (--peek: still unread)" if peek else ""))
        else:
            message("nothing new")
    raise typer.Exit(EXIT_FOUND if shown else EXIT_NOTHING)
