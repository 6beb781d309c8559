"""The human views of `news` (posts grouped under their watch) and `watch list` (a table).

`news` on a terminal, and the same text uncut into a pipe or a mail:

    高新区 · 2 new
     1. 争当国家高新区建设发展新标杆                2022-02-28 07:45 · mianyangribao
        在高新区学习贯彻市八届人大二次、市政协八届二次会议精神，…
        _posts/2022-02-28-NW202202282290536398.md

Each watch's posts are numbered from 1 in the search hit layout (hits.py); an
edited post shown with `--changed` carries `[changed]` before its title.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from rich.console import Console
from rich.text import Text

from .cells import fit, pad
from .hits import HitListRenderer

CHANGED = "[changed] "
GAP = "  "


class NewsRenderer:
    """Streams news items (newsctl.follow.news.NewsItem), a heading before each watch's first."""

    def __init__(self, console: Console, counts: dict[str, tuple[int, int]]) -> None:
        """`counts`: watch name -> (new, changed), for the headings."""
        self.console = console
        self.counts = counts
        self.current: str | None = None
        self.hits: HitListRenderer | None = None

    def begin(self) -> None:
        pass

    def _heading(self, name: str) -> None:
        new, changed = self.counts.get(name, (0, 0))
        parts = [f"{new} new"] + ([f"{changed} changed"] if changed else [])
        if self.current is not None:
            self.console.print()
        self.console.print(Text.assemble((name, "bold magenta"), " · " + ", ".join(parts)), soft_wrap=True)

    def item(self, obj: Any) -> None:
        if obj.watch != self.current:
            self._heading(obj.watch)
            self.current = obj.watch
            self.hits = HitListRenderer(self.console)
        hit = obj.hit
        if obj.change == "changed":
            record = dataclasses.replace(hit.record, title=CHANGED + (hit.record.title or ""))
            shift = len(CHANGED)
            hit = dataclasses.replace(hit, record=record, title_highlights=tuple((s + shift, e + shift) for s, e in hit.title_highlights))
        assert self.hits is not None
        self.hits.item(hit)

    def finish(self) -> None:
        pass


def print_watches(console: Console, statuses: list[Any]) -> None:
    """`watch list`: name, query (with filters), posts matching, unread ("-": not read yet).

    Into a pipe: one tab-separated line a watch, in the same order.
    """
    rows = [
        (s.watch.name, s.watch.describe(), str(s.matches), "-" if s.unread is None else str(s.unread))
        for s in statuses
    ]
    if not console.is_terminal:
        for row in rows:
            console.file.write("\t".join(" ".join(c.split()) for c in row) + "\n")
        return
    head = ("name", "query", "matches", "unread")
    widths = [max(Text(r[i]).cell_len for r in [head, *rows]) for i in range(4)]
    room = console.width - widths[0] - widths[2] - widths[3] - 3 * len(GAP)
    widths[1] = max(min(widths[1], room), 8)

    def line(cells: tuple[str, ...], style: str = "") -> Text:
        parts = [pad(Text(cells[0], style=style or "magenta"), widths[0]), pad(fit(Text(cells[1]), widths[1]), widths[1]),
                 Text(cells[2].rjust(widths[2])), Text(cells[3].rjust(widths[3]), style=style or ("bold" if cells[3] not in ("0", "-") else "dim"))]
        out = Text(GAP).join(parts)
        out.rstrip()
        return out

    console.print(line(head, "bold"), style="bold", no_wrap=True, crop=True)
    for row in rows:
        console.print(line(row), no_wrap=True, crop=True)
