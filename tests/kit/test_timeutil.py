"""revledger.kit.timeutil: RFC 3339 in, UTC stored, local days as UTC instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from revledger.kit.timeutil import (
    day_start,
    format_utc,
    get_zone,
    next_day_start,
    parse_date,
    parse_rfc3339,
)

NEW_YORK = ZoneInfo("America/New_York")

offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
aware = st.builds(
    lambda naive, tz: naive.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(9998, 12, 31)),
    offsets,
)


@given(aware)
@example(datetime(2026, 5, 31, 10, 0, tzinfo=UTC))
@example(datetime(2028, 2, 29, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))))
def test_parse_converts_to_utc_and_keeps_the_instant(value: datetime) -> None:
    parsed = parse_rfc3339(value.isoformat())
    assert parsed == value
    assert parsed.utcoffset() == timedelta(0)
    assert parsed.microsecond == value.astimezone(UTC).microsecond
    assert parse_rfc3339(format_utc(parsed)) == parsed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-05-31T10:00:00Z", datetime(2026, 5, 31, 10, tzinfo=UTC)),
        ("2026-05-31T10:00:00z", datetime(2026, 5, 31, 10, tzinfo=UTC)),
        ("2026-05-31T10:00:00+00:00", datetime(2026, 5, 31, 10, tzinfo=UTC)),
        ("2026-05-31T12:00:00+02:00", datetime(2026, 5, 31, 10, tzinfo=UTC)),
        ("2026-05-31T01:30:00-08:30", datetime(2026, 5, 31, 10, tzinfo=UTC)),
        ("2026-05-31T23:30:00-05:00", datetime(2026, 6, 1, 4, 30, tzinfo=UTC)),
        ("2026-01-01T00:30:00+01:00", datetime(2025, 12, 31, 23, 30, tzinfo=UTC)),
        ("2026-05-31T10:00:00.123456Z", datetime(2026, 5, 31, 10, 0, 0, 123456, tzinfo=UTC)),
        ("2026-05-31T10:00:00.5Z", datetime(2026, 5, 31, 10, 0, 0, 500000, tzinfo=UTC)),
        ("2026-05-31T10:00:00.000001+00:00", datetime(2026, 5, 31, 10, 0, 0, 1, tzinfo=UTC)),
        # Beyond microseconds, the microseconds are kept.
        ("2026-05-31T10:00:00.123456789Z", datetime(2026, 5, 31, 10, 0, 0, 123456, tzinfo=UTC)),
    ],
)
def test_parse_examples(text: str, expected: datetime) -> None:
    parsed = parse_rfc3339(text)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)
    assert parsed.microsecond == expected.microsecond


@pytest.mark.parametrize(
    "text",
    ["2026-05-31T10:00:00", "2026-05-31T10:00", "2026-05-31T10:00:00.123456", "2026-05-31 10:00"],
)
def test_naive_timestamp_is_rejected_naming_the_offset(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_rfc3339(text)
    message = str(info.value)
    assert "offset" in message or "timezone" in message
    assert "Z" in message


def test_naive_datetime_object_is_rejected() -> None:
    with pytest.raises(ValueError, match="offset"):
        parse_rfc3339(datetime(2026, 5, 31, 10))


def test_aware_datetime_object_is_converted() -> None:
    value = datetime(2026, 5, 31, 12, tzinfo=timezone(timedelta(hours=2)))
    parsed = parse_rfc3339(value)
    assert parsed == value
    assert parsed.utcoffset() == timedelta(0)
    assert parsed.hour == 10


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2026-05-31",
        "yesterday",
        "2026-05-31T10:00:00+0200",
        "2026-05-31T10:00:00 +02:00",
        "2026-05-31T10:00:00Z ",
        "2026-05-31T10:00:00Z\n",
        "2026-05-31T25:00:00Z",
        "2026-05-31T10:60:00Z",
        "2026-13-01T00:00:00Z",
        "2026-00-10T00:00:00Z",
        "2026-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "1748685600",
    ],
)
def test_malformed_timestamps_are_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        parse_rfc3339(text)


@pytest.mark.parametrize("value", [None, 1748685600, 1748685600.0, date(2026, 5, 31)])
def test_non_string_is_rejected(value: object) -> None:
    with pytest.raises(ValueError):
        parse_rfc3339(value)


@pytest.mark.parametrize(
    "text",
    [
        "2028-02-29T12:00:00Z",
        "2026-01-31T23:59:59Z",
        "2026-04-30T00:00:00Z",
        "2026-12-31T23:59:59.999999Z",
        "2000-02-29T00:00:00+01:00",
    ],
)
def test_month_ends_and_leap_days_parse(text: str) -> None:
    parsed = parse_rfc3339(text)
    local = datetime.fromisoformat(text)
    assert parsed == local


def test_format_utc() -> None:
    value = datetime(2026, 5, 31, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert format_utc(value) == "2026-05-31T10:00:00+00:00"
    assert format_utc(datetime(2026, 5, 31, 10, 0)) == "2026-05-31T10:00:00+00:00"


# --- dates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2028-02-29", date(2028, 2, 29)),
        ("2000-02-29", date(2000, 2, 29)),
        ("2026-01-31", date(2026, 1, 31)),
        ("2026-04-30", date(2026, 4, 30)),
        ("2026-12-31", date(2026, 12, 31)),
    ],
)
def test_parse_date_month_ends_and_leap_days(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2026-02-29",
        "1900-02-29",
        "2026-04-31",
        "2026-06-31",
        "2026-13-01",
        "2026-00-01",
        "2026-1-1",
    ],
)
def test_parse_date_rejects_impossible_dates(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


@given(st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
def test_parse_date_round_trips(value: date) -> None:
    assert parse_date(value.isoformat()) == value


# --- local days -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "start", "end", "hours"),
    [
        # Spring forward: midnight is still EST (-05:00); the day has 23 hours.
        (
            date(2026, 3, 8),
            datetime(2026, 3, 8, 5, tzinfo=UTC),
            datetime(2026, 3, 9, 4, tzinfo=UTC),
            23,
        ),
        # Fall back: midnight is still EDT (-04:00); the day has 25 hours.
        (
            date(2026, 11, 1),
            datetime(2026, 11, 1, 4, tzinfo=UTC),
            datetime(2026, 11, 2, 5, tzinfo=UTC),
            25,
        ),
        (
            date(2026, 6, 15),
            datetime(2026, 6, 15, 4, tzinfo=UTC),
            datetime(2026, 6, 16, 4, tzinfo=UTC),
            24,
        ),
        (
            date(2026, 1, 15),
            datetime(2026, 1, 15, 5, tzinfo=UTC),
            datetime(2026, 1, 16, 5, tzinfo=UTC),
            24,
        ),
    ],
)
def test_new_york_days_across_dst(day: date, start: datetime, end: datetime, hours: int) -> None:
    got_start = day_start(day, NEW_YORK)
    got_end = next_day_start(day, NEW_YORK)
    assert got_start == start
    assert got_end == end
    assert got_start.utcoffset() == timedelta(0)
    assert got_end - got_start == timedelta(hours=hours)


def test_utc_day_start() -> None:
    assert day_start(date(2028, 2, 29), UTC) == datetime(2028, 2, 29, tzinfo=UTC)
    assert next_day_start(date(2028, 2, 29), UTC) == datetime(2028, 3, 1, tzinfo=UTC)
    assert next_day_start(date(2026, 12, 31), UTC) == datetime(2027, 1, 1, tzinfo=UTC)


@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    st.sampled_from(
        [
            "America/New_York",
            "Europe/Berlin",
            "Australia/Sydney",
            "Australia/Lord_Howe",
            "America/Santiago",  # DST starts at midnight: 00:00 does not exist that day
            "Asia/Kolkata",
            "Pacific/Chatham",
        ]
    ),
)
def test_day_start_is_the_first_instant_of_the_local_day(day: date, zone_name: str) -> None:
    zone = get_zone(zone_name)
    start = day_start(day, zone)
    assert start.astimezone(zone).date() == day
    assert (start - timedelta(microseconds=1)).astimezone(zone).date() == day - timedelta(days=1)
    length = next_day_start(day, zone) - start
    assert timedelta(hours=22) <= length <= timedelta(hours=26)


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", "../etc/passwd", "EST5EDT/x"])
def test_unknown_zone_is_rejected(name: str) -> None:
    with pytest.raises(ValueError, match="IANA"):
        get_zone(name)
