"""The human view of search hits: title, date and category, then the snippet with matches marked.

Titles are cut by display width (a Chinese character is two cells), never
mid-character; paths are terminal hyperlinks where the terminal supports them.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.style import Style
from rich.text import Text

from ..records import Hit

DATE_FORMAT = "%Y-%m-%d %H:%M"
MATCH_STYLE = "bold red"


def marked(text: str, spans: Any, style: str = MATCH_STYLE) -> Text:
    out = Text(text)
    for s, e in spans:
        out.stylize(style, s, e)
    return out


class HitListRenderer:
    """Streams: each hit is printed as it comes."""

    def __init__(self, console: Console, *, show_paths: bool = True) -> None:
        self.console = console
        self.n = 0
        self.show_paths = show_paths

    def begin(self) -> None:
        pass

    def item(self, hit: Hit) -> None:
        self.n += 1
        c = self.console
        rec = hit.record
        meta = f"{rec.date.strftime(DATE_FORMAT)} · {' '.join(rec.categories) or '-'}"
        width = c.width if c.is_terminal else 10_000
        head = Text(f"{self.n:>2}. ", style="dim")
        title = marked(rec.title or "(untitled)", hit.title_highlights)
        title.stylize("bold")
        room = max(width - head.cell_len - len(meta) - 2, 10)
        title.truncate(room, overflow="ellipsis")
        line = head + title + Text("  ") + Text(meta, style="cyan")
        c.print(line, soft_wrap=not c.is_terminal, overflow="ellipsis", no_wrap=c.is_terminal, crop=c.is_terminal)
        if hit.snippet:
            snippet = Text("    ") + marked(hit.snippet, hit.highlights)
            c.print(snippet, soft_wrap=not c.is_terminal)
        if self.show_paths:
            path = str(rec.path)
            style = Style(dim=True, link=f"file://{path}") if c.is_terminal else Style()
            c.print(Text("    ") + Text(path, style=style), soft_wrap=True)

    def finish(self) -> None:
        pass
