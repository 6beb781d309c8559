"""`newsctl stats`: how many posts, when, in which categories — for the archive or a query."""

from __future__ import annotations

import sys
from enum import Enum
from typing import List, Optional

import typer

from ..errors import EXIT_FOUND, EXIT_NOTHING
from .app import app, message, runtime, warn_if_stale


class StatsFormat(str, Enum):
    text = "text"
    json = "json"


class Unit(str, Enum):
    auto = "auto"
    day = "day"
    month = "month"
    year = "year"


@app.command("stats")
def stats(
    ctx: typer.Context,
    query: Optional[List[str]] = typer.Argument(None, metavar="QUERY", help="Count only the posts this search matches (same query language as search)."),
    category: Optional[List[str]] = typer.Option(None, "--category", "-c", metavar="NAME", help="Only this category (repeat for any of several)."),
    tag: Optional[List[str]] = typer.Option(None, "--tag", "-t", metavar="NAME", help="Only this tag (repeat for any of several)."),
    since: Optional[str] = typer.Option(None, "--since", metavar="DATE", help="From this date on: 2022-02-28, 2022-02, 2022, 7d, 2w, yesterday, today."),
    until: Optional[str] = typer.Option(None, "--until", metavar="DATE", help="Up to and including this date."),
    by: Unit = typer.Option(Unit.auto, "--by", help="Chart posts per day, month or year. auto: by day within a month, by month up to five years, else by year (JSON: month)."),
    top: Optional[int] = typer.Option(None, "--top", min=0, metavar="N", help="List the N biggest categories and tags; 0 = all. [default: 10 as text, all in JSON]"),
    fmt: StatsFormat = typer.Option(StatsFormat.text, "--format", "-f", help="text for people (a bar chart); json for scripts."),
) -> None:
    """Count posts: in total, per category and tag, and over time as a bar chart.

    With a QUERY, count the posts it matches: when was this in the news?
    Figures come from the index alone, so they are quick on a large archive.

    Examples:

      newsctl stats

      newsctl stats 高新区

      newsctl stats '猪肉 OR 猪价' --by year

      newsctl stats --category emnews --since 2021-12 --until 2022-02

      newsctl stats 疫情 --format json | jq '.timeline[] | select(.posts > 0)'
    """
    from ..dates import since_until
    from ..errors import UsageError

    rt = runtime(ctx)
    arc = rt.open_archive()
    start, end = since_until(since, until, arc.settings.timezone)
    if start and end and start >= end:
        raise UsageError(f"--since {since} is after --until {until}")
    text = " ".join(query or ())
    st = arc.stats(text or None, categories=category or (), tags=tag or (), since=start, until=end)
    warn_if_stale(arc)
    for fb in st.fallbacks:
        message(fb.message())
    if fmt is StatsFormat.json:
        import json

        unit = "month" if by is Unit.auto else by.value
        data = st.to_json(unit=unit, top=top or 0)
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    else:
        from pathlib import Path

        from ..render.stats_view import StatsView

        unit = st.auto_unit() if by is Unit.auto else by.value
        name, home = str(arc.root), str(Path.home())
        if name.startswith(home.rstrip("/") + "/"):
            name = "~" + name[len(home.rstrip("/")):]
        StatsView(rt.console(), unit=unit, top=10 if top is None else top, archive_name=name).render(st)
    raise typer.Exit(EXIT_FOUND if st.total else EXIT_NOTHING)
