"""python-frontmatter's YAML handler, with Jekyll's reading rules and newsctl's writing style.

Used the stock way, python-frontmatter mishandles real posts: it finds no front
matter behind a UTF-8 BOM or lone-CR line ends, lets PyYAML turn some dates into
datetimes (and raise on `2022-02-30`), builds `Post(content, handler, **metadata)`
(a `content:` or `handler:` key, or a non-string key, raises TypeError), strips
the body at both ends, and writes sorted keys, folded titles and `+08:00`.
`JekyllYAMLHandler` fixes each through the handler API, so callers:

* read with `HANDLER.split(text)` then `HANDLER.load(fm)` (never `frontmatter.loads`,
  which would strip the body and pass keys as keyword arguments);
* write with `frontmatter.dumps(post)` where `post = frontmatter.Post(body, HANDLER)`
  and `post.metadata.update(fields)`.

Failures raise `FrontMatterError(reason)`, deliberately not a ValueError:
`frontmatter.parse()` takes a ValueError from `split()` to mean "no front
matter" and would silently return the whole file as the body.

Self-contained (PyYAML and python-frontmatter only): the meaning of the fields
(dates, names, source) belongs to the caller.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import yaml
from frontmatter.default_handlers import YAMLHandler

if TYPE_CHECKING:
    from frontmatter import Post

__all__ = ["HANDLER", "FrontMatterError", "JekyllYAMLHandler", "format_date", "normalize_newlines"]


class FrontMatterError(Exception):
    """A file's front matter cannot be split or read; `str(e)` is a one-line reason."""


# ---------------------------------------------------------------- YAML engine

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that leaves timestamps as strings: the caller owns every date rule."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}

_OPEN_RE = re.compile(r"(?:[ \t]*\n)*---[ \t]*\n")
_CLOSE_RE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


def normalize_newlines(text: str) -> str:
    """Text without a leading BOM, with LF line ends (CRLF and lone CR both become LF)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _yaml_error(e: Exception, fm: str) -> str:
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    problem = getattr(e, "problem", None) or getattr(e, "context", None) or str(e).splitlines()[0]
    if mark is None:
        return f"front matter is not valid YAML: {problem}"
    line_no = mark.line + 1  # a file line: split() pads the front matter to where it starts
    lines = fm.split("\n")
    if line_no >= len(lines):  # past the last front matter line: the closing '---' or '...'
        return f"front matter is not valid YAML: {problem} at line {line_no}, the closing line"
    line = lines[line_no - 1].strip()
    if len(line) > 60:
        line = line[:57] + "..."
    return f"front matter is not valid YAML: {problem} at line {line_no}: {line!r}"


# ---------------------------------------------------------------- writing style


def _scalar(value: str, *, quoted: bool = False) -> str:
    """One YAML scalar on one line (double-quoted when asked or when needed); never folded."""
    out = yaml.safe_dump(
        value,
        default_style='"' if quoted else None,
        allow_unicode=True,
        width=2**31 - 1,
        explicit_end=False,
    )
    if out.endswith("\n...\n"):
        out = out[: -len("\n...\n")]
    out = out.rstrip("\n")
    if "\n" in out:  # a style PyYAML broke over lines: fall back to double quotes
        return _scalar(value, quoted=True) if not quoted else out.replace("\n", " ")
    return out


def format_date(date: datetime) -> str:
    """`YYYY-MM-DD HH:MM:SS[.ffffff] +HHMM` (Jekyll's own form); no offset for a naive datetime."""
    frac = f".{date.microsecond:06d}" if date.microsecond else ""
    text = (
        f"{date.year:04d}-{date.month:02d}-{date.day:02d} "
        f"{date.hour:02d}:{date.minute:02d}:{date.second:02d}{frac}"
    )
    off = date.utcoffset()
    if off is None:
        return text
    if off % timedelta(minutes=1):
        raise FrontMatterError(f"date offset {off} is not a whole number of minutes")
    sign = "-" if off < timedelta(0) else "+"
    minutes = abs(off) // timedelta(minutes=1)
    return f"{text} {sign}{minutes // 60:02d}{minutes % 60:02d}"


# ---------------------------------------------------------------- the handler


class JekyllYAMLHandler(YAMLHandler):
    """YAML front matter read as Jekyll reads it and written one `key: value` line per field."""

    START_DELIMITER = END_DELIMITER = "---"
    QUOTED_KEYS = frozenset({"title"})  # always double-quoted, so a title is never misread

    def detect(self, text: str) -> bool:
        """Whether `text` opens with front matter (after a BOM and blank lines)."""
        return _OPEN_RE.match(normalize_newlines(text)) is not None

    def split(self, text: str) -> tuple[str, str]:
        """(front matter, body): the body exactly as written after the front matter's blank line.

        The front matter is prefixed with one newline per line before it, so YAML's
        error marks count file lines.
        """
        text = normalize_newlines(text)
        if not text.strip():
            raise FrontMatterError("empty file")
        m = _OPEN_RE.match(text)
        if m is None:
            raise FrontMatterError("no front matter (the file does not start with a '---' line)")
        start = m.end()
        c = _CLOSE_RE.search(text, start)
        if c is None:
            raise FrontMatterError("front matter is not closed (no '---' line after the opening one)")
        body = text[c.end() + 1 :]  # after the closing line's newline
        if body.startswith("\n"):  # the conventional blank line after the front matter
            body = body[1:]
        return "\n" * text.count("\n", 0, start) + text[start : c.start()], body

    def load(self, fm: str, **kwargs: object) -> dict[Any, Any]:
        """The front matter as a dict (empty when blank); dates stay strings."""
        if not fm.strip():
            return {}
        kwargs.setdefault("Loader", _Loader)
        try:
            meta = yaml.load(fm, **kwargs)  # type: ignore[arg-type]
        except yaml.YAMLError as e:
            raise FrontMatterError(_yaml_error(e, fm)) from None
        except (ValueError, TypeError, RecursionError) as e:
            raise FrontMatterError(f"front matter is not valid YAML: {e}") from None
        if meta is None:
            return {}
        if not isinstance(meta, dict):
            raise FrontMatterError(f"front matter is not a mapping (it is a {type(meta).__name__})")
        return meta

    def export(self, metadata: Mapping[Any, object], **kwargs: object) -> str:
        """One line per key in the mapping's order: strings plain unless YAML needs quotes
        (keys in QUOTED_KEYS always double-quoted), datetimes as `format_date`, others by PyYAML."""
        lines = []
        for key, value in metadata.items():
            if isinstance(key, str) and isinstance(value, str):
                lines.append(f"{_scalar(key)}: {_scalar(value, quoted=key in self.QUOTED_KEYS)}")
            elif isinstance(key, str) and isinstance(value, datetime):
                lines.append(f"{_scalar(key)}: {format_date(value)}")
            else:
                dumped = yaml.safe_dump(
                    {key: value}, allow_unicode=True, sort_keys=False, default_flow_style=False, width=2**31 - 1
                )
                lines.append(dumped.rstrip("\n"))
        return "\n".join(lines)

    def format(self, post: Post, **kwargs: object) -> str:
        """Delimited front matter, a blank line, then the content unchanged (the stock one strips it)."""
        start = kwargs.pop("start_delimiter", self.START_DELIMITER)
        end = kwargs.pop("end_delimiter", self.END_DELIMITER)
        metadata = self.export(post.metadata, **kwargs)
        head = f"{start}\n{metadata}\n{end}" if metadata else f"{start}\n{end}"
        return f"{head}\n\n{post.content}"


HANDLER = JekyllYAMLHandler()
