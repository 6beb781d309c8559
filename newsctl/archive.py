"""The library object: an archive of posts on disk with its index.

The CLI is glue over this class; scripts can use it directly:

    from .archive import Archive
    arc = Archive.open("examples/archive")
    arc.index()
    for rec in arc.list(category="emnews", limit=5).records:
        print(rec.date, rec.title)
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .config import Settings, resolve_settings
from .engine.reader import filter_query, iter_sorted
from .engine.schema import record_from_fields
from .engine.storage import index_state, open_index
from .errors import NewsctlError, PostError, UsageError
from .lock import write_lock
from .posts.intake import (
    POST_SUFFIXES,
    expand_input,
    inside,
    is_jekyll_name,
    write_new,
)
from .records import PostRecord
from .sync.known import KnownPosts
from .sync.result import IndexResult

ADD_WAIT_SECONDS = 5.0
ALREADY_IN_POSTS = "already in the archive's _posts/"  # a "duplicate" --force cannot add


@dataclass
class AddResult:
    """What `add` did with each input, in order."""

    added: list[Path] = field(default_factory=list)  # new files in _posts/
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (input, why)
    failed: list[NewsctlError] = field(default_factory=list)

    def summary(self) -> str:
        return f"added {len(self.added)}, duplicate {len(self.duplicates)}, failed {len(self.failed)}"


@dataclass
class ListResult:
    total: int  # posts matching the filters (all of them, not just those listed)
    records: Iterator[PostRecord]


class Archive:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @classmethod
    def open(cls, root: str | Path | None = None, **options: object) -> "Archive":
        """Resolve settings as the CLI does (flags given here win)."""
        return cls(resolve_settings(archive=Path(root) if root else None, **options))  # type: ignore[arg-type]

    # --- facts -----------------------------------------------------------

    @property
    def root(self) -> Path:
        return self.settings.archive

    @property
    def posts_dir(self) -> Path:
        return self.settings.posts_dir

    @property
    def state_dir(self) -> Path:
        return self.settings.state_dir

    def rel(self, path: Path) -> str:
        return path.resolve().relative_to(self.root).as_posix()

    def post_paths(self) -> list[Path]:
        """Every post file under _posts/ (subfolders too), sorted; dot-files and temp files skipped."""
        found: list[Path] = []
        for folder, dirs, files in os.walk(self.posts_dir):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in files:
                if name.startswith(".") or not name.lower().endswith(POST_SUFFIXES):
                    continue
                found.append(Path(folder) / name)
        found.sort()
        return found

    def read_post(self, path: Path, data: bytes | None = None, *, mtime: float | None = None):  # -> Post
        from .posts.post import read_post

        return read_post(path, self.settings.timezone, data=data, mtime=mtime)

    # --- index ---------------------------------------------------------------

    def index(
        self,
        *,
        wait: float = 0.0,
        procs: int = 1,
        progress: Callable[[int, int], None] | None = None,
        rebuild: bool = False,
    ) -> IndexResult:
        """Bring the index in line with the files: only what was added, changed or
        removed since the last run is read. `rebuild` (or an index made by another
        version, or a damaged one) builds a fresh index beside the live one and swaps
        it in atomically. Bad posts are skipped and listed in `errors`. `procs`: 1 reads
        in this process, N > 1 in N helper processes, 0 decides by batch size and CPUs.
        """
        from .sync.run import run_index

        return run_index(self.settings, wait=wait, procs=procs, progress=progress, rebuild=rebuild)

    def index_is_stale(self) -> bool:
        """Whether a post was added, deleted or renamed in _posts/ since the last index run (a few stats)."""
        from .sync.freshness import index_is_stale

        return index_is_stale(self.state_dir, self.root)

    def status(self):  # -> newsctl.sync.status.Status
        """The index's health and pending changes, from file stats alone (no post is read)."""
        from .sync.status import status

        return status(self.settings)

    def check(self, *, deep: bool = False):  # -> newsctl.sync.check.CheckReport
        """Every difference between the files and the index, and damaged index files."""
        from .sync.check import check

        return check(self.settings, deep=deep)

    def repair(self, report, *, wait: float = 0.0, procs: int = 1, progress: Callable[[int, int], None] | None = None) -> IndexResult:
        """Fix what `check` found: re-index what differs, or rebuild a damaged index."""
        from .sync.check import repair

        return repair(self.settings, report, wait=wait, procs=procs, progress=progress)

    # --- search ------------------------------------------------------------------

    def search(self, query: str, options=None, *, count_only: bool = False):  # -> newsctl.search.run.SearchResult
        """Posts matching `query` (the query language of `newsctl search`), ranked; hits are lazy."""
        from .search.run import SearchOptions, run_search

        return run_search(self.settings, query, options or SearchOptions(), count_only=count_only)

    def _searcher(self):
        return open_index(self.state_dir).searcher()

    # --- list ------------------------------------------------------------------

    def list(
        self,
        *,
        categories: Iterable[str] = (),
        tags: Iterable[str] = (),
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 0,
        reverse: bool = False,
    ) -> ListResult:
        """Posts newest first (oldest first with reverse), from the index alone."""
        q = filter_query(categories=categories, tags=tags, start=since, end=until)
        searcher = self._searcher()
        total, fields = iter_sorted(searcher, q, limit=limit, newest_first=not reverse)
        root, tz = self.root, self.settings.timezone

        def records() -> Iterator[PostRecord]:
            try:
                for f in fields:
                    yield record_from_fields(f, root, tz)
            finally:
                searcher.close()

        return ListResult(total=total, records=records())

    # --- add ---------------------------------------------------------------------

    def add_files(self, inputs: Iterable[Path], *, force: bool = False, wait: float = ADD_WAIT_SECONDS) -> AddResult:
        """Import post files (or folders of them) into _posts/."""
        items: list[tuple[str, bytes | None, Path | None, NewsctlError | None]] = []
        for item in inputs:
            for path, err in expand_input(Path(item)):
                if err is not None:
                    items.append((str(path), None, path, err))
                    continue
                try:
                    items.append((str(path), path.read_bytes(), path, None))
                except OSError as e:
                    items.append((str(path), None, path, PostError(path, f"cannot read: {e.strerror}")))
        return self._add(items, force=force, wait=wait)

    def add_bytes(self, data: bytes, *, name: str = "<stdin>", force: bool = False, wait: float = ADD_WAIT_SECONDS) -> AddResult:
        """Import one post given as file content (e.g. read from stdin)."""
        return self._add([(name, data, None, None)], force=force, wait=wait)

    def create(
        self,
        *,
        title: str,
        body: str,
        date: datetime | None = None,
        categories: Iterable[str] = (),
        tags: Iterable[str] = (),
        source: str | None = None,
        force: bool = False,
        wait: float = ADD_WAIT_SECONDS,
    ) -> AddResult:
        """Write a new post from its parts."""
        from .posts.naming import format_post

        if not title.strip():
            raise UsageError("a new post needs a title: pass --title")
        if "\n" in title or "\r" in title:
            raise UsageError("--title must be one line")
        when = date or datetime.now(self.settings.timezone).replace(microsecond=0)  # whole seconds, as people write dates
        text = format_post(
            title=title.strip(),
            date=when,
            categories=list(categories),
            tags=list(tags),
            source=source,
            body=body,
        )
        return self._add([("--title " + title.strip(), text.encode("utf-8"), None, None)], force=force, wait=wait)

    def _add(
        self,
        items: list[tuple[str, bytes | None, Path | None, NewsctlError | None]],
        *,
        force: bool,
        wait: float,
    ) -> AddResult:
        from .posts.naming import post_filename

        result = AddResult()
        with write_lock(self.state_dir, wait=wait, command="newsctl add"):
            self._catch_up()
            known = KnownPosts(self.settings)
            docs: list[tuple[Path, object]] = []
            for label, data, src, err in items:
                if err is not None:
                    result.failed.append(err)
                    continue
                assert data is not None
                if src is not None and inside(src, self.posts_dir):
                    result.duplicates.append((label, ALREADY_IN_POSTS))
                    continue
                # One rule with `index`: an untitled post is kept (shown as "(untitled)"), a post
                # without a date is dated by its file name, else by the file's mtime (stdin: now).
                name_path = src if src is not None else Path(label)
                try:
                    post = self.read_post(name_path, data, mtime=None if src is not None else time.time())
                except PostError as e:
                    result.failed.append(e)
                    continue
                if src is not None and is_jekyll_name(src.name):
                    filename = src.name
                else:
                    filename = post_filename(post.date, post.title.strip() or (src.stem if src is not None else "untitled"))
                # the post as `index` will read it in _posts/ (a date-less post: its new file name's date)
                post = self.read_post(self.posts_dir / filename, data, mtime=post.date.timestamp())
                if not force:
                    why = known.duplicate_of(post)
                    if why:
                        result.duplicates.append((label, why))
                        continue
                try:
                    dest = write_new(self.posts_dir, filename, data)
                except NewsctlError as e:
                    result.failed.append(e)
                    continue
                result.added.append(dest)
                final = self.read_post(dest, data)
                known.remember(final)
                docs.append((dest, final))
            if docs:
                from .sync.added import index_added
                from .sync.freshness import note_written

                index_added(self.settings, docs)
                note_written(self.state_dir, self.root, {dest.parent for dest, _ in docs})
        return result

    def _catch_up(self) -> None:
        """Index files an interrupted add (or a scraper) left unindexed, so duplicate checks see them.

        Only when a usable index exists: without one, the add itself builds it.
        """
        from .sync.run import _new_result, sync_locked

        if index_state(self.state_dir) == "ok":
            sync_locked(self.settings, _new_result())

    # --- reading one post, figures (read-only; used by `show` and `stats`) ---------

    def find_post(self, ref: str | Path) -> Path:
        """The post file a user means by `ref`: a path (absolute, or relative to the current
        folder, the archive or _posts/), a full id (`2022-01-16-xwlb2022011603`, the file
        name without suffix) or the id without its date (`xwlb2022011603`).

        NotFound (exit 1) names close ids when nothing matches; UsageError when a short
        id matches several posts.
        """
        from .errors import NotFound
        from .posts.lookup import close_ids, match_id

        text = str(ref).strip()
        if not text:
            raise UsageError("give a post id or path", hint="newsctl list shows ids")
        as_path = Path(text).expanduser()
        bases = [Path.cwd(), self.root, self.posts_dir] if not as_path.is_absolute() else [Path("/")]
        for base in bases:
            candidate = base / as_path
            if candidate.is_file():
                return candidate.resolve()
            if candidate.is_dir() and ("/" in text or text in (".", "..")):
                raise UsageError(f"{candidate} is a folder, not a post file")
        for suffix in POST_SUFFIXES:
            candidate = self.posts_dir / f"{text}{suffix}"
            if candidate.is_file():
                return candidate.resolve()
        paths = self.post_paths()
        found = match_id(text, paths)
        if len(found) == 1:
            return found[0].resolve()
        if len(found) > 1:
            names = ", ".join(p.stem for p in found[:5]) + (", ..." if len(found) > 5 else "")
            raise UsageError(f"{text!r} matches {len(found)} posts: {names}", hint="give the full id")
        close = close_ids(text, [p.stem for p in paths])
        hint = f"close ids: {', '.join(close)}" if close else "newsctl list or newsctl search shows ids"
        raise NotFound(f"no post with id or path {text!r} in {self.posts_dir}", hint=hint)

    def stats(
        self,
        query: str | None = None,
        *,
        categories: Iterable[str] = (),
        tags: Iterable[str] = (),
        since: datetime | None = None,
        until: datetime | None = None,
    ):  # -> newsctl.stats.Stats
        """Counts for the whole archive or the posts a query matches, from the index alone."""
        from .search.stats import collect_stats

        return collect_stats(self.settings, query, categories=categories, tags=tags, since=since, until=until)

    # --- following: watches, news, related (newsctl.follow, newsctl.search.related) ---

    def watches(self):  # -> list[newsctl.follow.watches.Watch]
        """The saved searches of `.newsctl/config.toml`, in the file's order."""
        from .follow.watches import load_watches

        return load_watches(self.settings)

    def add_watch(self, name: str, query: str, *, categories: Iterable[str] = (), tags: Iterable[str] = (), backlog: bool = False):
        """Save a search; it starts empty (`backlog`: every post it matches now is unread)."""
        from .follow.news import start_watch
        from .follow.watches import Watch, add_watch

        watch = Watch(name.strip(), " ".join(query.split()), tuple(categories), tuple(tags))
        add_watch(self.settings, watch)
        start_watch(self.settings, watch.name, backlog=backlog)
        return watch

    def remove_watch(self, name: str) -> None:
        from .follow.news import forget_watch
        from .follow.watches import remove_watch

        remove_watch(self.settings, name)
        forget_watch(self.settings, name)

    def watch_statuses(self, names: Iterable[str] = ()):  # -> list[newsctl.follow.news.WatchStatus]
        """Each watch with its matches and unread posts."""
        from .follow.news import watch_statuses
        from .follow.watches import select

        return watch_statuses(self.settings, select(self.watches(), names))

    def news(self, names: Iterable[str] = (), *, changed: bool = False, snippets: bool = True):  # -> NewsResult
        """Posts indexed since each watch (all when none is named) was last read; `.mark()` marks them read."""
        from .follow.news import collect_news
        from .follow.watches import select

        return collect_news(self.settings, select(self.watches(), names), changed=changed, snippets=snippets)

    def related(self, ref: str | Path, *, limit: int = 10):  # -> newsctl.search.related.RelatedResult
        """Posts about the same story as the post `ref` names (an id or a path), best first."""
        from .search.related import related_posts

        return related_posts(self.settings, self.find_post(ref), limit=limit)
