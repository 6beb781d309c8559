"""`newsctl watch add|list|rm`: saved searches, kept in the archive's .newsctl/config.toml."""

from __future__ import annotations

import sys
from enum import Enum
from typing import List, Optional

import typer

from ..errors import EXIT_FOUND, EXIT_NOTHING
from .app import app, message, runtime

watch_app = typer.Typer(
    name="watch",
    help=(
        "Saved searches to follow with `newsctl news`: add, list, rm.\n\n"
        "Watches live in the archive's .newsctl/config.toml, a [watches] table you may "
        "also edit by hand (comments are kept when newsctl changes it).\n\n"
        "Examples:\n\n"
        "  newsctl watch add gaoxin 高新区\n\n"
        "  newsctl watch list\n\n"
        "  newsctl news gaoxin\n\n"
        "  newsctl watch rm gaoxin"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
app.add_typer(watch_app, name="watch")


class WatchFormat(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"


@watch_app.command("add")
def watch_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME", help="A short name: letters (Chinese too), digits, '-', '_', '.'."),
    query: List[str] = typer.Argument(..., metavar="QUERY...", help="A search query, as `newsctl search` takes it."),
    category: Optional[List[str]] = typer.Option(None, "--category", "-c", metavar="NAME", help="Only this category (repeat for any of several)."),
    tag: Optional[List[str]] = typer.Option(None, "--tag", "-t", metavar="NAME", help="Only this tag (repeat for any of several)."),
    backlog: bool = typer.Option(False, "--backlog", help="Count every post it matches now as unread (by default a watch starts empty)."),
) -> None:
    """Save a search as a watch; `newsctl news` then shows what it matches as posts come in.

    A new watch starts empty: only posts indexed from now on are news
    (--backlog makes everything it matches now unread). A query `search`
    would refuse is refused here, with the same message (exit 2).

    Examples:

      newsctl watch add gaoxin 高新区

      newsctl watch add ev '新能源 OR 电动车' --category emnews

      newsctl watch add pork --backlog -- 猪肉 -北京     (a query starting with - follows --)
    """
    arc = runtime(ctx).open_archive()
    watch = arc.add_watch(name, " ".join(query), categories=category or (), tags=tag or (), backlog=backlog)
    message(f"watching {watch.name}: {watch.describe()}" + (" (its current matches are unread)" if backlog else " (from now on)"))


@watch_app.command("list")
def watch_list(
    ctx: typer.Context,
    fmt: WatchFormat = typer.Option(WatchFormat.table, "--format", "-f", help="table for people (tab-separated in a pipe); json, jsonl for scripts."),
) -> None:
    """List the watches: name, query, posts it matches, posts unread.

    Unread is what `newsctl news NAME` would show now ("-": a watch written
    into the config by hand and not read yet; it starts at its first `news`).
    Exit 1 when there are no watches.

    Examples:

      newsctl watch list

      newsctl watch list --format json | jq -r '.[] | select(.unread > 0) | .name'
    """
    rt = runtime(ctx)
    arc = rt.open_archive()
    statuses = arc.watch_statuses()
    if not statuses:
        message("no watches yet (newsctl watch add NAME QUERY)")
        raise typer.Exit(EXIT_NOTHING)
    if fmt is WatchFormat.table:
        from ..render.follow_view import print_watches

        print_watches(rt.console(), statuses)
    else:
        from ..render import get_renderer, render_all

        render_all(get_renderer(fmt.value, sys.stdout), statuses)
    raise typer.Exit(EXIT_FOUND)


@watch_app.command("rm")
def watch_rm(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME", help="The watch to remove."),
) -> None:
    """Remove a watch (from the config file, and how far it was read).

    Examples:

      newsctl watch rm gaoxin
    """
    arc = runtime(ctx).open_archive()
    arc.remove_watch(name)
    message(f"removed watch {name}")
