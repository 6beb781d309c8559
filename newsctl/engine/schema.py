"""The Whoosh schema (versioned), documents from posts, and records back from stored fields."""

from __future__ import annotations

import hashlib
import os
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..records import PostRecord

if TYPE_CHECKING:

    from ..posts.post import Post

# 2: stored digest/ino/ctime_ns/checked_ns for change detection
# 3: analyzer, format and codec classes moved from newsctl.analysis into newsctl.engine
#    (Whoosh pickles them by import path: an index of schema 2 cannot even be opened)
# 4: seq/first_seq columns (what `news` calls new) and text_digest (exact copies, for `related`)
SCHEMA_VERSION = 4


def schema_id() -> str:
    """Changes whenever documents written by an older newsctl would read back wrong."""
    from ..text.normalize import ANALYSIS_VERSION

    return f"{SCHEMA_VERSION}.{ANALYSIS_VERSION}"


def build_schema() -> Any:
    from whoosh import columns, fields

    from .analyzers import exact_field, word_field

    return fields.Schema(
        path=fields.ID(stored=True, unique=True),  # relative to the archive, posix
        id=fields.ID(stored=True),
        title=exact_field(stored=True),
        body=exact_field(stored=False),
        words=word_field(),
        date=fields.DATETIME(stored=True, sortable=True),  # naive UTC
        category=fields.KEYWORD(commas=True, lowercase=True),
        tag=fields.KEYWORD(commas=True, lowercase=True),
        categories=fields.STORED(),
        tags=fields.STORED(),
        source=fields.ID(stored=True),
        source_text=exact_field(stored=False),
        fingerprint=fields.ID(stored=True),
        date_origin=fields.STORED(),
        # the file as it was read: what change detection compares
        mtime_ns=fields.STORED(),
        size=fields.STORED(),
        ino=fields.STORED(),
        ctime_ns=fields.STORED(),
        digest=fields.STORED(),  # sha1 of the file's bytes
        checked_ns=fields.STORED(),  # wall clock just before the bytes were read
        # the index's own sequence (see sync/sequence.py): the run that indexed this
        # version, and the run that first indexed the post; columns, read by docnum
        seq=fields.COLUMN(columns.NumericColumn("q", default=0)),
        first_seq=fields.COLUMN(columns.NumericColumn("q", default=0)),
        text_digest=fields.ID(),  # the plain text's digest: the same text under another name
    )


def fingerprint(title: str, date: datetime, text: str) -> str:
    """Same title, instant and text = the same post, whatever the file is called."""
    h = hashlib.sha1()
    h.update(" ".join(title.split()).encode("utf-8"))
    h.update(b"\0")
    h.update(date.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S").encode())
    h.update(b"\0")
    h.update(" ".join(text.split()).encode("utf-8"))
    return h.hexdigest()


def text_digest(text: str) -> str:
    """Equal for the same plain text, whitespace aside ("" for a post without text)."""
    flat = " ".join(text.split())
    return hashlib.sha1(flat.encode("utf-8")).hexdigest() if flat else ""


def to_utc_naive(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc).replace(tzinfo=None)


def post_document(
    post: Post,
    rel_path: str,
    stat: os.stat_result | None,
    *,
    digest: str = "",
    checked_ns: int = 0,
) -> dict[str, Any]:
    """The Whoosh document for one post (`stat`/`digest`: the file as read).

    `seq`/`first_seq` are 0 ("indexed before anything was followed") until
    the run writing it numbers it (`sync.sequence.Sequencer.number`).
    """
    return {
        "path": rel_path,
        "id": post.id,
        "title": post.title,
        "body": post.text,
        "words": f"{post.title}\n{post.text}",
        "date": to_utc_naive(post.date),
        "category": ",".join(c.replace(",", " ") for c in post.categories),
        "tag": ",".join(t.replace(",", " ") for t in post.tags),
        "categories": list(post.categories),
        "tags": list(post.tags),
        "source": post.source or "",
        "source_text": post.source or "",
        "fingerprint": fingerprint(post.title, post.date, post.text),
        "date_origin": post.date_origin,
        "mtime_ns": stat.st_mtime_ns if stat else 0,
        "size": stat.st_size if stat else 0,
        "ino": stat.st_ino if stat else 0,
        "ctime_ns": stat.st_ctime_ns if stat else 0,
        "digest": digest,
        "checked_ns": checked_ns,
        "seq": 0,
        "first_seq": 0,
        "text_digest": text_digest(post.text),
    }


def record_from_fields(fields: dict[str, Any], archive: Path, tz: tzinfo) -> PostRecord:
    date = fields["date"].replace(tzinfo=timezone.utc).astimezone(tz)
    return PostRecord(
        id=fields["id"],
        path=archive / fields["path"],
        title=fields.get("title", ""),
        date=date,
        categories=tuple(fields.get("categories") or ()),
        tags=tuple(fields.get("tags") or ()),
        source=fields.get("source") or None,
    )
