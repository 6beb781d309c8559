from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsctl.dates import parse_date, parse_range, since_until
from newsctl.errors import UsageError

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 15, 10, 30, tzinfo=TZ)


def d(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


@pytest.mark.parametrize(
    "expr, start, end, precision",
    [
        ("2022-02-28", d(2022, 2, 28), d(2022, 3, 1), "day"),
        ("2022-02", d(2022, 2, 1), d(2022, 3, 1), "month"),
        ("2022-12", d(2022, 12, 1), d(2023, 1, 1), "month"),
        ("2022", d(2022, 1, 1), d(2023, 1, 1), "year"),
        ("today", d(2026, 3, 15), d(2026, 3, 16), "day"),
        ("yesterday", d(2026, 3, 14), d(2026, 3, 15), "day"),
        ("7d", d(2026, 3, 8), d(2026, 3, 9), "day"),
        ("2w", d(2026, 3, 1), d(2026, 3, 2), "day"),
        ("1m", d(2026, 2, 15), d(2026, 2, 16), "day"),
        ("1y", d(2025, 3, 15), d(2025, 3, 16), "day"),
        ("2022-02-28 07:45", d(2022, 2, 28, 7, 45), d(2022, 2, 28, 7, 46), "minute"),
    ],
)
def test_date_expressions_denote_whole_spans(expr, start, end, precision):
    span = parse_date(expr, TZ, now=NOW)
    assert (span.start, span.end, span.precision) == (start, end, precision)


@pytest.mark.parametrize("expr", ["", "2022-13", "2022-02-30", "last tuesday", "7x", "22-02-01", "2022/02/01"])
def test_bad_dates_are_errors_that_name_the_input(expr):
    with pytest.raises(UsageError) as err:
        parse_date(expr, TZ, now=NOW)
    assert "date" in str(err.value)


def test_until_includes_the_whole_day_and_since_starts_at_midnight():
    start, end = since_until("2022-02", "2022-02-28", TZ, now=NOW)
    assert start == d(2022, 2, 1) and end == d(2022, 3, 1)


def test_ranges_have_open_ends():
    assert parse_range("2025..", TZ, now=NOW) == (d(2025, 1, 1), None)
    assert parse_range("..2022-03", TZ, now=NOW) == (None, d(2022, 4, 1))
    assert parse_range("2022-01..2022-03", TZ, now=NOW) == (d(2022, 1, 1), d(2022, 4, 1))
    with pytest.raises(UsageError):
        parse_range("2023..2022", TZ, now=NOW)
    with pytest.raises(UsageError):
        parse_range("..", TZ, now=NOW)


@given(st.dates(min_value=datetime(1971, 1, 1).date(), max_value=datetime(2100, 12, 31).date()))
def test_every_calendar_day_parses_to_exactly_one_day(day):
    span = parse_date(day.isoformat(), TZ, now=NOW)
    assert span.start.date() == day
    assert (span.end - span.start).total_seconds() == 86400
