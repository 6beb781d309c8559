"""`Post` and reading a post file: front matter, dates, categories/tags, source.

A post file is a Jekyll post: a YAML front matter block between `---` lines,
then the body (Markdown or raw HTML). Reading is lenient where Jekyll sites
are messy and strict where the file is not a post at all:

* a UTF-8 BOM, CRLF or lone CR line ends, blank lines before the opening
  `---`, and a missing final newline are all accepted;
* `date` may carry an offset (`2022-02-28 07:45:08 +0800`, ISO forms) which is
  kept, or none (`2021-12-08 10:46:18`, `2021-12-08`), which means the
  archive's timezone. An empty or unparseable date (`date:  +0800`) falls back
  to the date in the file name (`YYYY-MM-DD-...`, midnight), then to the file's
  mtime; `Post.date_origin` says which one was used;
* `categories`/`category` and `tags`/`tag` are a YAML list or a
  space-separated string (Jekyll's rule); names are kept as written;
* a missing or empty title is allowed (title `""`);
* the source is the `source:` field, else the `<http...>` autolink at the
  end of the body.

A file that is unreadable, empty, binary, not UTF-8, without front matter, or
whose front matter is not a YAML mapping raises `PostError(path, reason)`.

The front matter is split and parsed by python-frontmatter's handler API
(`frontmatter_handler.HANDLER`: Jekyll's splitting rules, PyYAML's C loader
without the timestamp resolver, so every date string goes through one parser
here; PyYAML would read `2021-12-08 10:46:18` as a naive datetime but
`... +0800` as a string, and raise on `2021-02-30`). What the fields mean is
decided here.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date as _date
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

from ..errors import PostError
from .plaintext import find_source, to_plain_text

__all__ = [
    "DATE_FROM_FILENAME",
    "DATE_FROM_FRONT_MATTER",
    "DATE_FROM_MTIME",
    "Post",
    "parse_date",
    "parse_post",
    "read_post",
]

DATE_FROM_FRONT_MATTER = "front-matter"
DATE_FROM_FILENAME = "filename"
DATE_FROM_MTIME = "mtime"


@dataclass(frozen=True, slots=True)
class Post:
    """One post as read from its file. Immutable; `meta` is not compared or hashed."""

    id: str  # file name stem
    path: Path
    title: str
    date: datetime  # always timezone-aware
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    source: str | None  # source URL or None
    body: str  # body as written after the front matter (LF line ends)
    text: str  # body as plain text (plaintext.to_plain_text)
    date_origin: str  # "front-matter" | "filename" | "mtime"
    meta: Mapping[str, Any] = field(compare=False, repr=False)  # whole front matter as read

    @property
    def date_flagged(self) -> bool:
        """The date did not come from the front matter (`check` reports it)."""
        return self.date_origin != DATE_FROM_FRONT_MATTER


# ---------------------------------------------------------------- dates

_DATE_RE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"[ \t]*(?:([Zz]|UTC|GMT)|([+-])(\d{2}):?(\d{2})?)?"
)
_FILENAME_DATE_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})-")


def _localize(naive: datetime, tz: tzinfo) -> datetime:
    localize = getattr(tz, "localize", None)  # pytz zones need localize()
    if localize is not None:
        return localize(naive)
    return naive.replace(tzinfo=tz)


def parse_date(value: Any, tz: tzinfo) -> datetime | None:
    """A front matter `date` value as an aware datetime, or None if empty/unparseable.

    Accepts `YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]][ ][Z|+HHMM|+HH:MM|+HH]`, and
    datetime/date objects. Without an offset the date is in `tz`.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else _localize(value, tz)
    if isinstance(value, _date):
        return _localize(datetime(value.year, value.month, value.day), tz)
    if not isinstance(value, str):
        return None
    m = _DATE_RE.fullmatch(value.strip())
    if m is None:
        return None
    y, mo, d, hh, mi, ss, frac, utc, sign, oh, om = m.groups()
    try:
        micro = int((frac or "0")[:6].ljust(6, "0"))
        naive = datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0), micro)
        if utc:
            return naive.replace(tzinfo=timezone.utc)
        if sign:
            off = timedelta(hours=int(oh), minutes=int(om or 0))
            return naive.replace(tzinfo=timezone(-off if sign == "-" else off))
    except ValueError:  # month 13, offset >= 24h, ...
        return None
    return _localize(naive, tz)


