"""revledger.kit.money: amounts are exact, have at most three decimals and stay below 10^12."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from revledger.kit.money import (
    format_milli,
    from_milli,
    parse_amount,
    to_milli,
)
from revledger.kit.rounding import round_half_up, split_exact

LIMIT = 10**12
MAX_OK = Decimal("999999999999.999")
CANONICAL = re.compile(r"^-?(0|[1-9]\d*)\.\d{3}$")

amounts = st.decimals(min_value=-MAX_OK, max_value=MAX_OK, places=3)


@given(amounts)
@example(Decimal("249.000"))
@example(Decimal("-49.500"))
@example(Decimal("0.001"))
@example(Decimal("-0.001"))
@example(MAX_OK)
@example(-MAX_OK)
@example(Decimal("0"))
def test_round_trip_through_string(value: Decimal) -> None:
    text = format(value, "f")
    amount = parse_amount(text)
    assert amount == value
    milli = to_milli(amount)
    assert type(milli) is int
    assert milli == int(value * 1000)
    formatted = format_milli(milli)
    assert CANONICAL.match(formatted), formatted
    assert Decimal(formatted) == value
    assert parse_amount(formatted) == value
    assert to_milli(parse_amount(formatted)) == milli
    assert from_milli(milli) == value


@given(amounts)
def test_decimal_input_round_trips(value: Decimal) -> None:
    """JSON numbers reach parse_amount as Decimal."""
    assert to_milli(parse_amount(value)) == int(value * 1000)


@given(st.integers(min_value=-(LIMIT * 1000) + 1, max_value=LIMIT * 1000 - 1))
def test_format_milli_is_canonical_and_exact(milli: int) -> None:
    formatted = format_milli(milli)
    assert CANONICAL.match(formatted), formatted
    assert to_milli(parse_amount(formatted)) == milli


@pytest.mark.parametrize(
    ("milli", "text"),
    [
        (249000, "249.000"),
        (-49500, "-49.500"),
        (0, "0.000"),
        (1, "0.001"),
        (-1, "-0.001"),
        (12500, "12.500"),
        (999999999999999, "999999999999.999"),
    ],
)
def test_format_examples(milli: int, text: str) -> None:
    assert format_milli(milli) == text


@given(st.integers(min_value=-LIMIT + 1, max_value=LIMIT - 1))
def test_ints_are_accepted(value: int) -> None:
    amount = parse_amount(value)
    assert amount == value
    assert to_milli(amount) == value * 1000
    assert format_milli(to_milli(amount)) == f"{value}.000"


@given(
    st.decimals(
        min_value=-MAX_OK, max_value=MAX_OK, places=6, allow_nan=False, allow_infinity=False
    ).filter(lambda d: d != d.quantize(Decimal("0.001")))
)
@example(Decimal("0.0001"))
@example(Decimal("249.0005"))
@example(Decimal("-1.2345"))
def test_more_than_three_decimals_is_rejected(value: Decimal) -> None:
    for given_value in (value, format(value, "f")):
        with pytest.raises(ValueError, match="at most 3 decimal places"):
            parse_amount(given_value)


@given(amounts, st.integers(min_value=1, max_value=6))
def test_trailing_zeros_beyond_three_places_are_accepted(value: Decimal, zeros: int) -> None:
    """Documented choice: "1.5000" has at most three significant decimals, so it is 1.500."""
    text = format(value, "f") + "0" * zeros
    assert to_milli(parse_amount(text)) == to_milli(value)
    assert format_milli(to_milli(parse_amount(text))) == format_milli(to_milli(value))


def test_trailing_zero_example() -> None:
    assert parse_amount("1.5000") == Decimal("1.5")
    assert format_milli(to_milli(parse_amount("1.5000"))) == "1.500"


@given(
    st.one_of(
        st.integers(min_value=LIMIT, max_value=LIMIT * 10**6),
        st.integers(min_value=-LIMIT * 10**6, max_value=-LIMIT),
    )
)
@example(LIMIT)
@example(-LIMIT)
def test_too_large_is_rejected(value: int) -> None:
    for given_value in (value, str(value), f"{value}.000", Decimal(value)):
        with pytest.raises(ValueError, match="10\\^12"):
            parse_amount(given_value)


def test_limit_boundary() -> None:
    assert parse_amount("999999999999.999") == MAX_OK
    assert parse_amount("-999999999999.999") == -MAX_OK
    with pytest.raises(ValueError):
        parse_amount("1000000000000.000")
    with pytest.raises(ValueError):
        parse_amount("-1000000000000")
    with pytest.raises(ValueError):
        parse_amount("999999999999.9995")


@given(st.floats())
@example(1.5)
@example(249.0)
@example(0.0)
def test_floats_are_rejected(value: float) -> None:
    with pytest.raises(ValueError):
        parse_amount(value)


@pytest.mark.parametrize("value", [True, False])
def test_bools_are_rejected(value: bool) -> None:
    with pytest.raises(ValueError):
        parse_amount(value)


@pytest.mark.parametrize(
    "text",
    [
        "1e3",
        "1E3",
        "2.5e-1",
        "1.000E+0",
        " 1.000",
        "1.000 ",
        "1 000.000",
        "- 1.000",
        "1.000\n",
        "\t1.000",
        "",
        "NaN",
        "Infinity",
        "-inf",
        "1,000.00",
        "0x10",
        "abc",
    ],
)
def test_malformed_strings_are_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


@given(amounts, st.sampled_from([" ", "\t", "\n", "\r", "\u00a0", "\u2003"]), st.booleans())
def test_strings_with_whitespace_are_rejected(value: Decimal, space: str, before: bool) -> None:
    text = format(value, "f")
    with pytest.raises(ValueError):
        parse_amount(space + text if before else text + space)


@pytest.mark.parametrize("text", ["١٢٣", "१२३", "１２３", "٠.٥", "12٣.000"])
def test_non_ascii_digits_are_rejected(text: str) -> None:
    """Only 0-9 are digits of an amount: other scripts' digits are not a decimal string."""
    with pytest.raises(ValueError):
        parse_amount(text)


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_non_finite_decimals_are_rejected(value: Decimal) -> None:
    with pytest.raises(ValueError, match="finite"):
        parse_amount(value)


