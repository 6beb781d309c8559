"""`newsctl related`: posts about the same story as one post."""

from __future__ import annotations

import sys
from enum import Enum

import typer

from ..errors import EXIT_FOUND, EXIT_NOTHING
from .app import app, message, runtime, stdout_is_terminal
from .show_cmd import _complete_ids


class RelatedFormat(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    paths = "paths"
    tsv = "tsv"


@app.command("related")
def related(
    ctx: typer.Context,
    post: str = typer.Argument(..., metavar="ID|PATH", autocompletion=_complete_ids, help="A post id (as `show` takes it) or a post file's path."),
    limit: int = typer.Option(10, "--limit", "-n", min=1, metavar="N", help="At most N posts."),
    fmt: RelatedFormat = typer.Option(RelatedFormat.table, "--format", "-f", help="table for people; json, jsonl, paths, tsv for scripts (as search)."),
    null: bool = typer.Option(False, "--null", "-0", help="With --format paths or tsv: end each line with NUL."),
    explain: bool = typer.Option(False, "--explain", help="Print the key terms searched for, with their weights (to stderr)."),
) -> None:
    """Posts about the same story: those sharing the post's most telling words, best first.

    The words are the post's key terms (its title counts three times), found
    by Whoosh's more-like-this over the index's words. The post itself and
    exact copies of it (the same text under another name) are left out. The
    output is that of `search`. Exit 1 when nothing is related.

    Examples:

      newsctl related 2022-02-28-NW202202282290536398

      newsctl related xwlb2022011603 -n 5 --explain

      newsctl related _posts/2022-02-28-NW202202282290536398.md --format paths | xargs wc -m
    """
    from ..errors import UsageError
    from ..render import get_renderer, render_all

    rt = runtime(ctx)
    if null and fmt not in (RelatedFormat.paths, RelatedFormat.tsv):
        raise UsageError("--null goes with --format paths or tsv")
    arc = rt.open_archive()
    result = arc.related(post, limit=limit)
    if explain:
        message(result.explanation())
    terminal = stdout_is_terminal()
    if terminal and fmt is RelatedFormat.table:
        message(f"like: {result.title}")

    def table():
        from ..render.hits import HitListRenderer

        return HitListRenderer(rt.console())

    shown = render_all(get_renderer(fmt.value, sys.stdout, null=null, table=table), result.hits)
    if terminal and fmt is RelatedFormat.table and not shown:
        message("no related posts")
    raise typer.Exit(EXIT_FOUND if shown else EXIT_NOTHING)
