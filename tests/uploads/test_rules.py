"""Pure parsing rules of uploads: amounts and dates with a template's formats."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from revledger.uploads.rules import date_parser, parse_cents, parse_decimal_text


@pytest.mark.parametrize(
    ("text", "separator", "expected"),
    [
        ("249", ".", "249"),
        ("-49.50", ".", "-49.50"),
        ("1,234.50", ".", "1234.50"),
        ("1.234,50", ",", "1234.50"),
        ("1 234,5", ",", "1234.5"),
        ("+3", ".", "3"),
    ],
)
def test_amounts(text: str, separator: str, expected: str) -> None:
    assert parse_decimal_text(text, separator) == expected


@pytest.mark.parametrize(
    ("text", "separator"), [("1,5", "."), ("12,34.5", "."), ("abc", "."), ("1.5", ",")]
)
def test_bad_amounts(text: str, separator: str) -> None:
    with pytest.raises(ValueError):
        parse_decimal_text(text, separator)


def test_cents_must_be_whole() -> None:
    assert parse_cents("9,900", ".") == 9900
    with pytest.raises(ValueError):
        parse_cents("99.5", ".")


def test_dates_across_daylight_saving_and_formats() -> None:
    paris = date_parser("%d/%m/%Y %H:%M", "Europe/Paris")
    assert paris("29/03/2026 03:30") == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # CEST
    assert paris("28/03/2026 03:30") == datetime(2026, 3, 28, 2, 30, tzinfo=UTC)  # CET
    with pytest.raises(ValueError):
        paris("31/02/2026 10:00")
    offset = date_parser("%Y-%m-%d %H:%M:%S%z", None)
    assert offset("2026-05-31 10:00:00+0200") == datetime(2026, 5, 31, 8, tzinfo=UTC)
    default = date_parser(None, "America/New_York")
    assert default("2026-01-15") == datetime(2026, 1, 15, 5, tzinfo=UTC)
    assert default("2026-05-31T10:00:00Z") == datetime(2026, 5, 31, 10, tzinfo=UTC)
    strict = date_parser(None, None)
    with pytest.raises(ValueError, match="timezone"):
        strict("2026-05-31")
    months = date_parser("%d %b %Y", "UTC")
    assert months("29 Feb 2028") == datetime(2028, 2, 29, tzinfo=UTC)