@pytest.mark.parametrize("value", [None, [], {}, b"1.000", object()])
def test_other_types_are_rejected(value: object) -> None:
    with pytest.raises(ValueError):
        parse_amount(value)


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        ("2.5", 0, "3"),
        ("-2.5", 0, "-3"),
        ("2.4999", 0, "2"),
        ("1.0005", 3, "1.001"),
        ("-1.0005", 3, "-1.001"),
        ("1.0004", 3, "1.000"),
    ],
)
def test_round_half_up_rounds_half_away_from_zero(value: str, places: int, expected: str) -> None:
    result = round_half_up(Decimal(value), places)
    assert result == Decimal(expected)
    assert str(result) == expected


def test_split_of_a_tiny_amount_never_gives_a_share_of_the_wrong_sign() -> None:
    # 7 cents over 12 months: rounding each share up (1 cent) would leave -4 for the last
    parts = split_exact(7, [1] * 12, 1)
    assert sum(parts) == 7 and all(p in (0, 1) for p in parts)
    assert split_exact(100, [1, 1, 1], 1) == [33, 33, 34]  # the rule otherwise


@given(
    amount=st.integers(min_value=-(10**12), max_value=10**12),
    weights=st.lists(st.integers(min_value=1, max_value=31), min_size=1, max_size=250),
    quantum=st.sampled_from([1, 10, 100, 10_000]),
)
def test_split_is_exact_and_keeps_the_sign(amount: int, weights: list[int], quantum: int) -> None:
    parts = split_exact(amount, weights, quantum)
    assert sum(parts) == amount
    assert all(p * amount >= 0 for p in parts)
