"""Pure journal calculations: the lines of an entry, summaries and batch differences.

Double entry (issue 4, the recognition contract):
- posting an event (its `amount` != 0), in the event's billed period:
  debit accounts receivable / credit deferred revenue;
- recognizing an item (its period is not `Open-Ended`), in the item's period:
  debit deferred revenue / credit revenue, or the `refunds` (contra-revenue) account
  when the schedule is a refund.
A negative amount is written on the opposite side as a positive number, so a refund
record (negative) credits receivable and debits refunds. Every pair has one debit and
one credit of the same amount, so every entry, and every summary of entries, balances
per currency (and per period).

Amounts are integers in ledger units (kit.money.LEDGER_SCALE); nothing here rounds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from revledger.accounts.rules import AccountNames
from revledger.kit.calendar import OPEN_ENDED

REFUND_KINDS = frozenset({"refund"})
"""Schedule kinds whose recognition goes to the `refunds` account (an invoice of type
refund, a revenue record of type refund)."""


@dataclass(frozen=True)
class Accounts:
    """The four account names of an account set."""

    accounts_receivable: str
    deferred_revenue: str
    revenue: str
    refunds: str

    @classmethod
    def of(cls, names: AccountNames) -> Accounts:
        """From the four names (a row of gl_account_sets has them)."""
        return cls(
            names["accounts_receivable"],
            names["deferred_revenue"],
            names["revenue"],
            names["refunds"],
        )


BILLED = "billed"
RECOGNIZED = "recognized"


@dataclass(frozen=True)
class Line:
    account: str
    currency: str
    period_start: date
    debit: int
    credit: int
    kind: str = ""
    """`billed` (an event's posting) or `recognized` (an item); '' on summary lines."""


Key = tuple[str, str, date]
"""(account, currency, period start): what summary lines are grouped by."""


def _pair(
    debit_account: str, credit_account: str, amount: int, currency: str, period: date, kind: str
) -> list[Line]:
    if amount == 0:
        return []
    if amount < 0:  # the opposite side, as a positive number
        debit_account, credit_account, amount = credit_account, debit_account, -amount
    return [
        Line(debit_account, currency, period, amount, 0, kind),
        Line(credit_account, currency, period, 0, amount, kind),
    ]


def posting_lines(
    accounts: Accounts, amount: int, currency: str, billed_period: date
) -> list[Line]:
    """What an event adds to the billed amount: receivable against deferred revenue."""
    return _pair(
        accounts.accounts_receivable,
        accounts.deferred_revenue,
        amount,
        currency,
        billed_period,
        BILLED,
    )


def recognition_lines(
    accounts: Accounts, refund: bool, amount: int, currency: str, period_start: date
) -> list[Line]:
    """An item recognized in its period: deferred revenue against revenue (or refunds).
    Items in the Open-Ended period are not recognized and make no line."""
    if period_start >= OPEN_ENDED:
        return []
    income = accounts.refunds if refund else accounts.revenue
    return _pair(accounts.deferred_revenue, income, amount, currency, period_start, RECOGNIZED)


def entry_lines(
    accounts: Accounts,
    refund: bool,
    amount: int,
    currency: str,
    billed_period: date,
    items: Iterable[tuple[date, int]],
) -> list[Line]:
    """The journal entry of one revenue event: its posting, then its items in period
    order. `items` are (period start, amount)."""
    lines = posting_lines(accounts, amount, currency, billed_period)
    for period_start, item_amount in sorted(items):
        lines.extend(recognition_lines(accounts, refund, item_amount, currency, period_start))
    return lines


def summarize(lines: Iterable[Line]) -> dict[Key, tuple[int, int]]:
    """(account, currency, period) -> (total debits, total credits). Debits and credits
    are kept apart (a summary line can have both), as Zuora's summary journals do."""
    out: dict[Key, tuple[int, int]] = {}
    for line in lines:
        key = (line.account, line.currency, line.period_start)
        debit, credit = out.get(key, (0, 0))
        out[key] = (debit + line.debit, credit + line.credit)
    return out


def difference(
    now: Mapping[Key, tuple[int, int]], sent: Mapping[Key, tuple[int, int]]
) -> list[Line]:
    """The summary lines still to send: what the period holds now minus what earlier
    batches of it already hold, by account, currency and period; keys without a
    difference are left out. Events and items are never changed or deleted and a
    schedule's account set never changes, so totals only grow and the difference is
    never negative; if it ever were, it is written on the opposite side, so the lines
    still balance and the batches still add up to the period. Lines are ordered by
    currency, period and account."""
    out: list[Line] = []
    for key in sorted(set(now) | set(sent), key=lambda k: (k[1], k[2], k[0])):
        debit_now, credit_now = now.get(key, (0, 0))
        debit_sent, credit_sent = sent.get(key, (0, 0))
        debit, credit = debit_now - debit_sent, credit_now - credit_sent
        if debit < 0:
            debit, credit = 0, credit - debit
        if credit < 0:
            debit, credit = debit - credit, 0
        if debit or credit:
            out.append(Line(key[0], key[1], key[2], debit, credit))
    return out


def balances(lines: Iterable[Line]) -> dict[str, tuple[int, int]]:
    """currency -> (total debits, total credits)."""
    out: dict[str, tuple[int, int]] = {}
    for line in lines:
        debit, credit = out.get(line.currency, (0, 0))
        out[line.currency] = (debit + line.debit, credit + line.credit)
    return out
