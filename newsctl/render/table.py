"""The human view of post lists: one line a post, columns aligned by display width.

On a terminal:

    date              category      title                                   id
    2026-08-14 19:02  xinwenlianbo  【新思想引领新征程】分好“蛋糕”富民惠民…  xwlb2026081401

The title takes the room left over and is cut by display width (Chinese
characters are two cells) with an ellipsis; the id column shows the id
without the date its file name starts with (`newsctl show` takes either
form); the category column goes first when the terminal is narrow.
Into a pipe: one tab-separated line a post (date, categories, title, full id).
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from ..records import PostRecord
from .cells import fit, pad

DATE_FORMAT = "%Y-%m-%d %H:%M"
GAP = "  "
MAX_CATEGORY = 16
MIN_TITLE = 20


def short_id(rec: PostRecord) -> str:
    """The id without its leading `YYYY-MM-DD-` (the date column shows it)."""
    prefix = rec.date.strftime("%Y-%m-%d-")
    rid = rec.id
    if rid.startswith(prefix) and len(rid) > len(prefix):
        return rid[len(prefix):]
    if len(rid) > 11 and rid[4] == "-" and rid[7] == "-" and rid[10] == "-" and rid[:4].isdigit():
        return rid[11:]
    return rid


class PostTableRenderer:
    """Buffers rows (column widths need them all) — the caller bounds how many with --limit."""

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
        c = self.console
        if not c.is_terminal:
            # piped: one tab-separated line a post (date, categories, title, id), for cut/awk
            for rec in self.rows:
                title = " ".join((rec.title or "").split())
                c.file.write(f"{rec.date.strftime(DATE_FORMAT)}\t{' '.join(rec.categories)}\t{title}\t{rec.id}\n")
            return
        dates = [rec.date.strftime(DATE_FORMAT) for rec in self.rows]
        cats = [" ".join(rec.categories) for rec in self.rows]
        ids = [short_id(rec) for rec in self.rows]
        w_date = max(len(d) for d in dates)
        w_id = max(max(Text(i).cell_len for i in ids), 2)
        w_cat = min(max(max(Text(x).cell_len for x in cats), len("category")), MAX_CATEGORY)
        width = c.width
        w_title = width - w_date - w_cat - w_id - 3 * len(GAP)
        show_cat = w_title >= MIN_TITLE
        if not show_cat:
            w_title = width - w_date - w_id - 2 * len(GAP)
        w_title = max(w_title, 4)
        w_title = min(w_title, max(max(Text(r.title or "(untitled)").cell_len for r in self.rows), len("title")))

        def line(date: Text, cat: Text, title: Text, rid: Text) -> Text:
            parts = [pad(date, w_date)]
            if show_cat:
                parts.append(pad(cat, w_cat))
            parts += [pad(title, w_title), fit(rid, w_id)]
            out = Text(GAP).join(parts)
            out.rstrip()
            return out

        c.print(line(Text("date"), Text("category"), Text("title"), Text("id")), style="bold", no_wrap=True, crop=True)
        for rec, d, cat, rid in zip(self.rows, dates, cats, ids):
            c.print(
                line(Text(d, style="cyan"), Text(cat, style="magenta"), Text(rec.title or "(untitled)"), Text(rid, style="dim")),
                no_wrap=True, crop=True,
            )
