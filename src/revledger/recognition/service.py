"""Revenue schedules and the events that change them (seed 004).

Called inside the import transactions: `post_invoices` from the invoice import and
`post_revenues` from the revenue-record posting, so a schedule exists exactly when its
invoice or record does (one schedule per origin, by a unique constraint). Each posting
first takes the workspace's recognition lock (periods/repository.py `lock`), so numbers
are gap-free and no period closes while an event is put into it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any, Literal, NotRequired, TypedDict, Unpack

import orjson
from sqlalchemy import Row
from sqlalchemy.orm import Session

from revledger.accounts import service as gl_accounts
from revledger.errors import NotFound, field_error
from revledger.kit.calendar import (
    OPEN_ENDED,
    OPEN_ENDED_NAME,
    RECOGNITION_RULES,
    check_year,
    month_end,
    month_start,
    months_between,
    parse_period,
    period_name,
)
from revledger.kit.currencies import minor_unit
from revledger.kit.ids import new_id
from revledger.kit.money import (
    LEDGER_SCALE,
    format_ledger,
    ledger_json_number,
    ledger_quantum,
    milli_to_ledger,
    minor_to_ledger,
)
from revledger.kit.pagination import PageCounts, PageParams, page_meta
from revledger.kit.timeutil import get_zone, parse_date, utcnow
from revledger.periods import repository as periods
from revledger.periods.service import Calendar, load_calendar, save_calendar
from revledger.recognition import repository
from revledger.recognition.records import (
    EventRow,
    ItemRow,
    PostedInvoice,
    PostedRevenue,
    ScheduleFields,
    ScheduleFilters,
    ScheduleRow,
    Totals,
)
from revledger.recognition.rules import (
    MAX_PERIODS,
    event_number,
    kept_before,
    parse_schedule_number,
    schedule_number,
    spread,
)
from revledger.recognition.schemas import DateRange, PeriodAmount
from revledger.sources.service import require as require_source

POSTED = "Invoice Posted"
ADJUSTED = "Invoice Item Adjustment Created"
CANCELED = "Invoice Canceled"
DISTRIBUTED = "Revenue Distributed"
SCHEDULED_INVOICES = ("subscription", "one-time")


@dataclass
class Posting:
    """What one transaction adds: new schedules, events and items, changed schedules."""

    workspace_id: str
    now: datetime
    zone: tzinfo
    calendar: Calendar
    last_schedule: int
    last_event: int
    schedules: list[ScheduleRow] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    items: list[ItemRow] = field(default_factory=list)
    changed: dict[str, ScheduleRow] = field(default_factory=dict)

    def local(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def schedule(self, **fields: Unpack[ScheduleFields]) -> ScheduleRow:
        self.last_schedule += 1
        row: ScheduleRow = {
            "pk": new_id(),
            "workspace_id": self.workspace_id,
            "number": self.last_schedule,
            "created_at": self.now,
            **fields,
        }
        self.schedules.append(row)
        return row

    def event(
        self,
        schedule: ScheduleRow,
        event_type: str,
        amount: int,
        event_date: date,
        shares: dict[date, int],
        recognition: tuple[date, date] | None,
        notes: str | None,
        difference: bool = False,
    ) -> EventRow | None:
        """Add an event whose items are `shares` (month start or OPEN_ENDED -> amount),
        each moved to the first open period when its own is closed: one item per period
        the event touches, even one whose share rounds to zero. A `difference` event
        (month-by-month change between two spreads) keeps only the periods that change.
        Nothing is added when the event changes nothing."""
        placed: dict[date, int] = {}
        for month, value in shares.items():
            period = month if month == OPEN_ENDED else self.calendar.place(month)
            placed[period] = placed.get(period, 0) + value
        if difference:
            placed = {p: v for p, v in placed.items() if v != 0}
        if amount == 0 and not any(placed.values()) and (difference or not placed):
            return None
        billed = self.calendar.place(month_start(event_date))
        self.calendar.need([billed, *(p for p in placed if p != OPEN_ENDED)], self.now)
        self.last_event += 1
        event: EventRow = {
            "pk": new_id(),
            "workspace_id": self.workspace_id,
            "number": self.last_event,
            "schedule_pk": schedule["pk"],
            "event_type": event_type,
            "amount": amount,
            "currency": schedule["currency"],
            "billed_period": billed,
            "event_date": event_date,
            "recognition_start": recognition[0] if recognition else None,
            "recognition_end": recognition[1] if recognition else None,
            "notes": notes,
            "created_at": self.now,
        }
        self.events.append(event)
        for period, value in sorted(placed.items()):
            self.items.append(
                {
                    "event_pk": event["pk"],
                    "period_start": period,
                    "workspace_id": self.workspace_id,
                    "schedule_pk": schedule["pk"],
                    "currency": schedule["currency"],
                    "billed_period": billed,
                    "amount": value,
                }
            )
        return event

    def save(self, session: Session) -> None:
        save_calendar(session, self.calendar)
        repository.insert_schedules(session, self.schedules)
        repository.insert_events(session, self.events)
        repository.insert_items(session, self.items)
        new = {s["pk"] for s in self.schedules}
        repository.update_schedules(
            session, [row for pk, row in self.changed.items() if pk not in new]
        )
        periods.set_counters(session, self.workspace_id, self.last_schedule, self.last_event)


def _begin(session: Session, workspace_id: str, now: datetime) -> Posting:
    last_schedule, last_event = periods.lock(session, workspace_id)
    zone = get_zone(periods.timezone(session, workspace_id))
    return Posting(
        workspace_id, now, zone, load_calendar(session, workspace_id), last_schedule, last_event
    )


def _quantum(currency: str) -> int:
    return ledger_quantum(minor_unit(currency))


def _recognition_span(schedule: ScheduleRow) -> tuple[date, date] | None:
    """Zuora's recognitionStart/End (inclusive end) of a schedule's current range."""
    if schedule["rule"] == "manual":
        return None
    start, end = schedule["start_date"], schedule["end_date"]
    if end <= start:
        return (start, start)
    return (start, date.fromordinal(end.toordinal() - 1))


def _shares(schedule: ScheduleRow, amount: int) -> dict[date, int]:
    """How `amount` of this schedule spreads under its rule (manual: all Open-Ended)."""
    if schedule["rule"] == "manual":
        return {OPEN_ENDED: amount}
    return spread(
        schedule["rule"],
        amount,
        schedule["start_date"],
        schedule["end_date"],
        _quantum(schedule["currency"]),
    )


# --- invoices -----------------------------------------------------------------------------


def post_invoices(
    session: Session,
    workspace_id: str,
    inserted: Iterable[PostedInvoice],
    replaced: Sequence[tuple[PostedInvoice, PostedInvoice]],
    now: datetime,
    stored_cancellations: Sequence[PostedInvoice],
) -> None:
    """Schedules and events for an invoice import: `inserted` are new invoice rows,
    `replaced` (stored row, new row) the updated ones, in request order.
    `stored_cancellations`: the stored cancellations (and refunds naming a subscription)
    of the customers of new subscription invoices, replayed against their new schedules
    (a cancellation may arrive before the invoice it ends)."""
    new = list(inserted)
    if not new and not replaced:
        return
    posting = _begin(session, workspace_id, now)
    rules = _invoice_rules(session, [*new, *(n for _, n in replaced)])
    accounts = gl_accounts.account_set_ids(
        session,
        workspace_id,
        {(r["source_id"], r["plan_pk"]) for r in [*new, *(n for _, n in replaced)]},
        now,
    )
    schedules: dict[str, ScheduleRow] = {}  # invoice pk -> schedule (this request's view)
    for row in repository.by_origin(
        session, workspace_id, "invoice", sorted({old["pk"] for old, _ in replaced})
    ):
        schedules[row["origin_pk"]] = row

    def create(invoice: PostedInvoice) -> None:
        schedule = _invoice_schedule(posting, invoice, rules, accounts)
        schedules[invoice["pk"]] = schedule
        posting.event(
            schedule,
            POSTED,
            schedule["amount"],
            posting.local(invoice["date"]),
            _shares(schedule, schedule["amount"]),
            _recognition_span(schedule),
            f"Invoice {invoice['external_id']} posted (version {invoice.get('version', 1)})",
        )

    cancellations: list[PostedInvoice] = []
    for invoice in new:
        if invoice["type"] in SCHEDULED_INVOICES:
            create(invoice)
        else:
            cancellations.append(invoice)
    for old, updated in replaced:
        schedule = schedules.get(old["pk"])
        if schedule is None:
            if updated["type"] in SCHEDULED_INVOICES:
                create(updated)
            continue
        _adjust(posting, schedule, old, updated, rules)
    if cancellations:
        _cancel(session, posting, cancellations, schedules, rules, accounts)
    if any(s["kind"] == "subscription" for s in posting.schedules):
        batch = {i["pk"] for i in new}
        stored = [i for i in stored_cancellations if i["pk"] not in batch]
        if stored:
            _cancel(session, posting, stored, schedules, rules, accounts, replay=True)
    posting.save(session)


@dataclass(frozen=True, slots=True)
class _Rules:
    """The recognition rules the invoices of one posting name, by source id and plan pk."""

    sources: dict[str, str | None]
    plans: dict[str, str | None]


def _invoice_rules(session: Session, invoices: list[PostedInvoice]) -> _Rules:
    sources = repository.source_rules(session, {i["source_id"] for i in invoices})
    plans = repository.plan_rules(session, {i["plan_pk"] for i in invoices if i["plan_pk"]})
    return _Rules(sources, plans)


def _rule_and_range(
    posting: Posting, invoice: PostedInvoice, rules: _Rules
) -> tuple[str, date, date]:
    plan_pk = invoice["plan_pk"]
    rule = (rules.plans.get(plan_pk) if plan_pk else None) or rules.sources.get(
        invoice["source_id"]
    )
    start, end = posting.local(invoice["start_date"]), posting.local(invoice["end_date"])
    day = posting.local(invoice["date"])
    if rule is None:
        rule = "on_date" if end <= start else "daily"
    if rule == "on_date" or (end <= start and rule != "manual"):
        return "on_date", day, day
    if rule != "manual" and len(months_between(start, end)) > MAX_PERIODS:
        # Zuora refuses a recognition range over 250 periods; the invoice is already
        # stored, so its amount waits in Open-Ended for a manual distribution instead.
        return "manual", start, end
    return rule, start, end


def _invoice_schedule(
    posting: Posting,
    invoice: PostedInvoice,
    rules: _Rules,
    accounts: dict[tuple[str, str | None], str],
    amount: int | None = None,
) -> ScheduleRow:
    """A new schedule for `invoice`, of its amount (negative for a refund) unless
    `amount` is given."""
    rule, start, end = _rule_and_range(posting, invoice, rules)
    currency = invoice["currency"]
    if amount is None:
        amount = minor_to_ledger(invoice["amount_cents"], minor_unit(currency))
        if invoice["type"] == "refund":
            amount = -amount
    return posting.schedule(
        source_id=invoice["source_id"],
        origin="invoice",
        origin_pk=invoice["pk"],
        external_id=invoice["external_id"],
        kind=invoice["type"],
        customer_id=invoice["customer_id"],
        subscription_id=invoice["subscription_id"],
        plan_pk=invoice["plan_pk"],
        plan_id=invoice["plan_id"],
        product_id=None,
        currency=currency,
        rule=rule,
        start_date=start,
        end_date=end,
        amount=amount,
        gl_accounts_id=accounts[(invoice["source_id"], invoice["plan_pk"])],
    )


def _adjust(
    posting: Posting,
    schedule: ScheduleRow,
    old: PostedInvoice,
    new: PostedInvoice,
    rules: _Rules,
) -> None:
    """An updated invoice: one `Invoice Item Adjustment Created` event carrying the
    difference. Same rule and dates: the difference is spread by the rule; otherwise the
    event moves each month from the old spread to the new one."""
    if new["currency"] != schedule["currency"] or new["type"] not in SCHEDULED_INVOICES:
        return  # a schedule keeps its currency and kind; such an update is not revenue
    rule, start, end = _rule_and_range(posting, new, rules)
    if schedule["rule"] == "manual":
        rule = "manual"
    amount = minor_to_ledger(new["amount_cents"], minor_unit(schedule["currency"]))
    difference = amount - schedule["amount"]
    target: ScheduleRow = {
        **schedule,
        "rule": rule,
        "start_date": start,
        "end_date": end,
        "amount": amount,
    }
    same_spread = (rule, start, end) == (
        schedule["rule"],
        schedule["start_date"],
        schedule["end_date"],
    )
    if same_spread:
        shares = _shares(schedule, difference) if difference else {}
    else:
        shares = _shares(target, amount)
        for month, value in _shares(schedule, schedule["amount"]).items():
            shares[month] = shares.get(month, 0) - value
    event = posting.event(
        schedule,
        ADJUSTED,
        difference,
        posting.local(new["date"]),
        shares,
        _recognition_span(target),
        f"Invoice {new['external_id']} updated to version {new['version']}: amount "
        f"{old['amount_cents']} -> {new['amount_cents']} minor units",
        difference=not same_spread,
    )
    if event is not None or not same_spread:
        schedule.update({"rule": rule, "start_date": start, "end_date": end, "amount": amount})
        posting.changed[schedule["pk"]] = schedule


def _cancel(
    session: Session,
    posting: Posting,
    invoices: list[PostedInvoice],
    schedules: dict[str, ScheduleRow],
    rules: _Rules,
    accounts: dict[tuple[str, str | None], str],
    replay: bool = False,
) -> None:
    """Cancellation and refund invoices. For a subscription, the part of each of its
    schedules running on the invoice's date (start <= date < end) from that date on is
    reversed (`Invoice Canceled`). A refund that matches no subscription reverses a
    one-time charge of the customer (the latest one dated on or before it, up to what is
    left of it), or else is a negative schedule of its own. `replay`: cancellations
    stored earlier, applied to schedules that arrived after them (a schedule already cut
    at that date is not running then, so nothing is reversed twice)."""
    known = {**{s["origin_pk"]: s for s in posting.schedules}, **schedules}
    subscription_keys = {
        (i["source_id"], i["subscription_id"]) for i in invoices if i["subscription_id"]
    }
    for row in repository.by_subscriptions(session, posting.workspace_id, subscription_keys):
        known.setdefault(row["origin_pk"], row)
    customer_keys = {(i["source_id"], i["customer_id"]) for i in invoices if i["type"] == "refund"}
    for row in repository.one_time_of_customers(session, posting.workspace_id, customer_keys):
        known.setdefault(row["origin_pk"], row)
    manual = [s["pk"] for s in known.values() if s["rule"] == "manual"]
    open_ended = repository.undistributed(session, manual)
    for s in posting.schedules:
        if s["rule"] == "manual":
            open_ended[s["pk"]] = s["amount"]

    for invoice in sorted(invoices, key=lambda i: (i["date"], i["external_id"])):
        cut = posting.local(invoice["date"])
        note = f"{invoice['type'].capitalize()} invoice {invoice['external_id']} on {cut}"
        targets = [
            s
            for s in known.values()
            if invoice["subscription_id"]
            and s["kind"] == "subscription"
            and s["source_id"] == invoice["source_id"]
            and s["subscription_id"] == invoice["subscription_id"]
            and s["start_date"] <= cut < s["end_date"]
            and s["amount"] != 0
        ]
        for schedule in sorted(targets, key=lambda s: s["number"]):
            _reverse_from(posting, schedule, cut, note, open_ended)
        if targets or invoice["type"] != "refund" or replay:
            continue
        refund = minor_to_ledger(invoice["amount_cents"], minor_unit(invoice["currency"]))
        charges = [
            s
            for s in known.values()
            if s["kind"] == "one-time"
            and s["source_id"] == invoice["source_id"]
            and s["customer_id"] == invoice["customer_id"]
            and s["currency"] == invoice["currency"]
            and s["start_date"] <= cut
            and s["amount"] > 0
        ]
        if charges:
            charge = max(charges, key=lambda s: (s["start_date"], s["number"]))
            reversed_amount = -min(refund, charge["amount"])
            shares = (
                {OPEN_ENDED: reversed_amount}
                if charge["rule"] == "manual"
                else {month_start(cut): reversed_amount}
            )
            posting.event(charge, CANCELED, reversed_amount, cut, shares, (cut, cut), note)
            charge["amount"] += reversed_amount
            posting.changed[charge["pk"]] = charge
            refund += reversed_amount
            if refund == 0:
                continue
        # nothing (left) to reverse: the refund, or what exceeds the charge, is billed
        # as a negative schedule of its own, so no refunded cent is lost
        schedule = _invoice_schedule(posting, invoice, rules, accounts, -refund)
        posting.event(
            schedule,
            POSTED,
            schedule["amount"],
            cut,
            _shares(schedule, schedule["amount"]),
            _recognition_span(schedule),
            f"Refund invoice {invoice['external_id']} posted "
            f"({'beyond the charge it reverses' if charges else 'no charge to reverse'})",
        )


def _reverse_from(
    posting: Posting,
    schedule: ScheduleRow,
    cut: date,
    note: str,
    open_ended: dict[str, int],
) -> None:
    if schedule["rule"] == "manual":
        remainder = open_ended.get(schedule["pk"], 0)
        if remainder:
            posting.event(schedule, CANCELED, -remainder, cut, {OPEN_ENDED: -remainder}, None, note)
            open_ended[schedule["pk"]] = 0
            schedule["amount"] -= remainder
            posting.changed[schedule["pk"]] = schedule
        return
    quantum = _quantum(schedule["currency"])
    start, end, amount = schedule["start_date"], schedule["end_date"], schedule["amount"]
    if schedule["rule"] == "on_date" or end <= start:
        kept = amount if start < cut else 0
    else:
        kept = kept_before(schedule["rule"], amount, start, end, cut, quantum)
    if kept == amount:
        return
    before = _shares(schedule, amount)
    target: ScheduleRow = {**schedule, "end_date": max(start, cut), "amount": kept}
    after = _shares(target, kept) if kept else {}
    shares = dict(after)
    for month, value in before.items():
        shares[month] = shares.get(month, 0) - value
    posting.event(schedule, CANCELED, kept - amount, cut, shares, (cut, cut), note, difference=True)
    schedule.update({"end_date": max(start, cut), "amount": kept})
    posting.changed[schedule["pk"]] = schedule


# --- revenue records ----------------------------------------------------------------------


def post_revenues(
    session: Session, workspace_id: str, records: Sequence[PostedRevenue], now: datetime
) -> None:
    """One schedule and one `Invoice Posted` event per new revenue record: recognized on
    its `occurred_at` date (rule `on_date`), or held Open-Ended when its source's rule is
    `manual`."""
    if not records:
        return
    posting = _begin(session, workspace_id, now)
    source_rules = repository.source_rules(session, {r["revenue_source_id"] for r in records})
    accounts = gl_accounts.account_set_ids(
        session, workspace_id, {(r["revenue_source_id"], None) for r in records}, now
    )
    for record in records:
        day = posting.local(record["occurred_at"])
        rule = "manual" if source_rules.get(record["revenue_source_id"]) == "manual" else "on_date"
        schedule = posting.schedule(
            source_id=record["revenue_source_id"],
            origin="revenue",
            origin_pk=record["id"],
            external_id=record["external_id"],
            kind=record["type"],
            customer_id=None,
            subscription_id=None,
            plan_pk=None,
            plan_id=None,
            product_id=record.get("external_product_identifier"),
            currency=record["currency"],
            rule=rule,
            start_date=day,
            end_date=day,
            amount=milli_to_ledger(record["amount_milli"]),
            gl_accounts_id=accounts[(record["revenue_source_id"], None)],
        )
        posting.event(
            schedule,
            POSTED,
            schedule["amount"],
            day,
            _shares(schedule, schedule["amount"]),
            _recognition_span(schedule),
            f"Revenue record {record['external_id']} ({record['type']}) posted",
        )
    posting.save(session)


# --- manual distribution ------------------------------------------------------------------


def distribute(
    session: Session,
    workspace_id: str,
    number: str,
    shares: dict[date, int] | None,
    date_range: tuple[date, date] | None,
) -> str | None:
    """A `Revenue Distributed` event on a manual schedule: amounts per period (or spread
    by day over a date range, inclusive end), taken out of Open-Ended. Returns the
    event's number, or None when nothing moved."""
    now = utcnow()
    posting = _begin(session, workspace_id, now)
    schedule = _schedule_row(session, workspace_id, number)
    if schedule["rule"] != "manual":
        raise field_error(
            "rule",
            f"schedule {number} uses the '{schedule['rule']}' rule; only manual schedules "
            "can be distributed",
        )
    available = repository.undistributed(session, [schedule["pk"]]).get(schedule["pk"], 0)
    if date_range is not None:
        start, last = date_range
        end = date.fromordinal(last.toordinal() + 1)
        total = available
        shares = spread("daily", total, start, end, _quantum(schedule["currency"]))
        recognition: tuple[date, date] | None = (start, last)
    else:
        assert shares is not None
        total = sum(shares.values())
        recognition = None
    if total > available:
        raise field_error(
            "amount",
            f"the total to distribute exceeds what {number} has undistributed "
            f"({available} ledger units)",
        )
    moves = dict(shares)
    moves[OPEN_ENDED] = moves.get(OPEN_ENDED, 0) - total
    event = posting.event(
        schedule,
        DISTRIBUTED,
        0,
        posting.local(now),
        moves,
        recognition,
        "Distributed by the API",
    )
    posting.save(session)
    return event_number(event["number"]) if event else None


