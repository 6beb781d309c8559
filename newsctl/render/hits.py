"""The human view of search hits: a compact numbered list, the snippet under each title.

On a terminal:

     1. 争当国家高新区建设发展新标杆                    2022-02-28 07:45 · mianyangribao
        在高新区学习贯彻市八届人大二次、市政协八届二次会议精神，主动谋划、聚焦发展之际传来喜讯：
        科技部火炬高技术产业开发中心2021年度国家高新区评价结果出炉，…
        _posts/2022-02-28-NW202202282290536398.md

Titles are cut by display width (a Chinese character is two cells), never
mid-character, so the date column lines up; snippets take at most
`SNIPPET_LINES` lines; the path is a terminal hyperlink (OSC 8) where the
terminal supports one. Into a pipe nothing is cut: one line per title,
snippet and path, no escape codes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.style import Style
from rich.text import Text

from ..records import Hit
from .cells import fit, one_line, wrap
from .console import hyperlinks_enabled

DATE_FORMAT = "%Y-%m-%d %H:%M"
MATCH_STYLE = "bold red"
SNIPPET_LINES = 3
INDENT = 4


def marked(text: str, spans: Any, style: str = MATCH_STYLE) -> Text:
    out = Text(text)
    for s, e in spans:
        out.stylize(style, s, e)
    return out


def display_path(path: Path, cwd: Path | None = None) -> str:
    """A path as short as is unambiguous: relative to the current folder when below it."""
    try:
        cwd = cwd or Path.cwd()
        rel = os.path.relpath(path, cwd)
    except (OSError, ValueError):
        return str(path)
    return str(path) if rel.startswith("..") else rel


def path_text(path: Path, console: Console, *, style: str = "dim") -> Text:
    shown = display_path(path) if console.is_terminal else str(path)
    if hyperlinks_enabled(console):
        return Text.assemble((shown, Style.parse(style) + Style(link=path.resolve().as_uri())))
    return Text.assemble((shown, style if console.color_system is not None else ""))


class HitListRenderer:
    """Streams: each hit is printed as it comes."""

    def __init__(self, console: Console, *, show_paths: bool = True, start: int = 1) -> None:
        """`start`: the number of the first hit (`--offset 10` shows hits 11, 12, ...)."""
        self.console = console
        self.n = start - 1
        self.first = start
        self.show_paths = show_paths

    def begin(self) -> None:
        pass

    def item(self, hit: Hit) -> None:
        self.n += 1
        c = self.console
        terminal = c.is_terminal
        if terminal and self.n > self.first:
            c.print()
        rec = hit.record
        meta = f"{rec.date.strftime(DATE_FORMAT)} · {' '.join(rec.categories) or '-'}"
        head = Text.assemble((f"{self.n:>2}. ", "dim"))  # 100. and up widen the column: fine
        title = marked(rec.title or "(untitled)", hit.title_highlights)
        title.stylize("bold")
        indent = " " * INDENT
        if not terminal:
            # a pipe: whole lines, nothing cut or padded
            c.print(head + title + Text("  ") + Text(meta), soft_wrap=True)
            if hit.snippet:
                c.print(Text(indent) + marked(one_line(hit.snippet), hit.highlights), soft_wrap=True)
            if self.show_paths:
                c.print(Text(indent) + path_text(rec.path, c), soft_wrap=True)
            return
        width = c.width
        room = width - head.cell_len - cell_len(meta) - 2
        if room < 12:  # too narrow for title and meta side by side: meta goes under the title
            c.print(head + fit(title, width - head.cell_len), no_wrap=True, crop=True)
            c.print(Text(indent) + fit(Text.assemble((meta, "cyan")), width - INDENT), no_wrap=True, crop=True)
        else:
            title = fit(title, room)
            gap = Text(" " * (width - head.cell_len - title.cell_len - cell_len(meta)))
            c.print(head + title + gap + Text.assemble((meta, "cyan")), no_wrap=True, crop=True)
        if hit.snippet:
            for line in self._snippet_lines(hit, width - INDENT):
                c.print(Text(indent) + line, no_wrap=True, crop=True)
        if self.show_paths:
            c.print(Text(indent) + fit(path_text(rec.path, c), width - INDENT), no_wrap=True, crop=True)

    def _snippet_lines(self, hit: Hit, width: int) -> list[Text]:
        text = marked(one_line(hit.snippet), hit.highlights)
        lines = wrap(text, max(width, 10))
        if len(lines) > SNIPPET_LINES:
            lines = lines[:SNIPPET_LINES]
            lines[-1] = fit(lines[-1] + Text("…"), width)
        return lines

    def finish(self) -> None:
        pass
