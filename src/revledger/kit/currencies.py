"""ISO 4217 currencies: the codes and each one's minor unit, from one table — the
`iso4217` package, which ships the standard's published list (updated upstream when the
maintenance agency publishes an amendment). Recognition, the journal, reports and
metrics all ask here, so they always agree on how many decimals a currency has."""

from __future__ import annotations

from functools import cache

import iso4217


@cache
def _minor_units() -> dict[str, int]:
    # Funds, metals and testing codes have no minor unit ("N.A." in the standard; the
    # package says None): amounts in them count in whole units, as 0 decimals.
    return {c.code: c.exponent or 0 for c in iso4217.Currency}


@cache
def currency_codes() -> frozenset[str]:
    return frozenset(_minor_units())


def parse_currency(value: object) -> str:
    """Any-case ISO 4217 code -> upper-case code; ValueError otherwise."""
    if not isinstance(value, str):
        raise ValueError("must be a three-letter ISO 4217 currency code")
    code = value.strip().upper()
    if len(code) != 3 or code not in currency_codes():
        raise ValueError(f"'{value}' is not an ISO 4217 currency code")
    return code


def minor_unit(code: str) -> int:
    """How many decimals the currency's minor unit has (USD 2, JPY 0, KWD 3, CLF 4, XAU 0).

    A code the table does not list (one withdrawn after amounts in it were stored)
    counts as 2, the common case, as it always has."""
    return _minor_units().get(code, 2)
