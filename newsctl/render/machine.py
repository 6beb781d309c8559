"""Machine formats: JSON array, JSON Lines, CSV, paths (newline or NUL separated)."""

from __future__ import annotations

import csv
import json
from typing import IO, Any


def _record(obj: Any) -> dict[str, Any]:
    return obj.to_json()


class JsonRenderer:
    """A JSON array, streamed one element at a time."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.first = True

    def begin(self) -> None:
        self.out.write("[")

    def item(self, obj: Any) -> None:
        self.out.write("\n" if self.first else ",\n")
        self.out.write(json.dumps(_record(obj), ensure_ascii=False))
        self.first = False

    def finish(self) -> None:
        self.out.write("]\n" if self.first else "\n]\n")


class JsonLinesRenderer:
    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def begin(self) -> None:
        pass

    def item(self, obj: Any) -> None:
        self.out.write(json.dumps(_record(obj), ensure_ascii=False))
        self.out.write("\n")

    def finish(self) -> None:
        pass


class CsvRenderer:
    """CSV with a header; list fields joined by `;`."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.writer = csv.writer(out, lineterminator="\n")
        self.header: list[str] | None = None

    def begin(self) -> None:
        pass

    def item(self, obj: Any) -> None:
        data = _record(obj)
        data.pop("highlights", None)
        if self.header is None:
            self.header = list(data)
            self.writer.writerow(self.header)
        row = []
        for key in self.header:
            value = data.get(key)
            if isinstance(value, list):
                value = ";".join(map(str, value))
            row.append("" if value is None else value)
        self.writer.writerow(row)

    def finish(self) -> None:
        if self.header is None:
            self.writer.writerow(["id", "path", "title", "date", "categories", "tags", "source"])


class PathsRenderer:
    def __init__(self, out: IO[str], *, null: bool = False) -> None:
        self.out = out
        self.end = "\0" if null else "\n"

    def begin(self) -> None:
        pass

    def item(self, obj: Any) -> None:
        record = getattr(obj, "record", obj)
        self.out.write(f"{record.path}{self.end}")

    def finish(self) -> None:
        pass


class TsvRenderer:
    """One line a post: id, title, date (`YYYY-MM-DD HH:MM`), tab-separated — what fzf and
    `cut -f` take. Tabs and line breaks in a title become spaces; `-0` ends lines with NUL."""

    DATE_FORMAT = "%Y-%m-%d %H:%M"

    def __init__(self, out: IO[str], *, null: bool = False) -> None:
        self.out = out
        self.end = "\0" if null else "\n"

    def begin(self) -> None:
        pass

    def item(self, obj: Any) -> None:
        record = getattr(obj, "record", obj)
        title = " ".join((record.title or "").split())
        self.out.write(f"{record.id}\t{title}\t{record.date.strftime(self.DATE_FORMAT)}{self.end}")

    def finish(self) -> None:
        pass
