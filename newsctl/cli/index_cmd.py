"""`newsctl index`: bring the index in line with the files in _posts/."""

from __future__ import annotations

import sys

import typer

from ..errors import EXIT_ERROR, EXIT_FOUND
from .app import app, message, runtime


@app.command("index")
def index_posts(
    ctx: typer.Context,
    wait: float = typer.Option(0.0, "--wait", min=0, metavar="SECONDS", help="Wait this long for another writer; then exit 75."),
    procs: int = typer.Option(1, "--procs", min=1, help="Indexing processes."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only errors."),
) -> int:
    """Index the archive's posts so that list and search see them.

    Examples:

      newsctl index

      newsctl --archive ~/news index --quiet --wait 30
    """
    arc = runtime(ctx).open_archive()
    result = arc.index(wait=wait, procs=procs)
    for err in result.errors:
        message(f"newsctl: skipped {err}")
    if not quiet:
        message(f"indexed {result.indexed} posts, {len(result.errors)} errors, {result.seconds:.1f}s")
    return EXIT_ERROR if result.errors else EXIT_FOUND
