"""Revenue schedules and the events that change them (seed 004).

Called inside the import transactions: `post_invoices` from the invoice import and
`post_revenues` from the revenue-record posting, so a schedule exists exactly when its
invoice or record does (one schedule per origin, by a unique constraint). Each posting
first takes the workspace's recognition lock (periods/repository.py `lock`), so numbers
are gap-free and no period closes while an event is put into it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy.orm import Session

from revledger.errors import NotFound, field_error
from revledger.journal import service as journal
from revledger.kit.currencies import minor_unit
from revledger.kit.ids import new_id
from revledger.kit.money import (
    ledger_quantum,
    milli_to_ledger,
    minor_to_ledger,
)
from revledger.kit.timeutil import get_zone, utcnow
from revledger.periods import repository as periods
from revledger.periods.service import Calendar, load_calendar, save_calendar
from revledger.recognition import repository
from revledger.recognition.models import OPEN_ENDED
from revledger.recognition.rules import (
    MAX_PERIODS,
    kept_before,
    month_start,
    months_between,
    spread,
)

POSTED = "Invoice Posted"
ADJUSTED = "Invoice Item Adjustment Created"
CANCELED = "Invoice Canceled"
DISTRIBUTED = "Revenue Distributed"
SCHEDULED_INVOICES = ("subscription", "one-time")


def schedule_number(number: int) -> str:
    return f"RS-{number:08d}"


def event_number(number: int) -> str:
    return f"RE-{number:08d}"


@dataclass
class Posting:
    """What one transaction adds: new schedules, events and items, changed schedules."""

    workspace_id: str
    now: datetime
    zone: tzinfo
    calendar: Calendar
    last_schedule: int
    last_event: int
    schedules: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    changed: dict[str, dict[str, Any]] = field(default_factory=dict)

    def local(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def schedule(self, **fields: Any) -> dict[str, Any]:
        self.last_schedule += 1
        row = {
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
        schedule: dict[str, Any],
        event_type: str,
        amount: int,
        event_date: date,
        shares: dict[date, int],
        recognition: tuple[date, date] | None,
        notes: str | None,
    ) -> dict[str, Any] | None:
        """Add an event whose items are `shares` (month start or OPEN_ENDED -> amount),
        each moved to the first open period when its own is closed. Nothing is added
        when the event changes nothing."""
        placed: dict[date, int] = {}
        for month, value in shares.items():
            period = month if month == OPEN_ENDED else self.calendar.place(month)
            placed[period] = placed.get(period, 0) + value
        placed = {p: v for p, v in placed.items() if v != 0}
        if amount == 0 and not placed:
            return None
        billed = self.calendar.place(month_start(event_date))
        self.calendar.need([billed, *(p for p in placed if p != OPEN_ENDED)], self.now)
        self.last_event += 1
        event = {
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
        repository.insert(session, repository.SCHEDULES, self.schedules)
        repository.insert(session, repository.EVENTS, self.events)
        repository.insert(session, repository.ITEMS, self.items)
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


def _recognition_span(schedule: dict[str, Any]) -> tuple[date, date] | None:
    """Zuora's recognitionStart/End (inclusive end) of a schedule's current range."""
    if schedule["rule"] == "manual":
        return None
    start, end = schedule["start_date"], schedule["end_date"]
    if end <= start:
        return (start, start)
    return (start, date.fromordinal(end.toordinal() - 1))


def _shares(schedule: dict[str, Any], amount: int) -> dict[date, int]:
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
    inserted: Iterable[dict[str, Any]],
    replaced: list[tuple[dict[str, Any], dict[str, Any]]],
    now: datetime,
) -> None:
    """Schedules and events for an invoice import: `inserted` are new invoice rows,
    `replaced` (stored row, new row) the updated ones, in request order."""
    new = list(inserted)
    if not new and not replaced:
        return
    posting = _begin(session, workspace_id, now)
    rules = _invoice_rules(session, [*new, *(n for _, n in replaced)])
    accounts = journal.account_set_ids(
        session,
        workspace_id,
        {(r["source_id"], r["plan_pk"]) for r in [*new, *(n for _, n in replaced)]},
        now,
    )
    schedules: dict[str, dict[str, Any]] = {}  # invoice pk -> schedule (this request's view)
    for row in repository.by_origin(
        session, workspace_id, "invoice", sorted({old["pk"] for old, _ in replaced})
    ):
        schedules[row.origin_pk] = dict(row._mapping)

    def create(invoice: dict[str, Any]) -> None:
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

    cancellations: list[dict[str, Any]] = []
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
    posting.save(session)


def _invoice_rules(session: Session, invoices: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    sources = repository.source_rules(session, {i["source_id"] for i in invoices})
    plans = repository.plan_rules(session, {i["plan_pk"] for i in invoices if i["plan_pk"]})
    return {"sources": sources, "plans": plans}


def _rule_and_range(
    posting: Posting, invoice: dict[str, Any], rules: dict[str, dict[str, Any]]
) -> tuple[str, date, date]:
    rule = (rules["plans"].get(invoice["plan_pk"]) if invoice["plan_pk"] else None) or rules[
        "sources"
    ].get(invoice["source_id"])
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
    invoice: dict[str, Any],
    rules: dict[str, dict[str, Any]],
    accounts: dict[tuple[str, str | None], str],
) -> dict[str, Any]:
    rule, start, end = _rule_and_range(posting, invoice, rules)
    currency = invoice["currency"]
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
    schedule: dict[str, Any],
    old: dict[str, Any],
    new: dict[str, Any],
    rules: dict[str, dict[str, Any]],
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
    target = {**schedule, "rule": rule, "start_date": start, "end_date": end, "amount": amount}
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
    )
    if event is not None or not same_spread:
        schedule.update({"rule": rule, "start_date": start, "end_date": end, "amount": amount})
        posting.changed[schedule["pk"]] = schedule


def _cancel(
    session: Session,
    posting: Posting,
    invoices: list[dict[str, Any]],
    schedules: dict[str, dict[str, Any]],
    rules: dict[str, dict[str, Any]],
    accounts: dict[tuple[str, str | None], str],
) -> None:
    """Cancellation and refund invoices. For a subscription, the part of each of its
    schedules from the invoice's date on is reversed (`Invoice Canceled`). A refund that
    matches no subscription reverses a one-time charge of the customer (the latest one
    dated on or before it, up to what is left of it), or else is a negative schedule of
    its own."""
    known = {**{s["origin_pk"]: s for s in posting.schedules}, **schedules}
    subscription_keys = {
        (i["source_id"], i["subscription_id"]) for i in invoices if i["subscription_id"]
    }
    for row in repository.by_subscriptions(session, posting.workspace_id, subscription_keys):
        known.setdefault(row.origin_pk, dict(row._mapping))
    customer_keys = {(i["source_id"], i["customer_id"]) for i in invoices if i["type"] == "refund"}
    for row in repository.one_time_of_customers(session, posting.workspace_id, customer_keys):
        known.setdefault(row.origin_pk, dict(row._mapping))
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
            and s["end_date"] > cut
            and s["amount"] != 0
        ]
        for schedule in sorted(targets, key=lambda s: s["number"]):
            _reverse_from(posting, schedule, cut, note, open_ended)
        if targets or invoice["type"] != "refund":
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
            continue
        schedule = _invoice_schedule(posting, invoice, rules, accounts)
        posting.event(
            schedule,
            POSTED,
            schedule["amount"],
            cut,
            _shares(schedule, schedule["amount"]),
            _recognition_span(schedule),
            f"Refund invoice {invoice['external_id']} posted (no charge to reverse)",
        )


def _reverse_from(
    posting: Posting,
    schedule: dict[str, Any],
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
    target = {**schedule, "end_date": max(start, cut), "amount": kept}
    after = _shares(target, kept) if kept else {}
    shares = dict(after)
    for month, value in before.items():
        shares[month] = shares.get(month, 0) - value
    posting.event(schedule, CANCELED, kept - amount, cut, shares, (cut, cut), note)
    schedule.update({"end_date": max(start, cut), "amount": kept})
    posting.changed[schedule["pk"]] = schedule


# --- revenue records ----------------------------------------------------------------------


def post_revenues(
    session: Session, workspace_id: str, records: list[dict[str, Any]], now: datetime
) -> None:
    """One schedule and one `Invoice Posted` event per new revenue record: recognized on
    its `occurred_at` date (rule `on_date`), or held Open-Ended when its source's rule is
    `manual`."""
    if not records:
        return
    posting = _begin(session, workspace_id, now)
    source_rules = repository.source_rules(session, {r["revenue_source_id"] for r in records})
    accounts = journal.account_set_ids(
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
) -> dict[str, Any]:
    """A `Revenue Distributed` event on a manual schedule: amounts per period (or spread
    by day over a date range, inclusive end), taken out of Open-Ended."""
    now = utcnow()
    posting = _begin(session, workspace_id, now)
    row = _schedule_row(session, workspace_id, number)
    schedule = dict(row._mapping)
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
    return {"number": event_number(event["number"]) if event else None}


def _schedule_row(session: Session, workspace_id: str, number: str) -> Any:
    parsed = parse_schedule_number(number)
    row = None if parsed is None else repository.schedule_by_number(session, workspace_id, parsed)
    if row is None:
        raise NotFound(f"Revenue schedule {number} does not exist in this workspace")
    return row


def parse_schedule_number(text: str) -> int | None:
    if len(text) == 11 and text.startswith("RS-") and text[3:].isdigit():
        return int(text[3:])
    return None
