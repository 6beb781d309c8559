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
    body_file: Optional[Path] = typer.Option(
        None, "--body-file", metavar="FILE",
        help="New post's body (Markdown or HTML); default stdin, or $VISUAL/$EDITOR on a terminal.",
    ),
    allow_empty: bool = typer.Option(False, "--allow-empty", help="With --title: write the post even when its body is empty."),
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

      newsctl add --title '绵阳高新区排名上升'     # on a terminal: write the body in $EDITOR
    """
    from ..errors import NewsctlError, UsageError

    if title is None:
        with_title = [flag for flag, given in (("--date", date), ("--category", category), ("--tag", tag),
                                               ("--source", source), ("--body-file", body_file),
                                               ("--allow-empty", allow_empty)) if given]
        if with_title:
            raise UsageError(f"{'/'.join(with_title)} {'goes' if len(with_title) == 1 else 'go'} with --title",
                             hint="newsctl add --title TITLE " + " ".join(with_title) + " ...")
    elif paths:
        raise UsageError("give either PATHs or --title, not both")
    arc = runtime(ctx).open_archive()
    draft: Path | None = None
    if title is not None:
        when = _parse_post_date(date, arc.settings.timezone) if date else None
        body, draft = _read_body(body_file, title)
        if not body.strip() and not allow_empty:
            where = "the editor" if draft is not None else (str(body_file) if body_file else "stdin")
            raise UsageError(f"the body from {where} is empty; nothing written", hint="write a body, or pass --allow-empty")
        try:
            result = arc.create(
                title=title, body=body, date=when, categories=category or (), tags=tag or (),
                source=source, force=force, wait=wait,
            )
        except NewsctlError:
            if draft is not None and draft.exists():
                message(f"newsctl: the body you wrote is kept in {draft}")
            raise
        if draft is not None and draft.exists():
            if result.added:
                draft.unlink(missing_ok=True)
            else:
                message(f"newsctl: the body you wrote is kept in {draft}")
    else:
        if not paths:
            raise UsageError("nothing to add: give PATHs, - for stdin, or --title")
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
    from ..archive import ALREADY_IN_POSTS

    for err in result.failed:
        message(f"newsctl: error: {err}")
    if not quiet:
        for label, why in result.duplicates:
            if why == ALREADY_IN_POSTS:  # --force cannot help: the file is the archive's already
                message(f"skipped: {label}: {why} (newsctl index indexes it)")
            else:
                message(f"duplicate: {label}: {why} (skipped; --force adds it)")
        for path in result.added:
            message(f"added {path}")
        total = len(result.added) + len(result.duplicates) + len(result.failed)
        if total > 1 or result.duplicates:
            message(result.summary())
    raise typer.Exit(EXIT_ERROR if result.failed else EXIT_FOUND)


def _read_body(body_file: Path | None, title: str) -> tuple[str, Path | None]:
    """The new post's body: --body-file, else stdin, else (stdin a terminal) the editor; and the draft, if edited."""
    from ..errors import UsageError

    if body_file is not None:
        if str(body_file) == "-":
            return sys.stdin.read(), None
        try:
            return body_file.read_text("utf-8"), None
        except UnicodeDecodeError:
            raise UsageError(f"{body_file}: not UTF-8 text") from None
        except OSError as e:
            raise UsageError(f"{body_file}: cannot read: {e.strerror}") from None
    if sys.stdin is None:
        return "", None
    if sys.stdin.isatty():
        from .editor import edit_body

        return edit_body(title)
    return sys.stdin.read(), None


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
