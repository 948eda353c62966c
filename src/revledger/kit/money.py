"""Money: parsing, storage and formatting of amounts. The one place money is rounded.

Amounts are `Decimal` in code and whole thousandths (`amount_milli`, a 64-bit integer)
in the database, so sums are exact and identical on SQLite and PostgreSQL. revledger
never rounds a posted amount: an amount with more than three decimals is rejected.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

SCALE = 3
MILLI = Decimal(1000)
MAX_ABS = Decimal(10) ** 12
_QUANTUM = Decimal("0.001")
_DECIMAL = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")  # ASCII digits only
_SHAPE = 'must be a decimal string such as "249.000"'


def parse_amount(value: object) -> Decimal:
    """A decimal string, integer or Decimal (JSON numbers arrive as Decimal) -> Decimal.

    Trailing zeros beyond three decimals are accepted ("1.5000" is 1.500): the value has
    at most three decimals. Raises ValueError with a message meant for the client.
    """
    if isinstance(value, bool | float):
        # Floats cannot carry money exactly; JSON numbers are parsed as Decimal upstream.
        raise ValueError(_SHAPE)
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str) and _DECIMAL.fullmatch(value):
        amount = Decimal(value)
    else:
        raise ValueError(_SHAPE)
    if not amount.is_finite():
        raise ValueError("must be a finite number")
    if abs(amount) >= MAX_ABS:
        raise ValueError("must be less than 10^12 in absolute value")
    if amount != amount.quantize(_QUANTUM):
        raise ValueError(f"must have at most {SCALE} decimal places")
    return amount


def to_milli(amount: Decimal) -> int:
    """Exact conversion; `amount` has at most three decimals (see parse_amount)."""
    return int(amount * MILLI)


def from_milli(milli: int) -> Decimal:
    return Decimal(milli).scaleb(-SCALE)


def format_milli(milli: int) -> str:
    """Thousandths -> the API's canonical string with exactly three decimals."""
    sign = "-" if milli < 0 else ""
    whole, frac = divmod(abs(milli), 1000)
    return f"{sign}{whole}.{frac:03d}"


def round_half_up(value: Decimal, places: int = 0) -> Decimal:
    """The project's single rounding rule: half away from zero."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
