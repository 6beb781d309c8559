"""The human view of post lists: a rich table whose CJK titles align (rich measures cell width)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from ..records import PostRecord

DATE_FORMAT = "%Y-%m-%d %H:%M"


class PostTableRenderer:
    """Buffers rows (a table needs all widths) — the caller bounds how many with --limit."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.rows: list[PostRecord] = []

    def begin(self) -> None:
        pass

    def item(self, obj: Any) -> None:
        self.rows.append(getattr(obj, "record", obj))

    def finish(self) -> None:
        if not self.rows:
            return
        if not self.console.is_terminal:
            # piped: one tab-separated line a post (date, categories, title, id), for cut/awk
            for rec in self.rows:
                title = " ".join((rec.title or "").split())
                self.console.file.write(
                    f"{rec.date.strftime(DATE_FORMAT)}\t{' '.join(rec.categories)}\t{title}\t{rec.id}\n"
                )
            return
        table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
        table.add_column("date", style="cyan", no_wrap=True)
        table.add_column("category", style="magenta", no_wrap=True)
        table.add_column("title", overflow="ellipsis", no_wrap=True, ratio=1)
        table.add_column("id", style="dim", no_wrap=True)
        for rec in self.rows:
            table.add_row(rec.date.strftime(DATE_FORMAT), " ".join(rec.categories), rec.title or "(untitled)", rec.id)
        self.console.print(table)
