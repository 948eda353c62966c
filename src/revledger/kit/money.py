"""Money: parsing, storage and formatting of amounts (rounding: kit/rounding.py).

Amounts are `Decimal` in code and whole thousandths (`amount_milli`, a 64-bit integer)
in the database, so sums are exact and identical on SQLite and PostgreSQL. revledger
never rounds a posted amount: an amount with more than three decimals is rejected.
"""

from __future__ import annotations

import re
from decimal import Decimal

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


# --- ledger units: what recognition and the journal count in ---------------------------

LEDGER_SCALE = 4
"""Recognition amounts are integers in ten-thousandths of the currency's major unit:
fine enough for an invoice's minor units in every ISO 4217 currency (CLF has four
decimals) and for a revenue record's thousandths, so nothing is ever rounded on entry."""


def minor_to_ledger(minor: int, minor_unit: int) -> int:
    """An amount in minor units (an invoice's amount_cents) -> ledger units."""
    return minor * 10 ** (LEDGER_SCALE - minor_unit)


def milli_to_ledger(milli: int) -> int:
    return milli * 10 ** (LEDGER_SCALE - SCALE)


def ledger_quantum(minor_unit: int) -> int:
    """Ledger units in one minor unit: the granularity shares are rounded to."""
    return 10 ** (LEDGER_SCALE - minor_unit)


def ledger_decimal(units: int, minor_unit: int) -> Decimal:
    """Ledger units -> exact Decimal in currency units, with at least the currency's
    decimals ("170.00" for 17,000 US cents) and more only when the value has them."""
    value = Decimal(units).scaleb(-LEDGER_SCALE)
    places = minor_unit
    while places < LEDGER_SCALE and value != value.quantize(Decimal(1).scaleb(-places)):
        places += 1
    return value.quantize(Decimal(1).scaleb(-places))


def format_ledger(units: int, minor_unit: int) -> str:
    return str(ledger_decimal(units, minor_unit))


def ledger_json_number(units: int) -> str:
    """Ledger units -> the text of a JSON number with at least one decimal, exact and
    without trailing zeros: 17,000 US cents -> "170.0", 1,250 -> "12.5" (seed 004)."""
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), 10**LEDGER_SCALE)
    digits = f"{frac:0{LEDGER_SCALE}d}".rstrip("0") or "0"
    return f"{sign}{whole}.{digits}"
