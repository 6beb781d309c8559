"""`newsctl show`: one post, for reading (or raw, or as JSON)."""

from __future__ import annotations

import dataclasses
import sys
from enum import Enum
from pathlib import Path

import typer

from ..errors import EXIT_FOUND
from .app import app, runtime


class ShowFormat(str, Enum):
    text = "text"
    json = "json"


def _complete_ids(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion for ID: post ids (or ids without their date) that start with what was typed."""
    try:
        from ..posts.lookup import short_id
        from .app import Runtime

        # while completing, the global options are parsed but their callback has not run
        params = ctx.find_root().params
        archive, index_dir = params.get("archive"), params.get("index_dir")
        arc = Runtime(
            archive=Path(archive) if archive else None,  # not yet converted while completing
            index_dir=Path(index_dir) if index_dir else None,
        ).open_archive()
        stems = [p.stem for p in arc.post_paths()]
    except Exception:  # completion must never print an error into the user's prompt
        return []
    found = [s for s in stems if s.startswith(incomplete)]
    if not found:
        found = [short_id(s) for s in stems if short_id(s).startswith(incomplete)]
    return found[:200]


@app.command("show")
def show_post(
    ctx: typer.Context,
    post: str = typer.Argument(..., metavar="ID|PATH", autocompletion=_complete_ids, help="A post id (2022-01-16-xwlb2022011603, or xwlb2022011603 without the date) or a post file's path."),
    raw: bool = typer.Option(False, "--raw", help="Print the file exactly as it is (front matter and markup)."),
    fmt: ShowFormat = typer.Option(ShowFormat.text, "--format", "-f", help="text for people; json for scripts (header fields, body and plain text)."),
    no_pager: bool = typer.Option(False, "--no-pager", help="Never page: print straight to the terminal."),
) -> None:
    """Show one post: a header (title, date, categories, tags, source) and its body as formatted text.

    On a terminal a post taller than the screen opens in a pager ($NEWSCTL_PAGER,
    else $PAGER, else less). Into a pipe: plain text with 'key: value' header lines.

    Examples:

      newsctl show 2022-02-28-NW202202282290536398

      newsctl show xwlb2022011603 --no-pager

      newsctl show _posts/2022-02-28-NW202202282290536398.md --raw

      newsctl show NW202202282290536398 --format json | jq -r .text

      newsctl search 高新区 --format paths | head -1 | xargs newsctl show
    """
    from ..errors import UsageError

    rt = runtime(ctx)
    if raw and fmt is not ShowFormat.text:
        raise UsageError("--raw prints the file as it is; it does not go with --format")
    arc = rt.open_archive()
    path = arc.find_post(post)
    if raw:
        from ..errors import PostError

        try:
            data = path.read_bytes()
        except OSError as e:
            raise PostError(path, f"cannot read file: {e.strerror or e}") from None
        sys.stdout.buffer.write(data)
        raise typer.Exit(EXIT_FOUND)
    item = arc.read_post(path)
    # dates are shown in the archive's timezone, as list and search show them
    item = dataclasses.replace(item, date=item.date.astimezone(arc.settings.timezone))
    if fmt is ShowFormat.json:
        import json

        from ..render.post_view import post_json

        sys.stdout.write(json.dumps(post_json(item), ensure_ascii=False) + "\n")
        raise typer.Exit(EXIT_FOUND)
    console = rt.console()
    if console.is_terminal:
        from ..render.console import print_paged
        from ..render.post_view import post_renderable

        print_paged(console, post_renderable(item, console), allow_pager=not no_pager)
    else:
        from ..render.post_view import plain_text

        sys.stdout.write(plain_text(item))
    raise typer.Exit(EXIT_FOUND)