def _schedule_row(session: Session, workspace_id: str, number: str) -> ScheduleRow:
    parsed = parse_schedule_number(number)
    row = None if parsed is None else repository.schedule_by_number(session, workspace_id, parsed)
    if row is None:
        raise NotFound(f"Revenue schedule {number} does not exist in this workspace")
    return row


# --- reading ------------------------------------------------------------------------------

SEED_PAGE_SIZE = 300


class ScheduleOrigin(TypedDict):
    """The wire shape of `schemas.ScheduleOrigin`."""

    type: str
    id: str
    record_id: str | None
    source_id: str
    kind: str


class ScheduleOut(TypedDict):
    """A schedule as the API shows it (the wire shape of `schemas.ScheduleOut`)."""

    number: str
    origin: ScheduleOrigin
    customer_id: str | None
    subscription_id: str | None
    plan_id: str | None
    product_id: str | None
    currency: str
    rule: str
    recognition_start: str | None
    recognition_end: str | None
    amount: str
    recognized: str
    deferred: str
    undistributed: str
    as_of: str
    created_at: datetime


class ScheduleList(TypedDict):
    """The wire shape of `schemas.ScheduleList`."""

    data: list[ScheduleOut]
    meta: PageCounts


class DistributedSchedule(ScheduleOut):
    """The wire shape of `schemas.DistributedSchedule`: the schedule after a
    distribution, with the event it made."""

    event: str | None


