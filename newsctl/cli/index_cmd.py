"""`newsctl index`: bring the index in line with the files in _posts/."""

from __future__ import annotations

import sys
from typing import Any, Optional

import typer

from ..errors import EXIT_ERROR, EXIT_FOUND
from .app import app, message, runtime


def stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class ProgressBar:
    """A progress bar on stderr, started only once there is real work (so a
    run with nothing to do never imports rich)."""

    MIN_TOTAL = 50

    def __init__(self, label: str, color: str) -> None:
        self.label = label
        self.color = color
        self._progress: Any = None
        self._task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self._progress is None:
            if total < self.MIN_TOTAL:
                return
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            from ..render.console import make_console

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=make_console(self.color, stderr=True),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(self.label, total=total)
        self._progress.update(self._task, completed=done, total=total)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def make_progress(rt: Any, quiet: bool, label: str) -> ProgressBar | None:
    if quiet or not stderr_is_terminal():
        return None
    return ProgressBar(label, rt.color_choice())


def report_run(result: Any, *, quiet: bool, prefix: str = "indexed") -> int:
    """Print a run's errors and one-line summary; the exit code it deserves."""
    for err in result.errors:
        message(f"newsctl: skipped {err.path}: {err.reason}")
    for text in result.warnings:
        message(f"newsctl: warning: {text}")
    if not quiet:
        for note in result.notes:
            message(note)
        message(f"{prefix}: {result.summary()}")
    return EXIT_ERROR if result.errors else EXIT_FOUND


@app.command("index")
def index_posts(
    ctx: typer.Context,
    rebuild: bool = typer.Option(False, "--rebuild", help="Build a fresh index beside the live one and swap it in when done."),
    wait: float = typer.Option(0.0, "--wait", min=0, metavar="SECONDS", help="Wait this long for another writer, then exit 75."),
    procs: Optional[int] = typer.Option(
        None, "--procs", min=1, metavar="N",
        help="Processes that read and index posts in parallel (default: 2 for batches of 400+ posts when two CPUs are idle, else 1).",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only errors."),
) -> int:
    """Index what changed in _posts/ since the last run.

    Only posts added, changed or removed are read; a run with nothing to do
    reads no post. Posts that cannot be read are
    skipped and listed (exit 2); they are not read again until they change.
    Another writer running: exit 75 (after --wait). Safe to interrupt or kill
    at any point: the next run finishes the job.

    Examples:

      newsctl index

      newsctl --archive ~/news index --quiet --wait 30     # from cron

      newsctl index --rebuild
    """
    rt = runtime(ctx)
    arc = rt.open_archive()
    bar = make_progress(rt, quiet, "indexing")
    try:
        result = arc.index(wait=wait, procs=procs or 0, progress=bar, rebuild=rebuild)
    finally:
        if bar is not None:
            bar.close()
    return report_run(result, quiet=quiet)
