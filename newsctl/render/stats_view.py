"""The human view of `newsctl stats`: totals, a bar chart over time, categories and tags.

    高新区: 68 posts, 2022-01-05 … 2026-03-01

    posts per month
    2022-01  ███████▌                                 7
    2022-02  ██                                       2
    2022-03                                           0
    ...
    categories
    xinwenlianbo   68  100%
    tags
    新闻联播        68  100%

Bars use eighth blocks (▏▎▍▌▋▊▉█) so small differences show; a period with
posts never gets an empty bar. Charted by year, each row also carries a
twelve-month sparkline. Names are aligned by display width. Into a pipe the
same text, no escape codes, bars sized for 80 columns.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from ..search.stats import Stats
from .cells import pad

EIGHTHS = " ▏▎▍▌▋▊▉"
SPARKS = " ▁▂▃▄▅▆▇█"
PIPE_WIDTH = 80
MAX_BAR = 60
MAX_NAME = 24
GAP_RUN = 3  # this many empty periods in a row are drawn as one line
DAY_FORMAT = "%Y-%m-%d"


def bar(value: int, top: int, width: int) -> str:
    """A horizontal bar of `value` against `top` in at most `width` cells."""
    if value <= 0 or top <= 0 or width <= 0:
        return ""
    eighths = max(round(value / top * width * 8), 1)
    full, part = divmod(eighths, 8)
    return "█" * full + (EIGHTHS[part] if part else "")


def sparkline(values: list[int], top: int) -> str:
    out = []
    for v in values:
        if v <= 0 or top <= 0:
            out.append("·")
        else:
            out.append(SPARKS[max(1, round(v / top * 8))])
    return "".join(out)


def _n(value: int) -> str:
    return f"{value:,}"


class StatsView:
    def __init__(self, console: Console, *, unit: str, top: int = 10, archive_name: str = "") -> None:
        self.console = console
        self.unit = unit
        self.top = top
        self.archive_name = archive_name

    @property
    def width(self) -> int:
        return self.console.width if self.console.is_terminal else PIPE_WIDTH

    def render(self, st: Stats) -> None:
        c = self.console
        c.print(self.headline(st), soft_wrap=not c.is_terminal)
        if not st.total:
            return
        c.print()
        if self.unit == "year":
            self.years(st)
        else:
            self.periods(st)
        for title, items in (("categories", st.categories), ("tags", st.tags)):
            c.print()
            self.names(title, items, st.total)

    def headline(self, st: Stats) -> Text:
        subject = st.query or self.archive_name or "archive"
        out = Text.assemble((subject, "bold"), f": {_n(st.total)} post{'s' if st.total != 1 else ''}")
        if st.first and st.last:
            a, b = st.first.strftime(DAY_FORMAT), st.last.strftime(DAY_FORMAT)
            out.append(f", {a}" if a == b else f", {a} … {b}", style="cyan")
        return out

    def periods(self, st: Stats) -> None:
        """One bar a period; a run of GAP_RUN or more empty periods is one dim line."""
        c = self.console
        rows = st.timeline(self.unit)
        top = max((n for _, n in rows), default=0)
        w_label = max((len(p) for p, _ in rows), default=4)
        w_count = max(len(_n(top)), 1)
        room = min(self.width - w_label - w_count - 4, MAX_BAR)
        c.print(Text(f"posts per {self.unit}", style="bold"))
        i = 0
        while i < len(rows):
            period, n = rows[i]
            if n == 0:
                j = i
                while j < len(rows) and rows[j][1] == 0:
                    j += 1
                if j - i >= GAP_RUN:
                    gap = f"{'⋮'.center(w_label)}  {j - i} {self.unit}s without posts ({rows[i][0]} … {rows[j - 1][0]})"
                    c.print(Text(gap, style="dim"), no_wrap=True, crop=c.is_terminal, soft_wrap=not c.is_terminal)
                    i = j
                    continue
            line = Text(period.ljust(w_label), style="" if n else "dim")
            line.append("  " + _n(n).rjust(w_count) + " ", style="" if n else "dim")
            line.append(bar(n, top, room), style="green")
            line.rstrip()
            c.print(line, no_wrap=True, crop=c.is_terminal, soft_wrap=not c.is_terminal)
            i += 1

    def years(self, st: Stats) -> None:
        c = self.console
        by_year = st.months_by_year()
        totals = {y: sum(ms) for y, ms in by_year.items()}
        top_month = max((max(ms) for ms in by_year.values()), default=0)
        top_year = max(totals.values(), default=0)
        w_count = len(_n(top_year))
        room = min(self.width - 4 - 2 - 12 - 2 - w_count - 1, MAX_BAR)
        c.print(Text("posts per year", style="bold") + Text("  (months Jan…Dec)", style="dim"))
        for year, months in by_year.items():
            n = totals[year]
            line = Text(str(year), style="" if n else "dim")
            line.append("  ")
            line.append(sparkline(months, top_month), style="yellow")
            line.append("  " + _n(n).rjust(w_count) + " ", style="" if n else "dim")
            line.append(bar(n, top_year, room), style="green")
            line.rstrip()
            c.print(line, no_wrap=True, crop=c.is_terminal, soft_wrap=not c.is_terminal)

    def names(self, title: str, items: list[tuple[str, int]], total: int) -> None:
        c = self.console
        shown = items[: self.top] if self.top else items
        head = Text(title, style="bold")
        if len(items) > 1:
            head.append(f" ({_n(len(items))})", style="dim")
        c.print(head)
        if not shown:
            c.print(Text("(none)", style="dim"))
            return
        w_name = min(max(cell_len(name) for name, _ in shown), MAX_NAME)
        w_count = max(len(_n(n)) for _, n in shown)
        for name, n in shown:
            line = pad(Text(name, style="magenta"), w_name)
            line.append("  " + _n(n).rjust(w_count))
            share = n / total * 100 if total else 0
            line.append(f"  {share:>3.0f}%", style="dim")
            c.print(line, no_wrap=True, crop=c.is_terminal, soft_wrap=not c.is_terminal)
        if len(items) > len(shown):
            more = len(items) - len(shown)
            c.print(Text(f"… and {_n(more)} more (--top 0 lists all)", style="dim"))

