"""The Whoosh index: schema, where it lives, documents from posts, records back out.

This module (with analysis/query/search) is the only user of `whoosh`.

Layout under the state folder (`<archive>/.newsctl/`):

    index            symlink -> index.<stamp>/, swapped atomically (os.replace)
    index.<stamp>/   a Whoosh FileStorage plus newsctl.json (schema version)

A rebuild writes a fresh `index.<stamp>/` beside the live one and swaps the
symlink, so readers see the old index or the new one, never a partial one.
Within one folder Whoosh commits by writing a new TOC and renaming it into
place, so a killed writer leaves the previous commit readable.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from .errors import IndexBusy, IndexCorrupt, IndexMissing, StorageError
from .fsutil import atomic_write, fsync_dir
from .records import PostRecord

if TYPE_CHECKING:
    from whoosh.index import Index
    from whoosh.searching import Searcher

    from .post import Post

SCHEMA_VERSION = 1
LIVE_NAME = "index"
META_NAME = "newsctl.json"
_EPOCH = datetime(1970, 1, 1)


def schema_id() -> str:
    """Changes whenever documents written by an older newsctl would read back wrong."""
    from . import analysis

    return f"{SCHEMA_VERSION}.{analysis.ANALYSIS_VERSION}"


def build_schema() -> Any:
    from whoosh import fields

    from . import analysis

    return fields.Schema(
        path=fields.ID(stored=True, unique=True),  # relative to the archive, posix
        id=fields.ID(stored=True),
        title=analysis.exact_field(stored=True),
        body=analysis.exact_field(stored=False),
        words=analysis.word_field(),
        date=fields.DATETIME(stored=True, sortable=True),  # naive UTC
        category=fields.KEYWORD(commas=True, lowercase=True),
        tag=fields.KEYWORD(commas=True, lowercase=True),
        categories=fields.STORED(),
        tags=fields.STORED(),
        source=fields.ID(stored=True),
        source_text=analysis.exact_field(stored=False),
        fingerprint=fields.ID(stored=True),
        mtime_ns=fields.STORED(),
        size=fields.STORED(),
        date_origin=fields.STORED(),
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


def to_utc_naive(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc).replace(tzinfo=None)


def post_document(post: Post, rel_path: str, stat: os.stat_result | None) -> dict[str, Any]:
    """The Whoosh document for one post."""
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
        "mtime_ns": stat.st_mtime_ns if stat else 0,
        "size": stat.st_size if stat else 0,
        "date_origin": post.date_origin,
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


# --- where the index lives -------------------------------------------------


def live_path(state_dir: Path) -> Path:
    return state_dir / LIVE_NAME


def read_meta(index_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((index_dir / META_NAME).read_text("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise IndexCorrupt(f"{index_dir / META_NAME}: unreadable ({e})", hint="run: newsctl index --rebuild") from None


def index_state(state_dir: Path) -> str:
    """'missing', 'outdated' (older schema) or 'ok' — without opening Whoosh."""
    live = live_path(state_dir)
    if not live.exists():
        return "missing"
    meta = read_meta(live)
    return "ok" if meta.get("schema") == schema_id() else "outdated"


def open_index(state_dir: Path) -> Index:
    """The live index for reading; IndexMissing / IndexCorrupt with what to do."""
    from whoosh import index as windex

    state = index_state(state_dir)
    if state == "missing":
        raise IndexMissing(f"no index in {state_dir}", hint="run: newsctl index")
    if state == "outdated":
        raise IndexMissing(
            f"the index in {state_dir} was made by another version of newsctl",
            hint="run: newsctl index (it rebuilds it)",
        )
    try:
        return windex.open_dir(str(live_path(state_dir)))
    except Exception as e:  # Whoosh raises many kinds for a damaged folder
        raise IndexCorrupt(f"cannot open index {live_path(state_dir)}: {e}", hint="run: newsctl index --rebuild") from None


def create_fresh(state_dir: Path) -> Path:
    """An empty index folder beside the live one, not yet visible to readers."""
    from whoosh import index as windex

    stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 1_000_000}"
    folder = state_dir / f"{LIVE_NAME}.{stamp}"
    try:
        folder.mkdir(parents=True)
        windex.create_in(str(folder), build_schema())
        atomic_write(folder / META_NAME, json.dumps({"schema": schema_id(), "created": stamp}))
    except OSError as e:
        shutil.rmtree(folder, ignore_errors=True)
        raise StorageError(f"cannot create index in {state_dir}: {e.strerror or e}") from None
    return folder


def publish(state_dir: Path, folder: Path) -> None:
    """Make `folder` the live index in one rename; drop all but the previous one."""
    live = live_path(state_dir)
    previous = live.resolve() if live.is_symlink() else None
    tmp = state_dir / f".{LIVE_NAME}.link-{os.getpid()}"
    tmp.unlink(missing_ok=True)
    os.symlink(folder.name, tmp)
    if live.exists() and not live.is_symlink():
        # a plain folder from elsewhere: move it aside rather than lose it
        os.replace(live, state_dir / f"{LIVE_NAME}.old-{os.getpid()}")
    os.replace(tmp, live)
    fsync_dir(state_dir)
    keep = {folder.resolve()}
    if previous is not None:
        keep.add(previous)  # a reader may still be opening it
    remove_stale(state_dir, keep)


def remove_stale(state_dir: Path, keep: set[Path]) -> None:
    for child in state_dir.glob(f"{LIVE_NAME}.*"):
        if child.is_dir() and not child.is_symlink() and child.resolve() not in keep:
            shutil.rmtree(child, ignore_errors=True)


# --- writing ------------------------------------------------------------------


@dataclass
class Writer:
    """A Whoosh writer over one index folder; commit or cancel, never half."""

    folder: Path
    procs: int = 1

    def __enter__(self) -> "Writer":
        from whoosh import index as windex
        from whoosh.index import LockError

        self._ix = windex.open_dir(str(self.folder))
        try:
            kwargs: dict[str, Any] = {"limitmb": 256}
            if self.procs > 1:
                kwargs.update(procs=self.procs, multisegment=True)
            self._w = self._ix.writer(**kwargs)
        except LockError:
            raise IndexBusy(f"the index in {self.folder} is locked by another writer") from None
        return self

    def add(self, doc: dict[str, Any]) -> None:
        self._w.add_document(**doc)

    def update(self, doc: dict[str, Any]) -> None:
        self._w.update_document(**doc)

    def delete_path(self, rel_path: str) -> None:
        self._w.delete_by_term("path", rel_path)

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            try:
                self._w.commit()
            except OSError as e:
                self._w.cancel()
                raise StorageError(f"cannot write index {self.folder}: {e.strerror or e}") from None
        else:
            self._w.cancel()
        self._ix.close()


# --- reading ------------------------------------------------------------------


def filter_query(
    *,
    categories: Iterable[str] = (),
    tags: Iterable[str] = (),
    start: datetime | None = None,
    end: datetime | None = None,
) -> Any:
    """The Whoosh query for list-style filters (every post when none is given)."""
    from whoosh import query as wq

    parts: list[Any] = []
    cats = [wq.Term("category", c.lower()) for c in categories]
    if cats:
        parts.append(wq.Or(cats) if len(cats) > 1 else cats[0])
    tgs = [wq.Term("tag", t.lower()) for t in tags]
    if tgs:
        parts.append(wq.Or(tgs) if len(tgs) > 1 else tgs[0])
    if start is not None or end is not None:
        parts.append(
            wq.DateRange(
                "date",
                to_utc_naive(start) if start else None,
                to_utc_naive(end) if end else None,
                endexcl=True,
            )
        )
    if not parts:
        return wq.Every()
    return parts[0] if len(parts) == 1 else wq.And(parts)


def iter_sorted(
    searcher: Searcher, q: Any, *, limit: int | None, newest_first: bool = True
) -> tuple[int, Iterator[dict[str, Any]]]:
    """(number matched, stored fields in date order) without scoring."""
    from whoosh import sorting

    facet = sorting.MultiFacet([sorting.FieldFacet("date", reverse=newest_first), sorting.FieldFacet("path")])
    results = searcher.search(q, limit=limit or None, sortedby=facet)
    total = len(results)  # every match, not just the first `limit`

    def gen() -> Iterator[dict[str, Any]]:
        for hit in results:
            yield hit.fields()

    return total, gen()
