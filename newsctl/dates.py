"""Date expressions as people type them, resolved to half-open spans in the archive's timezone.

A span remembers its precision: `2022-02` is the whole of February, so
`--until 2022-02` includes the 28th. Relative forms count calendar days in the
archive's timezone: `7d` is the day that began seven midnights ago.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from .errors import UsageError

_ABSOLUTE = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2})"
    r"(?:[T ](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?)?)?$"
)
_RELATIVE = re.compile(r"^(?P<n>\d+)\s*(?P<unit>h|d|w|m|y)$")
_NAMED = {"today": 0, "yesterday": 1}

DATE_HELP = (
    "YYYY, YYYY-MM, YYYY-MM-DD, 'YYYY-MM-DD HH:MM', today, yesterday, "
    "or Nd/Nw/Nm/Ny/Nh ago (e.g. 7d)"
)


@dataclass(frozen=True, slots=True)
class DateSpan:
    """[start, end): both aware datetimes."""

    start: datetime
    end: datetime
    precision: str  # "year" | "month" | "day" | "minute" | "second" | "hour"


def _midnight(d: date, tz: tzinfo) -> datetime:
    return datetime.combine(d, time(0), tzinfo=tz)


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    return date(d.year + y, m + 1, 1)


def parse_date(expr: str, tz: tzinfo, *, now: datetime | None = None) -> DateSpan:
    """Parse one date expression into the span it denotes; UsageError if it is none."""
    text = expr.strip().lower()
    now = (now or datetime.now(tz)).astimezone(tz)
    today = now.date()
    if not text:
        raise UsageError("empty date", hint=f"use {DATE_HELP}")
    if text in _NAMED:
        day = today - timedelta(days=_NAMED[text])
        return DateSpan(_midnight(day, tz), _midnight(day + timedelta(days=1), tz), "day")
    if text == "now":
        return DateSpan(now, now + timedelta(seconds=1), "second")
    m = _RELATIVE.match(text)
    if m:
        n, unit = int(m["n"]), m["unit"]
        if unit == "h":
            start = (now - timedelta(hours=n)).replace(minute=0, second=0, microsecond=0)
            return DateSpan(start, start + timedelta(hours=1), "hour")
        if unit in ("d", "w"):
            day = today - timedelta(days=n * (7 if unit == "w" else 1))
            return DateSpan(_midnight(day, tz), _midnight(day + timedelta(days=1), tz), "day")
        if unit == "m":
            first = _add_months(today.replace(day=1), -n)
            day = min(today.day, _days_in_month(first))
            d = first.replace(day=day)
            return DateSpan(_midnight(d, tz), _midnight(d + timedelta(days=1), tz), "day")
        try:
            d = today.replace(year=today.year - n)
        except ValueError:  # 29 February
            d = today.replace(year=today.year - n, day=28)
        return DateSpan(_midnight(d, tz), _midnight(d + timedelta(days=1), tz), "day")
    m = _ABSOLUTE.match(text)
    if not m:
        raise UsageError(f"cannot read date {expr!r}", hint=f"use {DATE_HELP}")
    try:
        year = int(m["y"])
        if m["m"] is None:
            return DateSpan(_midnight(date(year, 1, 1), tz), _midnight(date(year + 1, 1, 1), tz), "year")
        month = int(m["m"])
        if m["d"] is None:
            first = date(year, month, 1)
            return DateSpan(_midnight(first, tz), _midnight(_add_months(first, 1), tz), "month")
        day = date(year, month, int(m["d"]))
        if m["H"] is None:
            return DateSpan(_midnight(day, tz), _midnight(day + timedelta(days=1), tz), "day")
        seconds = m["S"] is not None
        start = datetime(
            year, month, day.day, int(m["H"]), int(m["M"]), int(m["S"] or 0), tzinfo=tz
        )
        step = timedelta(seconds=1) if seconds else timedelta(minutes=1)
        return DateSpan(start, start + step, "second" if seconds else "minute")
    except ValueError as e:
        raise UsageError(f"cannot read date {expr!r}: {e}", hint=f"use {DATE_HELP}") from None


def _days_in_month(first: date) -> int:
    return (_add_months(first, 1) - first).days


def parse_range(expr: str, tz: tzinfo, *, now: datetime | None = None) -> tuple[datetime | None, datetime | None]:
    """`a..b`, `a..`, `..b` or a single date -> (start, end) with open ends as None."""
    if ".." in expr:
        lo, _, hi = expr.partition("..")
        if ".." in hi:
            raise UsageError(f"cannot read date range {expr!r}", hint="use FROM..TO, FROM.. or ..TO")
        start = parse_date(lo, tz, now=now).start if lo.strip() else None
        end = parse_date(hi, tz, now=now).end if hi.strip() else None
        if start is None and end is None:
            raise UsageError(f"empty date range {expr!r}", hint="use FROM..TO, FROM.. or ..TO")
        if start is not None and end is not None and start >= end:
            raise UsageError(f"date range {expr!r} is empty: it ends before it starts")
        return start, end
    span = parse_date(expr, tz, now=now)
    return span.start, span.end


def since_until(
    since: str | None, until: str | None, tz: tzinfo, *, now: datetime | None = None
) -> tuple[datetime | None, datetime | None]:
    """The `--since/--until` pair as a half-open [start, end): both ends inclusive of their whole span.

    A bad value names its option (`--since: cannot read date '2023-02-30': ...`).
    """

    def parse(option: str, expr: str) -> DateSpan:
        try:
            return parse_date(expr, tz, now=now)
        except UsageError as e:
            raise UsageError(f"{option}: {e.message}", hint=e.hint) from None

    start = parse("--since", since).start if since else None
    end = parse("--until", until).end if until else None
    return start, end
