"""The library object: an archive of posts on disk with its index.

The CLI is glue over this class; scripts can use it directly:

    from newsctl.archive import Archive
    arc = Archive.open("examples/archive")
    arc.index()
    for rec in arc.list(category="emnews", limit=5).records:
        print(rec.date, rec.title)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import index as idx
from .config import Settings, resolve_settings
from .errors import NewsctlError, PostError, UsageError
from .fsutil import atomic_write
from .lock import write_lock
from .records import PostRecord

POST_SUFFIXES = (".md", ".markdown", ".html")
ADD_WAIT_SECONDS = 5.0


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


@dataclass
class IndexResult:
    """What an index run (or the index part of `add`) did."""

    errors: list[PostError] = field(default_factory=list)  # this run's: file and reason
    seconds: float = 0.0
    mode: str = ""  # incremental | rebuild | add
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0  # looked at, nothing to do (never read unless its stat changed)
    read: int = 0  # post files read
    posts: int | None = None  # documents in the index afterwards
    generation: int | None = None
    known_bad: list[tuple[str, str]] = field(default_factory=list)  # unreadable before and unchanged: skipped
    notes: list[str] = field(default_factory=list)  # e.g. why it rebuilt
    warnings: list[str] = field(default_factory=list)  # the index is fine, a record is not

    @property
    def indexed(self) -> int:
        return self.added + self.changed

    def summary(self) -> str:
        """One line: `+added ~changed -removed, N errors, P posts, S s`."""
        err = len(self.errors)
        parts = [f"+{self.added} ~{self.changed} -{self.removed}", f"{err} error{'s' if err != 1 else ''}"]
        if self.posts is not None:
            parts.append(f"{self.posts} posts")
        parts.append(f"{self.seconds:.2f}s")
        line = ", ".join(parts)
        if self.mode == "rebuild":
            line += " (rebuilt)"
        if self.known_bad:
            n = len(self.known_bad)
            line += f"; {n} unreadable post{'s' if n != 1 else ''} unchanged (newsctl status lists them)"
        return line

    def reset_counts(self, *, keep_errors: int = 0) -> None:
        """Start the counts again (a run that turns into a rebuild keeps its first `keep_errors`)."""
        self.added = self.changed = self.removed = self.unchanged = self.read = 0
        del self.errors[keep_errors:]
        self.known_bad = []


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

    def read_post(self, path: Path, data: bytes | None = None):  # -> Post
        from .post import read_post

        return read_post(path, self.settings.timezone, data=data)

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
        from .sync import run_index

        return run_index(self, wait=wait, procs=procs, progress=progress, rebuild=rebuild)

    def _searcher(self):
        return idx.open_index(self.state_dir).searcher()

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
        q = idx.filter_query(categories=categories, tags=tags, start=since, end=until)
        searcher = self._searcher()
        total, fields = idx.iter_sorted(searcher, q, limit=limit, newest_first=not reverse)
        root, tz = self.root, self.settings.timezone

        def records() -> Iterator[PostRecord]:
            try:
                for f in fields:
                    yield idx.record_from_fields(f, root, tz)
            finally:
                searcher.close()

        return ListResult(total=total, records=records())

    # --- add ---------------------------------------------------------------------

    def add_files(self, inputs: Iterable[Path], *, force: bool = False, wait: float = ADD_WAIT_SECONDS) -> AddResult:
        """Import post files (or folders of them) into _posts/."""
        items: list[tuple[str, bytes | None, Path | None, NewsctlError | None]] = []
        for item in inputs:
            for path, err in _expand_input(Path(item)):
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
        from .naming import format_post

        if not title.strip():
            raise UsageError("a new post needs a title: pass --title")
        if "\n" in title or "\r" in title:
            raise UsageError("--title must be one line")
        when = date or datetime.now(self.settings.timezone)
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
        from .naming import post_filename

        result = AddResult()
        with write_lock(self.state_dir, wait=wait, command="newsctl add"):
            self._catch_up()
            known = _KnownPosts(self)
            docs: list[tuple[Path, object]] = []
            for label, data, src, err in items:
                if err is not None:
                    result.failed.append(err)
                    continue
                assert data is not None
                name_path = src if src is not None else Path(label)
                try:
                    post = self.read_post(name_path, data)
                except PostError as e:
                    result.failed.append(e)
                    continue
                if not post.title.strip():
                    result.failed.append(PostError(label, "no title in front matter"))
                    continue
                if src is not None and _inside(src, self.posts_dir):
                    result.duplicates.append((label, "already in the archive's _posts/"))
                    continue
                if not force:
                    why = known.duplicate_of(post)
                    if why:
                        result.duplicates.append((label, why))
                        continue
                filename = src.name if src is not None and _is_jekyll_name(src.name) else post_filename(post.date, post.title)
                try:
                    dest = _write_new(self.posts_dir, filename, data)
                except NewsctlError as e:
                    result.failed.append(e)
                    continue
                result.added.append(dest)
                final = self.read_post(dest, data)
                known.remember(final)
                docs.append((dest, final))
            if docs:
                from .sync import index_added

                index_added(self, docs)
        return result

    def _catch_up(self) -> None:
        """Index files an interrupted add (or a scraper) left unindexed, so duplicate checks see them.

        Only when a usable index exists: without one, the add itself builds it.
        """
        from .sync import _new_result, sync_locked

        if idx.index_state(self.state_dir) == "ok":
            sync_locked(self, _new_result())

    # --- reading one post, figures (read-only; used by `show` and `stats`) ---------

    def find_post(self, ref: str | Path) -> Path:
        """The post file a user means by `ref`: a path (absolute, or relative to the current
        folder, the archive or _posts/), a full id (`2022-01-16-xwlb2022011603`, the file
        name without suffix) or the id without its date (`xwlb2022011603`).

        NotFound (exit 1) names close ids when nothing matches; UsageError when a short
        id matches several posts.
        """
        from .errors import NotFound
        from .lookup import close_ids, match_id

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
        from .stats import collect_stats

        return collect_stats(self, query, categories=categories, tags=tags, since=since, until=until)


class _KnownPosts:
    """Source URLs and fingerprints already in the archive, for duplicate checks."""

    def __init__(self, archive: Archive) -> None:
        self.sources: dict[str, str] = {}
        self.prints: dict[str, str] = {}
        if idx.index_state(archive.state_dir) != "ok":
            return
        ix = idx.open_index(archive.state_dir)
        with ix.searcher() as s:
            for f in s.all_stored_fields():
                if f.get("source"):
                    self.sources[f["source"]] = f["id"]
                self.prints[f["fingerprint"]] = f["id"]

    def duplicate_of(self, post) -> str | None:
        if post.source and post.source in self.sources:
            return f"same source as {self.sources[post.source]}"
        fp = idx.fingerprint(post.title, post.date, post.text)
        if fp in self.prints:
            return f"same title, date and text as {self.prints[fp]}"
        return None

    def remember(self, post) -> None:
        if post.source:
            self.sources[post.source] = post.id
        self.prints[idx.fingerprint(post.title, post.date, post.text)] = post.id


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def _is_jekyll_name(name: str) -> bool:
    import re

    return bool(re.match(r"^\d{4}-\d{2}-\d{2}-.+\.(md|markdown|html)$", name))


def _expand_input(path: Path) -> Iterator[tuple[Path, NewsctlError | None]]:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in POST_SUFFIXES and not p.name.startswith("."))
        if not files:
            yield path, PostError(path, "folder holds no .md, .markdown or .html files")
        for p in files:
            yield p, None
    elif path.exists():
        yield path, None
    else:
        yield path, PostError(path, "no such file")


def _write_new(posts_dir: Path, filename: str, data: bytes) -> Path:
    """Write under `filename`, or `stem-2`, `stem-3`... : never over an existing post."""
    posts_dir.mkdir(parents=True, exist_ok=True)
    stem, dot, suffix = filename.rpartition(".")
    for n in range(1, 1000):
        name = filename if n == 1 else f"{stem}-{n}.{suffix}"
        target = posts_dir / name
        if target.exists():
            continue
        try:
            atomic_write(target, data, overwrite=False)
            return target
        except FileExistsError:
            continue
    raise PostError(posts_dir / filename, "no free file name")
