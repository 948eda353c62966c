"""GL accounts, journal entries, summary journal batches and the trial balance.

Account sets: a schedule records, when it is created, the set of four accounts in force
for its source and plan, so that changing the chart of accounts later never rewrites an
entry already made.

Journal entries are not stored: each revenue event's entry follows from the event, its
items and its schedule's account set, all immutable (journal/rules.py).

Summary journal batches (seed 002, Zuora Revenue's transfer batches): closing a period
makes a batch READY_TO_TRANSFER holding, by account, currency and period, everything
posted in that period that no earlier batch of the period holds. The first close
therefore sends the whole period; closing it again after a reopen sends only what the
reopened period gained. No batch is ever replaced or cancelled: a READY_TO_TRANSFER
batch may already be on its way into the GL, so it stays valid, and each amount is in
exactly one batch (never sent twice, never lost).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from typing import TypedDict

from sqlalchemy.orm import Session

from revledger.accounts import repository as gl_accounts
from revledger.errors import BadRequest, NotFound, field_error
from revledger.journal import repository
from revledger.journal.repository import BatchLineRow, BatchRow, BatchTotalRow, EntryRow
from revledger.journal.rules import (
    REFUND_KINDS,
    Accounts,
    Line,
    difference,
    entry_lines,
    posting_lines,
    recognition_lines,
    summarize,
)
from revledger.kit.calendar import month_end, parse_period, period_name, period_param
from revledger.kit.currencies import minor_unit
from revledger.kit.ids import new_id
from revledger.kit.money import format_ledger
from revledger.kit.pagination import PageCounts, PageParams, page_meta
from revledger.kit.text import encodable
from revledger.recognition.rules import (
    event_number,
    parse_event_number,
    parse_schedule_number,
    schedule_number,
)
from revledger.sources import repository as sources

READY = "READY_TO_TRANSFER"
TRANSFERRED = "TRANSFERRED"
BATCH_STATUSES = (READY, TRANSFERRED)
DEFAULT_PAGESIZE = 1_000
MAX_PAGESIZE = 10_000
CSV_COLUMNS = (
    "batch_id",
    "batch_name",
    "line_no",
    "period",
    "period_start",
    "period_end",
    "account",
    "currency",
    "debit",
    "credit",
)


# --- what the API shows (the wire shapes of the models in schemas.py) ---------------------


class PeriodFields(TypedDict):
    period: str
    period_start: str
    period_end: str


class PeriodLine(PeriodFields):
    """The wire shape of `schemas.PeriodLine`; amounts are decimal strings."""

    account: str
    debit: str
    credit: str
    currency: str


class EntryLine(PeriodLine):
    type: str


class EntryOrigin(TypedDict):
    type: str
    id: str
    external_id: str
    source_id: str


class JournalEntry(TypedDict):
    event: str
    event_type: str
    event_date: str
    schedule: str
    origin: EntryOrigin
    customer_id: str | None
    kind: str
    currency: str
    amount: str
    billed_period: str
    lines: list[EntryLine]
    total_debit: str
    total_credit: str
    created_at: datetime


class JournalEntryList(TypedDict):
    data: list[JournalEntry]
    meta: PageCounts


class BatchTotal(TypedDict):
    currency: str
    debit: str
    credit: str


class JournalBatch(PeriodFields):
    """The wire shape of `schemas.JournalBatch`."""

    id: str
    name: str
    sequence: int
    status: str
    line_count: int
    totals: list[BatchTotal]
    created_at: datetime
    transferred_at: datetime | None


class JournalBatchList(TypedDict):
    data: list[JournalBatch]
    meta: PageCounts


class BatchLine(PeriodLine):
    line_no: int


class JournalBatchLines(JournalBatch):
    lines: list[BatchLine]


class JournalBatchPage(TypedDict):
    data: JournalBatchLines
    meta: PageCounts


class TrialBalanceAccount(TypedDict):
    account: str
    currency: str
    debit: str
    credit: str
    balance: str


class TrialBalanceTotal(TypedDict):
    currency: str
    debit: str
    credit: str
    difference: str


class TrialBalance(PeriodFields):
    """The wire shape of `schemas.TrialBalance`."""

    period_status: str | None
    accounts: list[TrialBalanceAccount]
    totals: list[TrialBalanceTotal]


# --- formatting ---------------------------------------------------------------------------


def money(units: int, currency: str) -> str:
    """Ledger units -> exact decimal string in currency units ("170.00")."""
    return format_ledger(int(units), minor_unit(currency))


def _period_fields(start: date) -> PeriodFields:
    return {
        "period": period_name(start),
        "period_start": start.isoformat(),
        "period_end": month_end(start).isoformat(),
    }


def _line_out(line: Line) -> PeriodLine:
    return {
        "account": line.account,
        "debit": money(line.debit, line.currency),
        "credit": money(line.credit, line.currency),
        "currency": line.currency,
        **_period_fields(line.period_start),
    }


def _number(name: str, prefix: str, value: str) -> int:
    parse = parse_schedule_number if prefix == "RS" else parse_event_number
    number = parse(value, loose=True)
    if number is None:
        raise field_error(name, f"'{value}' is not a {prefix} number such as {prefix}-00000001")
    return number


# --- journal entries --------------------------------------------------------------------


def _accounts_of(session: Session, workspace_id: str, ids: Iterable[str]) -> dict[str, Accounts]:
    return {
        k: Accounts.of(row)
        for k, row in gl_accounts.account_sets(session, workspace_id, ids).items()
    }


def entries(
    session: Session,
    workspace_id: str,
    params: PageParams,
    period: str | None,
    schedule: str | None,
    event: str | None,
    source: str | None,
) -> JournalEntryList:
    """One journal entry per revenue event, in event-number order. With `period`, only
    the entries with a line in that period, each showing only those lines."""
    period_start = period_param("period", period) if period else None
    source_id = None
    if source:
        source_id = sources.resolve(session, workspace_id, [source]).get(source)
        if source_id is None:
            raise field_error("source", f"No revenue source '{source}' in this workspace")
    f = repository.EntryFilter(
        workspace_id,
        period_start=period_start,
        schedule_number=_number("schedule", "RS", schedule) if schedule else None,
        event_number=_number("event", "RE", event) if event else None,
        source_id=source_id,
    )
    total = repository.entries_count(session, f)
    rows = repository.entries_page(session, f, params.offset, params.per_page)
    items: dict[str, list[tuple[date, int]]] = {}
    for item in repository.items_of(session, [r["pk"] for r in rows]):
        items.setdefault(item["event_pk"], []).append((item["period_start"], item["amount"]))
    accounts = _accounts_of(session, workspace_id, {r["gl_accounts_id"] for r in rows})
    data = []
    for row in rows:
        lines = entry_lines(
            accounts[row["gl_accounts_id"]],
            row["kind"] in REFUND_KINDS,
            int(row["amount"]),
            row["currency"],
            row["billed_period"],
            items.get(row["pk"], []),
        )
        if period_start is not None:
            lines = [line for line in lines if line.period_start == period_start]
        data.append(_entry_out(row, lines))
    return {"data": data, "meta": page_meta(params, total)}


def _entry_out(row: EntryRow, lines: list[Line]) -> JournalEntry:
    debit = sum(line.debit for line in lines)
    credit = sum(line.credit for line in lines)
    currency = row["currency"]
    return {
        "event": event_number(row["number"]),
        "event_type": row["event_type"],
        "event_date": row["event_date"].isoformat(),
        "schedule": schedule_number(row["schedule_number"]),
        "origin": {
            "type": row["origin"],
            "id": row["origin_pk"] if row["origin"] == "revenue" else row["external_id"],
            "external_id": row["external_id"],
            "source_id": row["source_id"],
        },
        "customer_id": row["customer_id"],
        "kind": row["kind"],
        "currency": currency,
        "amount": money(row["amount"], currency),
        "billed_period": period_name(row["billed_period"]),
        "lines": [{**_line_out(line), "type": line.kind} for line in lines],
        "total_debit": money(debit, currency),
        "total_credit": money(credit, currency),
        "created_at": row["created_at"],
    }


# --- what a period holds ------------------------------------------------------------------


def period_lines(
    session: Session, workspace_id: str, period_start: date, cumulative: bool
) -> list[Line]:
    """The gross journal lines of everything posted in the period (or through it): event
    postings billed there and items recognized there, summed per account set."""
    postings = repository.posting_sums(session, workspace_id, period_start, cumulative)
    recognitions = repository.recognition_sums(session, workspace_id, period_start, cumulative)
    ids = {r["gl_accounts_id"] for r in postings} | {r["gl_accounts_id"] for r in recognitions}
    accounts = _accounts_of(session, workspace_id, ids)
    lines: list[Line] = []
    for p in postings:
        acc, currency = accounts[p["gl_accounts_id"]], p["currency"]
        lines += posting_lines(acc, p["positive"], currency, period_start)
        lines += posting_lines(acc, -p["negative"], currency, period_start)
    for r in recognitions:
        acc, currency = accounts[r["gl_accounts_id"]], r["currency"]
        refund = r["kind"] in REFUND_KINDS
        lines += recognition_lines(acc, refund, r["positive"], currency, period_start)
        lines += recognition_lines(acc, refund, -r["negative"], currency, period_start)
    return lines


# --- batches ------------------------------------------------------------------------------


def on_period_closed(
    session: Session, workspace_id: str, period_start: date, now: datetime
) -> None:
    """Called in the closing transaction: makes the period's summary journal batch, with
    what the period holds minus what its earlier batches hold (all of it on the first
    close). A batch is made on every close, even with no line, so each close is on record."""
    held = summarize(period_lines(session, workspace_id, period_start, cumulative=False))
    sent = {
        (r["account"], r["currency"], r["period_start"]): (r["debit"], r["credit"])
        for r in repository.batched_sums(session, workspace_id, period_start)
    }
    lines = difference(held, sent)
    batch_id = new_id()
    repository.add_batch(
        session,
        {
            "id": batch_id,
            "workspace_id": workspace_id,
            "period_start": period_start,
            "sequence": repository.next_sequence(session, workspace_id, period_start),
            "status": READY,
            "line_count": len(lines),
            "created_at": now,
            "transferred_at": None,
        },
        [
            {
                "batch_id": batch_id,
                "line_no": n,
                "account": line.account,
                "currency": line.currency,
                "period_start": line.period_start,
                "debit": line.debit,
                "credit": line.credit,
            }
            for n, line in enumerate(lines, start=1)
        ],
    )


def on_period_reopened(
    session: Session, workspace_id: str, period_start: date, now: datetime
) -> None:
    """Called in the reopening transaction. Nothing to undo: the period's batches stay
    as they are (a READY_TO_TRANSFER one may already be on its way into the GL); the next
    close sends only what the period gains meanwhile."""


def _storable_id(value: str) -> bool:
    """Could be a batch id (a UUID); anything else is simply not found."""
    return len(value) <= 36 and "\x00" not in value and encodable(value)


def _batch_name(row: BatchRow) -> str:
    return f"{period_name(row['period_start'])} #{row['sequence']}"


def _batch_out(row: BatchRow, totals: list[BatchTotalRow]) -> JournalBatch:
    return {
        "id": row["id"],
        "name": _batch_name(row),
        **_period_fields(row["period_start"]),
        "sequence": row["sequence"],
        "status": row["status"],
        "line_count": row["line_count"],
        "totals": [
            {
                "currency": t["currency"],
                "debit": money(t["debit"], t["currency"]),
                "credit": money(t["credit"], t["currency"]),
            }
            for t in totals
        ],
        "created_at": row["created_at"],
        "transferred_at": row["transferred_at"],
    }


def _totals_by_batch(session: Session, ids: list[str]) -> dict[str, list[BatchTotalRow]]:
    out: dict[str, list[BatchTotalRow]] = {}
    for t in repository.batch_totals(session, ids):
        out.setdefault(t["batch_id"], []).append(t)
    return out


def batches(
    session: Session,
    workspace_id: str,
    params: PageParams,
    status: str | None,
    period: str | None,
) -> JournalBatchList:
    if status is not None and status not in BATCH_STATUSES:
        raise field_error("status", f"must be one of {', '.join(BATCH_STATUSES)}")
    period_start = period_param("period", period) if period else None
    total = repository.batches_count(session, workspace_id, status, period_start)
    rows = repository.batches_page(
        session, workspace_id, status, period_start, params.offset, params.per_page
    )
    totals = _totals_by_batch(session, [r["id"] for r in rows])
    return {
        "data": [_batch_out(r, totals.get(r["id"], [])) for r in rows],
        "meta": page_meta(params, total),
    }


def _batch(session: Session, workspace_id: str, batch_id: str) -> BatchRow:
    row = repository.get_batch(session, workspace_id, batch_id) if _storable_id(batch_id) else None
    if row is None:
        raise NotFound(f"No journal batch '{batch_id}' in this workspace")
    return row


def _batch_line_out(row: BatchLineRow) -> BatchLine:
    line = Line(row["account"], row["currency"], row["period_start"], row["debit"], row["credit"])
    return {"line_no": row["line_no"], **_line_out(line)}


def batch(
    session: Session, workspace_id: str, batch_id: str, page: int, pagesize: int
) -> JournalBatchPage:
    """A batch and one page of its lines (in line order)."""
    row = _batch(session, workspace_id, batch_id)
    params = PageParams(page=page, per_page=pagesize)
    lines = repository.batch_lines(session, row["id"], params.offset, pagesize)
    body = _batch_out(row, _totals_by_batch(session, [row["id"]]).get(row["id"], []))
    return {
        "data": {**body, "lines": [_batch_line_out(r) for r in lines]},
        "meta": page_meta(params, row["line_count"]),
    }


def batch_csv(session: Session, workspace_id: str, batch_id: str) -> tuple[str, str]:
    """(file name, CSV text) of a batch: one row per line, header first."""
    row = _batch(session, workspace_id, batch_id)
    name = _batch_name(row)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in repository.batch_lines(session, row["id"]):
        fields = _batch_line_out(line)
        writer.writerow(
            [
                row["id"],
                name,
                fields["line_no"],
                fields["period"],
                fields["period_start"],
                fields["period_end"],
                fields["account"],
                fields["currency"],
                fields["debit"],
                fields["credit"],
            ]
        )
    filename = f"journal-batch-{row['period_start']:%Y-%m}-{row['sequence']}.csv"
    return filename, out.getvalue()


def set_status(
    session: Session, workspace_id: str, batch_id: str, status: str, now: datetime
) -> JournalBatch:
    """READY_TO_TRANSFER -> TRANSFERRED, once. A transferred batch cannot go back."""
    if status != TRANSFERRED:
        raise field_error("status", f"must be {TRANSFERRED}")
    if not _storable_id(batch_id) or not repository.mark_transferred(
        session, workspace_id, batch_id, READY, TRANSFERRED, now
    ):
        row = _batch(session, workspace_id, batch_id)
        raise BadRequest(
            f"Journal batch {batch_id} is {row['status']}: only a {READY} batch can be "
            f"marked {TRANSFERRED}"
        )
    row = _batch(session, workspace_id, batch_id)
    return _batch_out(row, _totals_by_batch(session, [row["id"]]).get(row["id"], []))


# --- trial balance --------------------------------------------------------------------------


def trial_balance(session: Session, workspace_id: str, period: str) -> TrialBalance:
    """Each account's balance per currency through the end of the period (every posting
    billed and every item recognized in it or before), and per-currency totals whose
    debits minus credits is zero."""
    try:
        start = parse_period(period)
        stored = repository.period_by_start(session, workspace_id, start)
    except ValueError:
        stored = repository.period_by_id(session, workspace_id, period)
        if stored is None:
            raise field_error(
                "period", f"'{period}' is not a period: use a name like Mar'2026 or 2026-03"
            ) from None
        start = stored["start_date"]
    lines = period_lines(session, workspace_id, start, cumulative=True)
    net: dict[tuple[str, str], int] = {}
    for line in lines:
        key = (line.currency, line.account)
        net[key] = net.get(key, 0) + line.debit - line.credit
    accounts: list[TrialBalanceAccount] = []
    totals: dict[str, tuple[int, int]] = {}
    for (currency, account), balance in sorted(net.items()):
        debit, credit = max(balance, 0), max(-balance, 0)
        accounts.append(
            {
                "account": account,
                "currency": currency,
                "debit": money(debit, currency),
                "credit": money(credit, currency),
                "balance": money(balance, currency),
            }
        )
        d, c = totals.get(currency, (0, 0))
        totals[currency] = (d + debit, c + credit)
    return {
        **_period_fields(start),
        "period_status": stored["status"] if stored is not None else None,
        "accounts": accounts,
        "totals": [
            {
                "currency": currency,
                "debit": money(d, currency),
                "credit": money(c, currency),
                "difference": money(d - c, currency),
            }
            for currency, (d, c) in sorted(totals.items())
        ],
    }
