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


# ISO 4217 minor units that are not 2 (the standard's list, 2024). Codes without a minor
# unit (funds, metals, testing: "N.A." in the standard) count as 0.
_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_NONE = "XAG XAU XBA XBB XBC XBD XDR XPD XPT XSU XTS XUA XXX"
_MINOR_UNITS = {
    **dict.fromkeys(_ZERO.split(" "), 0),
    **dict.fromkeys(_NONE.split(" "), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}


def minor_unit(code: str) -> int:
    """How many decimals the currency's minor unit has (USD 2, JPY 0, KWD 3, CLF 4)."""
    return _MINOR_UNITS.get(code, 2)
