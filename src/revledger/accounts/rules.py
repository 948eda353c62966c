"""Pure checks on GL account names, and the four accounts of a set."""

from __future__ import annotations

from typing import Literal, TypedDict

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def account_name_problem(name: str) -> str | None:
    """Why an account name cannot be used, or None. Names go to the GL as they are, in
    JSON and in the batch CSV, so a name a spreadsheet would run as a formula is refused
    rather than altered."""
    if not name:
        return "must not be empty"
    if len(name) > 200:
        return "must be at most 200 characters"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "must not contain control characters"
    if name.startswith(_FORMULA_START):
        return "must not start with =, +, -, @ (a spreadsheet would read it as a formula)"
    return None


AccountField = Literal["accounts_receivable", "deferred_revenue", "revenue", "refunds"]
ACCOUNT_FIELDS: tuple[AccountField, ...] = (
    "accounts_receivable",
    "deferred_revenue",
    "revenue",
    "refunds",
)


class AccountNames(TypedDict):
    """The four account names of a set (the wire shape of `schemas.AccountNames`)."""

    accounts_receivable: str
    deferred_revenue: str
    revenue: str
    refunds: str