class RevenueItemOut(TypedDict):
    """Seed 004's revenue item (the wire shape of `schemas.RevenueItemOut`)."""

    accountingPeriodName: str
    isAccountingPeriodClosed: bool
    amount: orjson.Fragment
    currency: str
    accountingPeriodStartDate: str
    accountingPeriodEndDate: str | None


class RevenueEventOut(TypedDict):
    """Seed 004's revenue event (the wire shape of `schemas.RevenueEventOut`)."""

    number: str
    currency: str
    notes: str | None
    accountId: str | None
    subscriptionId: str | None
    subscriptionChargeId: str
    productChargeId: str | None
    createdOn: str
    eventType: str
    recognitionStart: str | None
    recognitionEnd: str | None
    revenueItems: list[RevenueItemOut]


class RevenueEventsPage(TypedDict):
    """Seed 004's answer (the wire shape of `schemas.RevenueEventsPage`)."""

    revenueEventDetails: list[RevenueEventOut]
    nextPage: NotRequired[str]
    success: Literal[True]


def _created_on(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def _number(units: int) -> orjson.Fragment:
    """A JSON number written exactly from ledger units (`170.0`), as seed 004 shows."""
    return orjson.Fragment(ledger_json_number(units).encode())


def revenue_events(
    session: Session, workspace_id: str, number: str, page_size: int, page: int, path: str
) -> RevenueEventsPage:
    """Seed 004: the events of one schedule with their revenue items."""
    schedule = _schedule_row(session, workspace_id, number)
    zone = get_zone(periods.timezone(session, workspace_id))
    size = min(page_size, SEED_PAGE_SIZE)
    rows = repository.events_page(session, schedule["pk"], (page - 1) * size, size + 1)
    more = len(rows) > size
    rows = rows[:size]
    statuses = {p.start_date: p.status for p in periods.all_periods(session, workspace_id)}
    items: dict[str, list[Row[Any]]] = {}
    for item in repository.items_of_events(session, [r.pk for r in rows]):
        items.setdefault(item.event_pk, []).append(item)
    charge = schedule["plan_id"] if schedule["origin"] == "invoice" else schedule["product_id"]
    details: list[RevenueEventOut] = []
    for event in rows:
        details.append(
            {
                "number": event_number(event.number),
                "currency": event.currency,
                "notes": event.notes,
                "accountId": schedule["customer_id"],
                "subscriptionId": schedule["subscription_id"],
                "subscriptionChargeId": schedule["external_id"],
                "productChargeId": charge,
                "createdOn": _created_on(event.created_at, zone),
                "eventType": event.event_type,
                "recognitionStart": _iso(event.recognition_start),
                "recognitionEnd": _iso(event.recognition_end),
                "revenueItems": [_item_out(i, event, statuses) for i in items.get(event.pk, [])],
            }
        )
    if more:
        next_page = f"{path}?pageSize={size}&page={page + 1}"
        return {"revenueEventDetails": details, "nextPage": next_page, "success": True}
    return {"revenueEventDetails": details, "success": True}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _item_out(item: Row[Any], event: Row[Any], statuses: dict[date, str]) -> RevenueItemOut:
    if item.period_start == OPEN_ENDED:
        return {
            "accountingPeriodName": OPEN_ENDED_NAME,
            "isAccountingPeriodClosed": False,
            "amount": _number(item.amount),
            "currency": item.currency,
            "accountingPeriodStartDate": event.event_date.isoformat(),
            "accountingPeriodEndDate": None,
        }
    return {
        "accountingPeriodName": period_name(item.period_start),
        "isAccountingPeriodClosed": statuses.get(item.period_start) == "closed",
        "amount": _number(item.amount),
        "currency": item.currency,
        "accountingPeriodStartDate": item.period_start.isoformat(),
        "accountingPeriodEndDate": month_end(item.period_start).isoformat(),
    }


def schedule_out(row: ScheduleRow, totals: Totals, as_of: date) -> ScheduleOut:
    """`recognized`: the items in periods up to the end of the one containing `as_of`;
    `deferred`: the rest of what was billed (scheduled later, or still Open-Ended)."""
    digits = minor_unit(row["currency"])
    span = _recognition_span(row)
    recognized = totals["recognized"]
    return {
        "number": schedule_number(row["number"]),
        "origin": {
            "type": row["origin"],
            "id": row["external_id"],
            "record_id": row["origin_pk"] if row["origin"] == "revenue" else None,
            "source_id": row["source_id"],
            "kind": row["kind"],
        },
        "customer_id": row["customer_id"],
        "subscription_id": row["subscription_id"],
        "plan_id": row["plan_id"],
        "product_id": row["product_id"],
        "currency": row["currency"],
        "rule": row["rule"],
        "recognition_start": _iso(span[0]) if span else None,
        "recognition_end": _iso(span[1]) if span else None,
        "amount": format_ledger(row["amount"], digits),
        "recognized": format_ledger(recognized, digits),
        "deferred": format_ledger(row["amount"] - recognized, digits),
        "undistributed": format_ledger(totals["undistributed"], digits),
        "as_of": as_of.isoformat(),
        "created_at": row["created_at"],
    }


def _as_of(session: Session, workspace_id: str, value: str | None) -> date:
    """A date (default: today in the workspace's timezone)."""
    if not value:
        return utcnow().astimezone(get_zone(periods.timezone(session, workspace_id))).date()
    try:
        return check_year(parse_date(value))
    except ValueError as exc:
        raise field_error("as_of", str(exc)) from None


def get_schedule(
    session: Session, workspace_id: str, number: str, as_of: str | None = None
) -> ScheduleOut:
    row = _schedule_row(session, workspace_id, number)
    day = _as_of(session, workspace_id, as_of)
    totals = repository.totals_of(session, [row["pk"]], month_start(day))
    return schedule_out(row, totals[row["pk"]], day)


def list_schedules(
    session: Session,
    workspace_id: str,
    filters: dict[str, str | None],
    period: str | None,
    page: PageParams,
    as_of: str | None = None,
) -> ScheduleList:
    columns: ScheduleFilters = {
        "customer_id": filters.get("customer_id"),
        "subscription_id": filters.get("subscription_id"),
    }
    if filters.get("invoice_id"):
        columns["origin"] = "invoice"
        columns["external_id"] = filters["invoice_id"]
    rule = filters.get("rule")
    if rule is not None and rule not in RECOGNITION_RULES:
        raise field_error("rule", f"must be one of {', '.join(RECOGNITION_RULES)}")
    columns["rule"] = rule
    if filters.get("source"):
        columns["source_id"] = require_source(session, workspace_id, str(filters["source"]))
    period_start = None
    if period:
        try:
            period_start = parse_period(period)
        except ValueError as exc:
            raise field_error("period", str(exc)) from None
    rows, total = repository.schedules_page(
        session, workspace_id, columns, period_start, page.offset, page.per_page
    )
    day = _as_of(session, workspace_id, as_of)
    totals = repository.totals_of(session, [r["pk"] for r in rows], month_start(day))
    return {
        "data": [schedule_out(r, totals[r["pk"]], day) for r in rows],
        "meta": page_meta(page, total),
    }


def distribute_periods(
    session: Session, workspace_id: str, number: str, body: list[PeriodAmount]
) -> DistributedSchedule:
    currency = _schedule_row(session, workspace_id, number)["currency"]
    if not body:
        raise field_error("body", "name at least one accounting period")
    if len(body) > MAX_PERIODS:
        raise field_error("body", f"at most {MAX_PERIODS} accounting periods")
    digits = minor_unit(currency)
    shares: dict[date, int] = {}
    for index, entry in enumerate(body):
        try:
            start = parse_period(entry.accounting_period)
        except ValueError as exc:
            raise field_error(f"{index}.accounting_period", str(exc)) from None
        if start in shares:
            raise field_error(
                f"{index}.accounting_period", f"{period_name(start)} is named more than once"
            )
        shares[start] = _ledger_amount(f"{index}.amount", entry.amount, digits, currency)
    event = distribute(session, workspace_id, number, shares, None)
    return {**get_schedule(session, workspace_id, number), "event": event}


def distribute_range(
    session: Session, workspace_id: str, number: str, body: DateRange
) -> DistributedSchedule:
    _schedule_row(session, workspace_id, number)
    bounds = []
    for name in ("start_date", "end_date"):
        try:
            bounds.append(check_year(parse_date(getattr(body, name))))
        except ValueError as exc:
            raise field_error(name, str(exc)) from None
    start, last = bounds
    if last < start:
        raise field_error("end_date", "must not be before start_date")
    if len(months_between(start, last)) > MAX_PERIODS:
        raise field_error("end_date", f"the range spans more than {MAX_PERIODS} periods")
    event = distribute(session, workspace_id, number, None, (start, last))
    return {**get_schedule(session, workspace_id, number), "event": event}


def _ledger_amount(name: str, value: Decimal, digits: int, currency: str) -> int:
    if not value.is_finite() or value <= 0:
        raise field_error(name, "must be a positive amount in currency units")
    if value >= Decimal(10) ** 13:  # before quantize, which fails on huge exponents
        raise field_error(name, "is too large")
    if value != value.quantize(Decimal(1).scaleb(-digits)):
        raise field_error(name, f"{currency} amounts have at most {digits} decimals")
    return int(value.scaleb(LEDGER_SCALE))
