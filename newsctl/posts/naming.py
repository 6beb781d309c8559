"""File names for new posts and the text of a new post file.

`slugify` makes an ASCII slug that is stable across machines and Python
versions: the ASCII words of the title (after NFKD, so `Café` gives `cafe` and
full-width `ＡＢＣ` gives `abc`), lower-cased and joined with `-`, plus the
first 8 hex digits of the SHA-1 of the NFC title whenever the words alone do
not stand for the title (it has non-ASCII characters, or was cut to fit). A
Chinese or punctuation-only title gives just the hash, never an empty slug.

`format_post` writes Jekyll front matter that `post.parse_post` reads back to
the same title, date (instant and offset), categories, tags, source and body:
newsctl's rules (which fields, names without spaces, aware dates, one-line
text, LF body with a final newline) are checked here; the text is made by
python-frontmatter (`frontmatter.dumps` with `frontmatter_handler.HANDLER`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta

from ..errors import UsageError

__all__ = ["format_post", "post_filename", "slugify"]

_HASH_LEN = 8
_WORD = re.compile(r"[A-Za-z0-9]+")


def _words(title: str) -> list[str]:
    """ASCII words: NFKD, accents dropped, any other non-ASCII character separates words."""
    decomposed = unicodedata.normalize("NFKD", title)
    if not decomposed.isascii():
        decomposed = "".join(c for c in decomposed if not unicodedata.combining(c))
    return [w.lower() for w in _WORD.findall(decomposed)]


def _title_hash(title: str) -> str:
    nfc = unicodedata.normalize("NFC", title)
    return hashlib.sha1(nfc.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_LEN]


def slugify(title: str, max_len: int = 60) -> str:
    """An ASCII slug `[a-z0-9-]`, at most `max_len` long, never empty."""
    if max_len < _HASH_LEN:
        raise ValueError(f"max_len must be at least {_HASH_LEN}")
    words = _words(title)
    slug = "-".join(words)
    needs_hash = not slug or not title.isascii() or len(slug) > max_len
    if not needs_hash:
        return slug
    h = _title_hash(title)
    room = max_len - _HASH_LEN - 1
    kept: list[str] = []
    used = 0
    for w in words:
        extra = len(w) + (1 if kept else 0)
        if used + extra > room:
            break
        kept.append(w)
        used += extra
    if not kept and words and room > 0:
        kept = [words[0][:room]]  # one very long word: cut it
    return f"{'-'.join(kept)}-{h}" if kept else h


def post_filename(date: datetime, title: str) -> str:
    """`YYYY-MM-DD-<slug>.md`, the date as it is in its own timezone."""
    return f"{date.year:04d}-{date.month:02d}-{date.day:02d}-{slugify(title)}.md"


# ---------------------------------------------------------------- format_post

_LINE_BREAKS = ("\n", "\r", "\x85", "\u2028", "\u2029")


def _check_text(what: str, value: str) -> None:
    if not isinstance(value, str):
        raise UsageError(f"{what} must be text, not {type(value).__name__}")
    for ch in value:
        cat = unicodedata.category(ch)
        if ch in _LINE_BREAKS or cat in ("Zl", "Zp"):
            raise UsageError(f"{what} must be a single line: {value!r}")
        if cat == "Cs" or (cat == "Cc" and ch != "\t"):
            raise UsageError(f"{what} holds a control character {ch!r}: {value!r}")


def _check_date(date: datetime) -> None:
    """newsctl writes only aware dates to whole minutes of offset (what `post.parse_date` reads back)."""
    if not isinstance(date, datetime):
        raise UsageError(f"date must be a datetime, not {type(date).__name__}")
    off = date.utcoffset()
    if off is None:
        raise UsageError("date must be timezone-aware")
    if off % timedelta(minutes=1):
        raise UsageError(f"date offset {off} is not a whole number of minutes")


def _names(what: str, names: Iterable[str]) -> list[str]:
    if isinstance(names, str):
        names = names.split()
    out: dict[str, None] = {}
    for name in names:
        _check_text(what, name)
        if not name or any(c.isspace() for c in name):
            raise UsageError(f"{what} names must be non-empty and hold no spaces: {name!r}")
        out[name] = None
    return list(out)


def format_post(
    *,
    title: str,
    date: datetime,
    categories: Iterable[str] = (),
    tags: Iterable[str] = (),
    source: str | None = None,
    body: str,
) -> str:
    """The text of a Jekyll post file for these fields.

    Front matter `layout: post`, `title` (always double-quoted), `date`
    (`YYYY-MM-DD HH:MM:SS[.ffffff] +HHMM`), `categories` and `tags` (as a
    space-separated string, omitted when empty), `source` when given; then a
    blank line and the body with LF line ends and a final newline.
    Raises UsageError for a multi-line title, a naive date, or a category/tag
    name with whitespace.
    """
    import frontmatter

    from .frontmatter_handler import HANDLER

    _check_text("title", title)
    _check_date(date)
    fields: dict[str, object] = {"layout": "post", "title": title, "date": date}
    for key, names in (("categories", categories), ("tags", tags)):
        clean = _names(key[:-1] if key == "tags" else "category", names)
        if clean:
            fields[key] = " ".join(clean)
    if source is not None:
        _check_text("source", source)
        source = source.strip()
        if source:
            fields["source"] = source
    if not isinstance(body, str):
        raise UsageError(f"body must be text, not {type(body).__name__}")
    if "\r" in body:
        body = body.replace("\r\n", "\n").replace("\r", "\n")
    if body and not body.endswith("\n"):
        body += "\n"
    post = frontmatter.Post(body, HANDLER)
    post.metadata.update(fields)  # not Post(**fields): the handler's rules, not keyword arguments
    return frontmatter.dumps(post)
