"""Output formats behind one protocol: the command never knows which one it feeds.

A renderer streams: `begin()`, then `item()` per record or hit, then
`finish()`. Machine formats (json, jsonl, csv, paths, tsv) are stable and documented
in docs/json-format.md; `table` is for people and may change.
"""

from __future__ import annotations

from typing import IO, Any, Callable, Iterable, Protocol

FORMATS = ("table", "json", "jsonl", "csv", "paths", "tsv")


class Renderer(Protocol):
    def begin(self) -> None: ...
    def item(self, obj: Any) -> None: ...
    def finish(self) -> None: ...


def get_renderer(fmt: str, out: IO[str], *, null: bool = False, table: Callable[[], Renderer] | None = None) -> Renderer:
    """The renderer for `fmt`; `table` builds the human view (it needs a console)."""
    from . import machine

    if fmt == "table":
        if table is None:
            raise ValueError("table renderer needs a console")
        return table()
    if fmt == "json":
        return machine.JsonRenderer(out)
    if fmt == "jsonl":
        return machine.JsonLinesRenderer(out)
    if fmt == "csv":
        return machine.CsvRenderer(out)
    if fmt == "paths":
        return machine.PathsRenderer(out, null=null)
    if fmt == "tsv":
        return machine.TsvRenderer(out, null=null)
    raise ValueError(f"unknown format {fmt!r}")


def render_all(renderer: Renderer, items: Iterable[Any]) -> int:
    """Stream every item through `renderer`; returns how many there were."""
    renderer.begin()
    count = 0
    for obj in items:
        renderer.item(obj)
        count += 1
    renderer.finish()
    return count