def _filename_date(name: str, tz: tzinfo) -> datetime | None:
    m = _FILENAME_DATE_RE.match(name)
    if m is None:
        return None
    try:
        return _localize(datetime(int(m[1]), int(m[2]), int(m[3])), tz)
    except ValueError:
        return None


# ---------------------------------------------------------------- fields


def _scalar_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _names(meta: Mapping[str, Any], plural: str, singular: str, path: Path) -> tuple[str, ...]:
    """Jekyll's categories/tags: a list, or a string split at whitespace; both keys."""
    out: dict[str, None] = {}
    for key in (plural, singular):
        value = meta.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            for name in value.split():
                out[name] = None
            continue
        if isinstance(value, (list, tuple)):
            items: list[Any] = []
            stack = list(reversed(value))
            while stack:  # flatten nested lists, as Jekyll does
                item = stack.pop()
                if isinstance(item, (list, tuple)):
                    stack.extend(reversed(item))
                else:
                    items.append(item)
        else:
            items = [value]
        for item in items:
            if item is None:
                continue
            if isinstance(item, Mapping):
                raise PostError(path, f"front matter {key!r} holds a mapping, not names")
            name = _scalar_text(item).strip()
            if name:
                out[name] = None
    return tuple(out)


def _title(meta: Mapping[str, Any], path: Path) -> str:
    value = meta.get("title")
    if value is None:
        return ""
    if isinstance(value, (list, tuple, Mapping)):
        raise PostError(path, "front matter 'title' is not text")
    return _scalar_text(value)


def _source(meta: Mapping[str, Any], body: str) -> str | None:
    value = meta.get("source")
    if isinstance(value, str):
        s = value.strip()
        if s.startswith("<") and s.endswith(">"):
            s = s[1:-1].strip()
        if s:
            return s
    return find_source(body)


# ---------------------------------------------------------------- parsing

@functools.cache
def _front_matter() -> tuple[Any, type[Exception]]:
    """The handler and its error, imported on the first read (2 us a post if imported on each)."""
    from .frontmatter_handler import HANDLER, FrontMatterError

    return HANDLER, FrontMatterError


def parse_post(text: str, path: Path, tz: tzinfo, *, mtime: float | None = None) -> Post:
    """Parse the text of a post file. `mtime` is used (or stat'ed) only when no date is found."""
    handler, error = _front_matter()
    path = Path(path)
    try:
        fm, body = handler.split(text)
        meta = handler.load(fm)
    except error as e:
        raise PostError(path, str(e)) from None

    date = parse_date(meta.get("date"), tz)
    origin = DATE_FROM_FRONT_MATTER
    if date is None:
        date = _filename_date(path.name, tz)
        origin = DATE_FROM_FILENAME
    if date is None:
        if mtime is None:
            try:
                mtime = os.stat(path).st_mtime
            except OSError as e:
                raise PostError(
                    path, f"no usable date (front matter, file name) and no mtime: {e.strerror or e}"
                ) from None
        date = datetime.fromtimestamp(mtime, tz)
        origin = DATE_FROM_MTIME

    return Post(
        id=path.stem,
        path=path,
        title=_title(meta, path),
        date=date,
        categories=_names(meta, "categories", "category", path),
        tags=_names(meta, "tags", "tag", path),
        source=_source(meta, body),
        body=body,
        text=to_plain_text(body),
        date_origin=origin,
        meta=meta,
    )


def read_post(path: Path, tz: tzinfo, *, data: bytes | None = None, mtime: float | None = None) -> Post:
    """Read and parse one post file (or its already-read bytes `data`; `mtime` stands in for
    the file's when it has none of its own, e.g. a post read from stdin)."""
    path = Path(path)
    if data is None:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise PostError(path, f"cannot read file: {e.strerror or e}") from None
    if not data:
        raise PostError(path, "empty file")
    if b"\x00" in data:
        raise PostError(path, "binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise PostError(
            path, f"not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})"
        ) from None
    return parse_post(text, path, tz, mtime=mtime)
