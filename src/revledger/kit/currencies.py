"""ISO 4217 currency codes (from pycountry's copy of the standard)."""

from __future__ import annotations

from functools import cache

import pycountry


@cache
def currency_codes() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


def parse_currency(value: object) -> str:
    """Any-case ISO 4217 code -> upper-case code; ValueError otherwise."""
    if not isinstance(value, str):
        raise ValueError("must be a three-letter ISO 4217 currency code")
    code = value.strip().upper()
    if len(code) != 3 or code not in currency_codes():
        raise ValueError(f"'{value}' is not an ISO 4217 currency code")
    return code
