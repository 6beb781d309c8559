"""`newsctl add`: import post files, a post on stdin, or a new post from flags."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from ..errors import EXIT_ERROR, EXIT_FOUND
from .app import app, message, runtime


@app.command("add")
def add_posts(
    ctx: typer.Context,
    paths: Optional[List[Path]] = typer.Argument(None, metavar="[PATH|-]...", help="Post files or folders of them; - reads one post from stdin."),
    title: Optional[str] = typer.Option(None, "--title", help="Create a new post with this title (body from --body-file or stdin)."),
    date: Optional[str] = typer.Option(None, "--date", metavar="DATE", help="New post's date: 'YYYY-MM-DD HH:MM[:SS] [+HHMM]' (default now)."),
    category: Optional[List[str]] = typer.Option(None, "--category", "-c", metavar="NAME", help="New post's category (repeatable)."),
    tag: Optional[List[str]] = typer.Option(None, "--tag", "-t", metavar="NAME", help="New post's tag (repeatable)."),
    source: Optional[str] = typer.Option(None, "--source", metavar="URL", help="New post's source URL."),
    body_file: Optional[Path] = typer.Option(None, "--body-file", metavar="FILE", help="New post's body (Markdown or HTML); default stdin."),
    force: bool = typer.Option(False, "--force", help="Add duplicates too (same source URL, or same title, date and text)."),
    wait: float = typer.Option(5.0, "--wait", min=0, metavar="SECONDS", help="Wait this long for another writer; then exit 75."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only errors."),
) -> None:
    """Add posts to the archive and its index.

    Examples:

      newsctl add ~/Downloads/2022-02-28-NW202202282290536398.md

      newsctl add scraped/          # every .md/.markdown/.html below it

      curl -s https://example.org/post.md | newsctl add -

      newsctl add --title '绵阳高新区排名上升' --category mianyangribao --body-file body.md
    """
    from ..errors import UsageError

    arc = runtime(ctx).open_archive()
    if title is not None:
        if paths:
            raise UsageError("give either PATHs or --title, not both")
        body = _read_body(body_file)
        when = _parse_post_date(date, arc.settings.timezone) if date else None
        result = arc.create(
            title=title, body=body, date=when, categories=category or (), tags=tag or (),
            source=source, force=force, wait=wait,
        )
    else:
        if not paths:
            raise UsageError("nothing to add: give PATHs, - for stdin, or --title")
        if date or category or tag or source or body_file:
            raise UsageError("--date/--category/--tag/--source/--body-file go with --title")
        stdin = [p for p in paths if str(p) == "-"]
        files = [p for p in paths if str(p) != "-"]
        if len(stdin) > 1:
            raise UsageError("- (stdin) can be given once")
        if stdin and files:
            result = arc.add_files(files, force=force, wait=wait)
            more = arc.add_bytes(sys.stdin.buffer.read(), force=force, wait=wait)
            result.added += more.added
            result.duplicates += more.duplicates
            result.failed += more.failed
        elif stdin:
            result = arc.add_bytes(sys.stdin.buffer.read(), force=force, wait=wait)
        else:
            result = arc.add_files(files, force=force, wait=wait)
    for err in result.failed:
        message(f"newsctl: error: {err}")
    if not quiet:
        for label, why in result.duplicates:
            message(f"duplicate: {label}: {why} (skipped; --force adds it)")
        for path in result.added:
            message(f"added {path}")
        total = len(result.added) + len(result.duplicates) + len(result.failed)
        if total > 1 or result.duplicates:
            message(result.summary())
    raise typer.Exit(EXIT_ERROR if result.failed else EXIT_FOUND)


def _read_body(body_file: Path | None) -> str:
    from ..errors import UsageError

    if body_file is not None:
        if str(body_file) == "-":
            return sys.stdin.read()
        try:
            return body_file.read_text("utf-8")
        except UnicodeDecodeError:
            raise UsageError(f"{body_file}: not UTF-8 text") from None
        except OSError as e:
            raise UsageError(f"{body_file}: cannot read: {e.strerror}") from None
    if sys.stdin is None or sys.stdin.isatty():
        return ""
    return sys.stdin.read()


def _parse_post_date(text: str, tz):
    """A post's date: ISO or 'YYYY-MM-DD HH:MM[:SS] [+HHMM]'; without an offset, the archive's timezone."""
    import re
    from datetime import datetime

    from ..errors import UsageError

    s = text.strip()
    m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:[T ](\d{1,2}:\d{2}(?::\d{2})?))?\s*([+-]\d{2}:?\d{2}|Z)?", s)
    if not m:
        raise UsageError(f"cannot read --date {text!r}", hint="use 'YYYY-MM-DD HH:MM[:SS] [+HHMM]'")
    try:
        when = datetime.fromisoformat(f"{m[1]}T{m[2] or '00:00'}{(m[3] or '').replace('Z', '+00:00')}")
    except ValueError as e:
        raise UsageError(f"cannot read --date {text!r}: {e}") from None
    return when if when.tzinfo else when.replace(tzinfo=tz)
