"""Accounting periods: monthly, contiguous, created as data needs them; closed in order.

Closed periods always form a prefix of the calendar (a period closes only when every
earlier one is closed; only the latest closed one reopens), so "the first open period"
is simply the first period after that prefix, and anything new dated in a closed period
is posted there instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypedDict

from sqlalchemy.orm import Session

from revledger.errors import Conflict, NotFound, field_error
from revledger.events import bus
from revledger.kit.calendar import month_end, months_between, next_month, parse_period, period_name
from revledger.kit.ids import new_id
from revledger.kit.timeutil import parse_date, utcnow
from revledger.periods import repository
from revledger.periods.repository import PeriodRow

OPEN = "open"
CLOSED = "closed"
STATUSES = (OPEN, CLOSED)


class AccountingPeriodOut(TypedDict):
    """A period as the API shows it (the wire shape of `schemas.AccountingPeriodOut`)."""

    id: str
    name: str
    start_date: str
    end_date: str
    status: str
    closed_at: datetime | None
    closed_by: str | None


@dataclass
class Calendar:
    """The workspace's periods as one posting transaction sees them (under the lock)."""

    workspace_id: str
    periods: dict[date, str] = field(default_factory=dict)
    """start date -> status"""
    added: list[PeriodRow] = field(default_factory=list)
    first_open: date | None = None
    """The month after the last closed period; None when none is closed (nothing to
    redirect). Fixed for the posting: `need` only ever adds open periods."""

    def __post_init__(self) -> None:
        closed = [start for start, status in self.periods.items() if status == CLOSED]
        self.first_open = next_month(max(closed)) if closed else None

    def place(self, month: date) -> date:
        """The period an amount dated in `month` is posted to."""
        first_open = self.first_open
        return first_open if first_open is not None and month < first_open else month

    def need(self, months: Iterable[date], now: datetime) -> None:
        """Create the periods these months fall in, and any between them and the
        existing ones, so periods stay contiguous. Months are placed first (`place`), so
        none is before a closed period: new periods are always open."""
        wanted = set(months)
        if wanted.issubset(self.periods):
            return
        low, high = min(wanted), max(wanted)
        if self.periods:
            low, high = min(low, min(self.periods)), max(high, max(self.periods))
        for start in months_between(low, high):
            if start in self.periods:
                continue
            self.periods[start] = OPEN
            self.added.append(
                {
                    "id": new_id(),
                    "workspace_id": self.workspace_id,
                    "start_date": start,
                    "end_date": month_end(start),
                    "status": OPEN,
                    "closed_at": None,
                    "closed_by": None,
                    "created_at": now,
                }
            )


def load_calendar(session: Session, workspace_id: str) -> Calendar:
    return Calendar(
        workspace_id,
        {p["start_date"]: p["status"] for p in repository.listing(session, workspace_id)},
    )


def save_calendar(session: Session, calendar: Calendar) -> None:
    repository.add(session, calendar.added)
    calendar.added = []


def period_out(row: PeriodRow) -> AccountingPeriodOut:
    return {
        "id": row["id"],
        "name": period_name(row["start_date"]),
        "start_date": row["start_date"].isoformat(),
        "end_date": row["end_date"].isoformat(),
        "status": row["status"],
        "closed_at": row["closed_at"],
        "closed_by": row["closed_by"],
    }


def _date(name: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return parse_date(value)
    except ValueError:
        raise field_error(name, f"'{value}' is not a date (YYYY-MM-DD)") from None


def listing(
    session: Session,
    workspace_id: str,
    status: str | None,
    date_from: str | None,
    date_to: str | None,
) -> list[AccountingPeriodOut]:
    if status is not None and status not in STATUSES:
        raise field_error("status", f"must be one of {', '.join(STATUSES)}")
    lower, upper = _date("date_from", date_from), _date("date_to", date_to)
    if lower and upper and upper < lower:
        raise field_error("date_to", "must not be before date_from")
    rows = repository.listing(session, workspace_id, status, lower, upper)
    return [period_out(r) for r in rows]


def _find(rows: list[PeriodRow], ref: str) -> PeriodRow:
    for row in rows:
        if row["id"] == ref:
            return row
    try:
        start = parse_period(ref)
    except ValueError:
        start = None
    for row in rows:
        if row["start_date"] == start:
            return row
    raise NotFound(f"No accounting period '{ref}' in this workspace")


def close(session: Session, workspace_id: str, ref: str, who: str) -> AccountingPeriodOut:
    repository.lock(session, workspace_id)
    rows = repository.listing(session, workspace_id)
    period = _find(rows, ref)
    start, name = period["start_date"], period_name(period["start_date"])
    if period["status"] == CLOSED:
        raise Conflict(f"Accounting period {name} is already closed")
    earlier_open = [r for r in rows if r["start_date"] < start and r["status"] == OPEN]
    if earlier_open:
        first = earlier_open[0]
        raise Conflict(
            f"Accounting period {name} cannot be closed: the earlier "
            f"period {period_name(first['start_date'])} (id {first['id']}) is still open"
        )
    now = utcnow()
    repository.set_status(session, period["id"], CLOSED, now, who)
    bus.publish(session, bus.PeriodClosed(workspace_id, start, now))
    return {**period_out(period), "status": CLOSED, "closed_at": now, "closed_by": who}


def reopen(session: Session, workspace_id: str, ref: str) -> AccountingPeriodOut:
    repository.lock(session, workspace_id)
    rows = repository.listing(session, workspace_id)
    period = _find(rows, ref)
    start, name = period["start_date"], period_name(period["start_date"])
    if period["status"] == OPEN:
        raise Conflict(f"Accounting period {name} is not closed")
    later_closed = [r for r in rows if r["start_date"] > start and r["status"] == CLOSED]
    if later_closed:
        last = later_closed[-1]
        raise Conflict(
            f"Accounting period {name} cannot be reopened: only the "
            f"latest closed period ({period_name(last['start_date'])}, id {last['id']}) can be"
        )
    now = utcnow()
    repository.set_status(session, period["id"], OPEN, None, None)
    bus.publish(session, bus.PeriodReopened(workspace_id, start, now))
    return {**period_out(period), "status": OPEN, "closed_at": None, "closed_by": None}
