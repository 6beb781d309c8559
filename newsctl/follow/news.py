"""What is new for each watch: the posts it matches that were indexed after its mark.

"New" follows the index's own sequence (sync/sequence.py), not the posts' dates:
a backdated post imported today is new; a post re-indexed after an edit is
*changed*, shown only when asked. A watch with no mark yet (written into the
config by hand) starts now: nothing is new for it until the next post arrives.

Reading takes no lock on the index: one searcher gives the matches and the mark
to set (`NewsResult.upto`); marking happens after the caller has shown the
posts (`NewsResult.mark`), so a crash in between shows them again rather than
losing them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterator

from ..config import Settings
from ..engine.reader import filter_query
from ..engine.schema import record_from_fields
from ..engine.sequence import Snapshot
from ..engine.storage import open_index
from ..errors import IndexCorrupt, IndexMissing, QueryError
from ..query import parse_query
from ..records import Hit
from ..search.run import Fallback, match_query, snippet_literals, with_snippet
from .marks import BACKLOG, Mark, advance, read_marks, update_marks
from .watches import Watch


@dataclass(frozen=True, slots=True)
class NewsItem:
    """One post new (or changed) for one watch."""

    watch: str
    hit: Hit
    change: str  # "new" | "changed"
    indexed: datetime | None  # when the run that made it new or changed indexed it; None: before any

    @property
    def record(self) -> Any:
        return self.hit.record

    def to_json(self) -> dict[str, Any]:
        data = self.hit.record.to_json()
        data.update(
            watch=self.watch,
            change=self.change,
            indexed=self.indexed.isoformat(timespec="seconds") if self.indexed else None,
            snippet=self.hit.snippet,
            highlights=[list(s) for s in self.hit.highlights],
            title_highlights=[list(s) for s in self.hit.title_highlights],
        )
        return data


@dataclass
class WatchNews:
    watch: Watch
    items: list[NewsItem] = field(default_factory=list)
    started: bool = False  # it had no mark: it starts now, with nothing new
    fallbacks: list[Fallback] = field(default_factory=list)


@dataclass
class NewsResult:
    watches: list[WatchNews]
    upto: int  # the mark reading this view sets
    state_dir: Any = None

    @property
    def items(self) -> Iterator[NewsItem]:
        for w in self.watches:
            yield from w.items

    @property
    def count(self) -> int:
        return sum(len(w.items) for w in self.watches)

    def mark(self) -> None:
        """Mark every watch shown as read up to this view (call after showing the posts)."""
        names = [w.watch.name for w in self.watches]
        update_marks(self.state_dir, lambda marks: advance(marks, names, self.upto))


def _stamp_time(stamp: int, tz: Any) -> datetime | None:
    return datetime.fromtimestamp(stamp / 1e9, timezone.utc).astimezone(tz) if stamp > 0 else None


def _local(iso: str, tz: Any) -> str:
    """A stored UTC time in the archive's timezone, as every date newsctl prints."""
    try:
        return datetime.fromisoformat(iso).astimezone(tz).isoformat(timespec="seconds")
    except ValueError:
        return ""


def _parsed(watch: Watch, settings: Settings) -> Any:
    try:
        return parse_query(watch.query, settings.timezone)
    except QueryError as e:  # edited by hand into something search refuses
        raise QueryError(f"watch {watch.name!r} in the config: {e.message}", hint=e.hint) from None


def _match(snapshot: Snapshot, watch: Watch, settings: Settings) -> tuple[list[int], Any, dict, list[Fallback]]:
    """The watch's match set (exactly what `search` matches), with what snippets mark."""
    node = _parsed(watch, settings)
    q, replace, fallbacks = match_query(snapshot.searcher, node, scored=False)
    filt = filter_query(categories=watch.categories, tags=watch.tags)
    return snapshot.matching(q, filt), node, replace, fallbacks


def collect_news(settings: Settings, watches: list[Watch], *, changed: bool = False, snippets: bool = True) -> NewsResult:
    """Each watch's unread posts, newest first; nothing is marked (see `NewsResult.mark`)."""
    marks = read_marks(settings.state_dir)
    searcher = open_index(settings.state_dir).searcher()
    try:
        snap = Snapshot(searcher)
        result = NewsResult(watches=[], upto=snap.upto, state_dir=settings.state_dir)
        tz, root = settings.timezone, settings.root
        for watch in watches:
            mark = marks.get(watch.name)
            news = WatchNews(watch)
            result.watches.append(news)
            if mark is None:
                news.started = True
                continue
            docnums, node, replace, news.fallbacks = _match(snap, watch, settings)
            body, title = snippet_literals(node, replace)
            found = []
            for d, change, stamp in snap.unread(docnums, mark.upto, changed=changed):
                record = record_from_fields(snap.stored(d), root, tz)
                found.append((record, change, stamp))
            found.sort(key=lambda f: f[0].date, reverse=True)
            for record, change, stamp in found:
                hit = with_snippet(settings, record, 0.0, body, title) if snippets else Hit(record=record, score=0.0)
                news.items.append(NewsItem(watch.name, hit, change, _stamp_time(stamp, tz)))
        return result
    finally:
        searcher.close()


@dataclass(frozen=True, slots=True)
class WatchStatus:
    watch: Watch
    matches: int
    unread: int | None  # None: never read (it starts at the next `news`)
    read: str  # when it was last read ("" never)

    def to_json(self) -> dict[str, Any]:
        data = self.watch.to_json()
        data.update(matches=self.matches, unread=self.unread, read=self.read or None)
        return data


def watch_statuses(settings: Settings, watches: list[Watch]) -> list[WatchStatus]:
    """Matches and unread posts of each watch, from one view of the index."""
    marks = read_marks(settings.state_dir)
    searcher = open_index(settings.state_dir).searcher()
    try:
        snap = Snapshot(searcher)
        out = []
        for watch in watches:
            docnums = _match(snap, watch, settings)[0]
            mark = marks.get(watch.name)
            unread = len(snap.unread(docnums, mark.upto)) if mark is not None else None
            out.append(WatchStatus(watch, len(docnums), unread, _local(mark.read, settings.timezone) if mark else ""))
        return out
    finally:
        searcher.close()


def start_watch(settings: Settings, name: str, *, backlog: bool = False) -> None:
    """Give a new watch its first mark: now (nothing is unread), or its whole backlog."""
    if backlog:
        upto = BACKLOG
    else:
        try:
            searcher = open_index(settings.state_dir).searcher()
        except (IndexMissing, IndexCorrupt):  # no index yet: what the first run indexes predates the watch
            upto = 0
        else:
            try:
                upto = Snapshot(searcher).upto
            finally:
                searcher.close()

    def change(marks: dict[str, Mark]) -> None:
        marks[name] = Mark(upto, "")

    update_marks(settings.state_dir, change)


def forget_watch(settings: Settings, name: str) -> None:
    update_marks(settings.state_dir, lambda marks: marks.pop(name, None))
