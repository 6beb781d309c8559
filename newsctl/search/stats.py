"""Figures for the whole archive or for the posts a query matches: "when was this in the news?"

Everything comes from the index, without reading every stored document
(24,090 stored-field reads take about 0.6 s): dates from the `date` column,
categories and tags from term frequencies (whole archive), posting lists
intersected with the matching documents (many posts) or the few matching
posts' stored names, whichever is cheaper.

    from ..archive import Archive
    st = Archive.open("examples/archive").stats("高新区")
    st.total, st.first, st.last, st.categories[:3], st.timeline("month")
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any, Iterable

from ..config import Settings
from ..engine.compile import both
from ..engine.reader import filter_query, raw_dates, raw_to_datetime
from ..engine.searching import is_everything
from ..engine.storage import open_index

if TYPE_CHECKING:
    from .run import Fallback

UNITS = ("day", "month", "year")
AUTO_DAY_SPAN = 31  # days: a shorter span is charted by day
AUTO_MONTH_SPAN = 60  # months: a longer span is charted by year


@dataclass
class Stats:
    query: str | None
    total: int
    first: datetime | None  # in the archive's timezone
    last: datetime | None
    categories: list[tuple[str, int]]  # most posts first, then by name
    tags: list[tuple[str, int]]
    days: Counter[date] = field(default_factory=Counter)  # posts per day, archive timezone
    fallbacks: list["Fallback"] = field(default_factory=list)

    def auto_unit(self) -> str:
        """day for a month or less, month for up to five years, else year."""
        if self.first is None or self.last is None:
            return "month"
        a, b = self.first.date(), self.last.date()
        if (b - a).days < AUTO_DAY_SPAN:
            return "day"
        if _month_index(b) - _month_index(a) < AUTO_MONTH_SPAN:
            return "month"
        return "year"

    def timeline(self, unit: str = "month") -> list[tuple[str, int]]:
        """(period, posts) for every period from the first post to the last, empty ones too."""
        if unit not in UNITS:
            raise ValueError(f"unit must be one of {UNITS}")
        if not self.days or self.first is None or self.last is None:
            return []
        counts: Counter[str] = Counter()
        for day, n in self.days.items():
            counts[_label(day, unit)] += n
        return [(label, counts.get(label, 0)) for label in _periods(self.first.date(), self.last.date(), unit)]

    def months_by_year(self) -> dict[int, list[int]]:
        """year -> 12 monthly counts (for a sparkline per year)."""
        out: dict[int, list[int]] = {}
        if self.first is None or self.last is None:
            return out
        for y in range(self.first.year, self.last.year + 1):
            out[y] = [0] * 12
        for day, n in self.days.items():
            out[day.year][day.month - 1] += n
        return out

    def to_json(self, *, unit: str = "month", top: int = 0) -> dict[str, Any]:
        """The documented machine format (docs/json-format.md, "stats")."""

        def names(items: list[tuple[str, int]]) -> list[dict[str, Any]]:
            items = items[:top] if top else items
            return [{"name": name, "posts": n} for name, n in items]

        return {
            "query": self.query,
            "posts": self.total,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "categories": names(self.categories),
            "tags": names(self.tags),
            "unit": unit,
            "timeline": [{"period": p, "posts": n} for p, n in self.timeline(unit)],
        }


def _month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def _label(d: date, unit: str) -> str:
    if unit == "day":
        return d.isoformat()
    if unit == "month":
        return f"{d.year:04d}-{d.month:02d}"
    return f"{d.year:04d}"


def _periods(a: date, b: date, unit: str) -> list[str]:
    if unit == "day":
        return [(a + timedelta(days=i)).isoformat() for i in range((b - a).days + 1)]
    if unit == "month":
        return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(_month_index(a), _month_index(b) + 1)]
    return [f"{y:04d}" for y in range(a.year, b.year + 1)]


# --- collecting --------------------------------------------------------------------


def _match_query(settings: Settings, searcher: Any, text: str, filt: Any) -> tuple[Any, list["Fallback"]]:
    """The Whoosh query `newsctl search TEXT` matches with (same fallback to words)."""
    from ..query import parse_query
    from .run import match_query

    node = parse_query(text, settings.timezone)
    q, _, fallbacks = match_query(searcher, node, scored=False)
    return both(q, filt), fallbacks


def _local_day_counter(raw: list[int], tz: tzinfo) -> tuple[Counter[date], datetime | None, datetime | None]:
    """Posts per day in `tz`, and the first and last instant, from raw Whoosh dates."""
    def aware(value: int) -> datetime:
        return raw_to_datetime(value).replace(tzinfo=timezone.utc).astimezone(tz)

    days: Counter[date] = Counter()
    if not raw:
        return days, None, None
    # Every UTC offset and every DST change falls on a quarter hour, so no quarter hour
    # straddles a local midnight: convert one instant per quarter hour, not per post.
    quarter = 15 * 60_000_000
    for q, n in Counter(value // quarter for value in raw).items():
        days[aware(q * quarter).date()] += n
    return days, aware(min(raw)), aware(max(raw))


STORED_SCAN_LIMIT = 2000  # up to this many posts, read their stored names rather than whole posting lists


def _key(name: str) -> str:
    """A name as the keyword field indexes it (lower case, commas as spaces)."""
    return str(name).lower().replace(",", " ")


def _names(reader: Any, fieldname: str, stored: str, docs: set[int], every: bool) -> list[tuple[str, int]]:
    """(name as written, posts among `docs`) for every category or tag the posts use.

    Names that differ only in case count as one (the index lower-cases them), shown as
    the first post (lowest document number) writes it. Three ways to the same answer,
    the cheapest for the case: term frequencies for the whole archive, the posts' own
    stored names for a few posts, posting lists intersected with the posts otherwise.
    """
    counts: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    if len(docs) <= STORED_SCAN_LIMIT and not every:
        for d in sorted(docs):
            seen: set[str] = set()
            for name in reader.stored_fields(d).get(stored) or ():
                key = _key(name)
                if key in seen:
                    continue
                seen.add(key)
                counts[key] += 1
                spelling.setdefault(key, str(name))
    elif fieldname in reader.indexed_field_names():
        exact = every and not reader.has_deletions()
        for term in list(reader.lexicon(fieldname)):
            word = term.decode("utf-8") if isinstance(term, bytes) else str(term)
            postings = reader.postings(fieldname, term)
            if exact:
                n, first = reader.doc_frequency(fieldname, term), postings.id()
            else:
                ids = [d for d in postings.all_ids() if d in docs]
                n, first = len(ids), (ids[0] if ids else None)
            if n and first is not None:
                counts[word] = n
                spelling[word] = _spelling(reader, first, stored, word)
    out = [(spelling[key], n) for key, n in counts.items()]
    out.sort(key=lambda item: (-item[1], item[0]))
    return out


def _spelling(reader: Any, docnum: int, stored: str, word: str) -> str:
    """The name as a post writes it (the index keeps it lower-cased)."""
    for name in reader.stored_fields(docnum).get(stored) or ():
        if _key(name) == word:
            return str(name)
    return word


def collect_stats(
    settings: Settings,
    query: str | None = None,
    *,
    categories: Iterable[str] = (),
    tags: Iterable[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
) -> Stats:
    query = query.strip() if query and query.strip() else None
    tz = settings.timezone
    filt = filter_query(categories=categories, tags=tags, start=since, end=until)
    if is_everything(filt):
        filt = None
    ix = open_index(settings.state_dir)
    with ix.searcher() as searcher:
        reader = searcher.reader()
        fallbacks: list[Fallback] = []
        every = query is None and filt is None
        if every:
            docs = set(reader.all_doc_ids())
        else:
            q = filt
            if query is not None:
                q, fallbacks = _match_query(settings, searcher, query, filt)
            docs = set(searcher.docs_for_query(q))
        raw = raw_dates(reader)
        days, first, last = _local_day_counter([raw[d] for d in docs], tz)
        cats = _names(reader, "category", "categories", docs, every)
        tgs = _names(reader, "tag", "tags", docs, every)
    return Stats(
        query=query, total=len(docs), first=first, last=last, categories=cats, tags=tgs, days=days,
        fallbacks=fallbacks,
    )
