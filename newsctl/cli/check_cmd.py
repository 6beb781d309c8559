"""`newsctl check`: compare the index with the files and itself; `--repair` fixes it."""

from __future__ import annotations

import sys

import typer

from ..errors import EXIT_ERROR, EXIT_FOUND
from .app import app, message, runtime


@app.command("check")
def check_cmd(
    ctx: typer.Context,
    repair: bool = typer.Option(False, "--repair", help="Fix what was found: re-index differences, rebuild a damaged index."),
    deep: bool = typer.Option(False, "--deep", help="Also decode every posting list (slow on big archives)."),
    wait: float = typer.Option(0.0, "--wait", min=0, metavar="SECONDS", help="With --repair: wait this long for another writer, then exit 75."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only problems."),
) -> int:
    """Compare the index with the files; --repair fixes what differs.

    Reports every difference between the index and _posts/: posts not indexed, indexed posts whose file changed or is gone, posts
    indexed twice, posts that cannot be read, and damaged index files
    (checksums recorded at each commit). Exit 0 when all is well, 2 otherwise.
    Also notes posts without a title or a front matter date (untitled,
    undated): they are indexed as they are and do not change the exit code.

    Examples:

      newsctl check

      newsctl check --repair
    """
    from .index_cmd import make_progress, report_run
    rt = runtime(ctx)
    arc = rt.open_archive()
    report = arc.check(deep=deep)
    for p in report.problems:
        sys.stdout.write(f"{p}\n")
    if not quiet:
        for p in report.notes:  # not problems: the posts are indexed as they are
            sys.stdout.write(f"{p}\n")
        ok = "the index matches the files" if report.ok else f"{len(report.problems)} problem{'s' if len(report.problems) != 1 else ''}"
        if report.notes:
            ok += f"; {len(report.notes)} note{'s' if len(report.notes) != 1 else ''} (untitled or undated posts)"
        message(
            f"checked {report.files} files, {report.posts_indexed} posts indexed, index checksums {report.checksums or 'not checked'}: "
            f"{ok} ({report.seconds:.2f}s)"
        )
    if report.ok or not repair:
        return EXIT_FOUND if report.ok else EXIT_ERROR
    fixable = [p for p in report.problems if p.kind != "unreadable"]
    if fixable:
        bar = make_progress(rt, quiet, "repairing")
        try:
            result = arc.repair(report, wait=wait, procs=0, progress=bar)
        finally:
            if bar is not None:
                bar.close()
        report_run(result, quiet=quiet, prefix="repaired")
    after = arc.check(deep=deep)
    for p in after.problems:
        message(f"newsctl: still: {p}")
    return EXIT_FOUND if after.ok else EXIT_ERROR
