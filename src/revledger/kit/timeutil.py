"""Time parsing and formatting. Timestamps are stored in UTC and leave as RFC 3339."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# RFC 3339 date-time: date 'T' time, optional fraction, mandatory offset or Z.
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_NAIVE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse_rfc3339(value: object) -> datetime:
    """RFC 3339 timestamp with an offset -> aware UTC datetime (microsecond precision)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("must include a timezone offset or 'Z' (RFC 3339)")
        return value.astimezone(UTC)
    if not isinstance(value, str):
        raise ValueError("must be an RFC 3339 timestamp such as 2026-05-31T10:00:00Z")
    if _NAIVE.match(value):
        raise ValueError(
            "has no timezone: give an offset or 'Z' (RFC 3339), e.g. 2026-05-31T10:00:00Z"
        )
    m = _RFC3339.match(value)
    if not m:
        raise ValueError("must be an RFC 3339 timestamp such as 2026-05-31T10:00:00Z")
    text = value
    fraction = m.group(1)
    if fraction and len(fraction) > 7:  # Python keeps microseconds: truncate beyond them
        text = text.replace(fraction, fraction[:7], 1)
    try:
        return datetime.fromisoformat(text.replace("z", "Z")).astimezone(UTC)
    except ValueError:
        raise ValueError("is not a valid date and time") from None
    except OverflowError:
        raise ValueError("is out of range") from None


def format_utc(value: datetime, zulu: bool = False) -> str:
    """Aware or naive-UTC datetime -> RFC 3339 in UTC: '2026-05-31T10:00:00+00:00', or
    '2026-05-31T10:00:00Z' with `zulu` (seed 003's endpoints show them so)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if zulu else text


def parse_date(value: str) -> date:
    if not _DATE.match(value):
        raise ValueError("must be a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("is not a valid calendar date") from None


def get_zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"'{name}' is not an IANA timezone") from None


def day_start(day: date, zone: tzinfo) -> datetime:
    """Midnight of `day` in `zone`, as UTC (daylight-saving days have 23 or 25 hours)."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def next_day_start(day: date, zone: tzinfo) -> datetime:
    return day_start(day + timedelta(days=1), zone)
