"""revledger.kit.currencies: ISO 4217 codes in any case, returned upper-case, and
the one table of minor units."""

from __future__ import annotations

import string
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revledger.kit.currencies import currency_codes, minor_unit, parse_currency
from revledger.metrics.rules import Rates

CODES = sorted(currency_codes())


def test_the_usual_codes_are_known() -> None:
    for code in ("USD", "EUR", "GBP", "JPY", "CHF", "INR", "BRL", "KWD", "CLF"):
        assert code in currency_codes()
    assert len(CODES) > 150


@given(st.sampled_from(CODES), st.lists(st.booleans(), min_size=3, max_size=3))
def test_any_case_is_accepted_and_upper_cased(code: str, lower: list[bool]) -> None:
    mixed = "".join(c.lower() if low else c for c, low in zip(code, lower, strict=True))
    assert parse_currency(mixed) == code


@pytest.mark.parametrize(("given", "expected"), [("usd", "USD"), ("Eur", "EUR"), ("jPy", "JPY")])
def test_examples(given: str, expected: str) -> None:
    assert parse_currency(given) == expected


@given(
    st.text(alphabet=string.ascii_letters, min_size=3, max_size=3).filter(
        lambda s: s.upper() not in currency_codes()
    )
)
def test_unknown_three_letter_codes_are_rejected(code: str) -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        parse_currency(code)


@pytest.mark.parametrize("value", ["", "US", "USDD", "US D", "U$D", "123", "dollar", "EURO"])
def test_malformed_codes_are_rejected(value: str) -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        parse_currency(value)


@pytest.mark.parametrize("value", [None, 840, b"USD", ["USD"], 1.0])
def test_non_strings_are_rejected(value: object) -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        parse_currency(value)


@pytest.mark.parametrize(
    ("code", "exponent"),
    [("USD", 2), ("EUR", 2), ("JPY", 0), ("KWD", 3), ("CLF", 4), ("XAU", 0), ("XDR", 0)],
)
def test_minor_units_come_from_the_iso_4217_table(code: str, exponent: int) -> None:
    """Funds, metals and special drawing rights have no minor unit: they count as 0."""
    assert minor_unit(code) == exponent


@given(st.sampled_from(CODES), st.sampled_from(CODES))
def test_metrics_convert_with_the_same_minor_units(currency: str, reporting: str) -> None:
    """A rate of 1 major unit for 1 major unit: the factor in minor units is the
    difference of the two exponents recognition and the journal use too."""
    day = date(2024, 1, 1)
    rates = Rates(reporting, [(currency, day, "1")])
    expected = Fraction(10) ** (minor_unit(reporting) - minor_unit(currency))
    assert rates.factor(currency, day) == (1 if currency == reporting else expected)
