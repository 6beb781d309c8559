"""`newsctl status`: how current the index is, without re-indexing."""

from __future__ import annotations

import json
import sys
import time
from enum import Enum
from typing import Any

import typer

from ..errors import EXIT_FOUND
from .app import app, runtime


class StatusFormat(str, Enum):
    text = "text"
    json = "json"


def _age(seconds: float) -> str:
    s = int(max(seconds, 0))
    if s < 120:
        return f"{s} s"
    if s < 7200:
        return f"{s // 60} min"
    if s < 172800:
        return f"{s // 3600} h {s % 3600 // 60} min"
    return f"{s // 86400} days"


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"


def _run_line(run: dict[str, Any]) -> str:
    errors = run.get("error_count", 0)
    line = (
        f"{run.get('finished') or run.get('started')} {run.get('command')} ({run.get('mode')}): {run.get('outcome')}, "
        f"+{run.get('added', 0)} ~{run.get('changed', 0)} -{run.get('removed', 0)}, "
        f"{errors} error{'s' if errors != 1 else ''}, {run.get('seconds', 0):.2f}s"
    )
    if run.get("message"):
        line += f" — {run['message']}"
    if run.get("note"):
        line += f" ({run['note']})"
    return line


@app.command("status")
def status_cmd(
    ctx: typer.Context,
    fmt: StatusFormat = typer.Option(StatusFormat.text, "--format", "-f", help="text for people, json for scripts."),
) -> int:
    """Show index age, posts, pending changes and the last runs.

    Changes waiting to be indexed are found from file dates and sizes alone
    (nothing is read or re-indexed). Also lists posts that could not be read,
    the last run and its errors, and a writer running now.

    Examples:

      newsctl status

      newsctl status --format json | jq .pending
    """
    st = runtime(ctx).open_archive().status()
    if fmt is StatusFormat.json:
        json.dump(st.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_FOUND
    out = sys.stdout.write
    out(f"archive:   {st.archive}\n")
    if st.index == "ok":
        age = f", updated {_age(time.time() - st.last_commit.timestamp())} ago" if st.last_commit else ""
        out(f"index:     {st.posts} posts, {_size(st.size_bytes)}{age} ({st.folder})\n")
    elif st.index == "missing":
        out("index:     none yet (newsctl index builds it)\n")
    elif st.index == "outdated":
        out("index:     made by another version of newsctl (the next newsctl index rebuilds it)\n")
    else:
        out(f"index:     damaged: {st.problem} (newsctl check --repair)\n")
    if st.replaced:
        from ..engine.storage import KEEP_REPLACED_SECONDS

        n, total = len(st.replaced), sum(size for _, size, _ in st.replaced)
        out(
            f"replaced:  {n} older index folder{'s' if n != 1 else ''}, {_size(total)}, kept for readers that opened "
            f"{'them' if n != 1 else 'it'} (the next index or add removes {'them' if n != 1 else 'it'} "
            f"{KEEP_REPLACED_SECONDS // 60} min after the rebuild)\n"
        )
    if st.pending:
        out(f"pending:   +{st.pending_added} ~{st.pending_changed} -{st.pending_removed} (newsctl index picks them up)\n")
    else:
        out("pending:   nothing, the index is up to date\n")
    if st.writer:
        out(f"writer:    running now: pid {st.writer.get('pid')} ({st.writer.get('command')}, since {st.writer.get('since')})\n")
    if st.last_run:
        out(f"last run:  {_run_line(st.last_run)}\n")
        if st.last_ok and st.last_ok is not st.last_run and st.last_ok != st.last_run:
            out(f"last ok:   {_run_line(st.last_ok)}\n")
        for err in (st.last_run.get("errors") or [])[:20]:
            out(f"  error:   {err.get('path')}: {err.get('reason')}\n")
        more = st.last_run.get("error_count", 0) - min(20, len(st.last_run.get("errors") or []))
        if more > 0:
            out(f"  ... and {more} more\n")
    else:
        out("last run:  none recorded\n")
    if st.unreadable:
        out(f"unreadable: {len(st.unreadable)} post{'s' if len(st.unreadable) != 1 else ''} skipped until they change:\n")
        for path, reason in st.unreadable[:50]:
            out(f"  {path}: {reason}\n")
        if len(st.unreadable) > 50:
            out(f"  ... and {len(st.unreadable) - 50} more (--format json lists all)\n")
    return EXIT_FOUND
