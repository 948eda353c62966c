"""Revenue reports: recognized revenue, deferred revenue, the waterfall (docs/reports.md).

Definitions (issue 4, the recognition contract), per currency, never mixed:
- billed in P      = Σ item amounts whose billed_period is P (Open-Ended items included)
- recognized in P  = Σ item amounts whose period_start is P (Open-Ended: never)
- deferred at end of P = billed through P − recognized through P
so for every period billed to date = recognized to date + deferred, by construction
from the same rows, and the three reports agree with each other and with the journal.

Periods are calendar months in the workspace's timezone, named as Zuora names them
(`Jan'2026`); amounts are ledger units (ten-thousandths) shown as exact decimal strings
with the currency's decimals (more only when the value has them). No float anywhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Final, Literal, NotRequired, TypedDict, get_args

from sqlalchemy.orm import Session

from revledger.auth.service import Principal
from revledger.db import Database
from revledger.errors import field_error
from revledger.kit.calendar import (
    MAX_YEAR,
    MIN_YEAR,
    from_index,
    month_end,
    month_index,
    months_between,
    period_name,
    period_param,
)
from revledger.kit.currencies import minor_unit
from revledger.kit.money import format_ledger
from revledger.kit.pagination import PageCounts, PageParams, page_meta
from revledger.kit.timeutil import get_zone, parse_date, utcnow
from revledger.recognition.rules import schedule_number
from revledger.reports import repository as repo
from revledger.reports.repository import BalanceRow, GroupKey

MAX_PERIODS = 250
"""At most 250 periods in one report (Zuora's limit for a schedule's span)."""
GROUPS = ("source", "plan", "product", "customer", "currency")


# --- what the API shows (the wire shapes of the models in schemas.py) -------------------
# Amounts are decimal strings; per-period amounts are keyed by the period's name.


class PeriodOut(TypedDict):
    name: str
    start_date: str
    end_date: str
    status: str | None


class GroupFields(TypedDict, total=False):
    """The columns of a recognized-revenue row that name its group (by `group_by`)."""

    source_id: str | None
    source_name: str | None
    plan_id: str | None
    product_id: str | None
    customer_id: str | None


GroupField = Literal["source_id", "source_name", "plan_id", "product_id", "customer_id"]


class RecognizedRow(TypedDict):
    """The wire shape of `schemas.RecognizedRow`: only its group's columns are present."""

    currency: str
    source_id: NotRequired[str | None]
    source_name: NotRequired[str | None]
    plan_id: NotRequired[str | None]
    product_id: NotRequired[str | None]
    customer_id: NotRequired[str | None]
    recognized: dict[str, str]
    total: str


class RecognizedTotal(TypedDict):
    currency: str
    recognized: dict[str, str]
    total: str


class RecognizedMeta(TypedDict):
    group_by: str
    start_period: str
    end_period: str
    periods: int


class RecognizedReport(TypedDict):
    periods: list[PeriodOut]
    data: list[RecognizedRow]
    totals: list[RecognizedTotal]
    meta: RecognizedMeta


class Balance(TypedDict):
    schedule_number: str
    origin: str
    external_id: str
    kind: str
    source_id: str
    customer_id: str | None
    currency: str
    billed: str
    recognized: str
    deferred: str


class BalanceTotal(TypedDict):
    currency: str
    billed: str
    recognized: str
    deferred: str


class DeferredMeta(PageCounts):
    as_of: str
    period: PeriodOut


class DeferredReport(TypedDict):
    data: list[Balance]
    totals: list[BalanceTotal]
    meta: DeferredMeta


class WaterfallLine(TypedDict):
    billed: str
    recognized_before: str
    recognized: dict[str, str]
    recognized_to_date: str
    deferred: str


class WaterfallRow(WaterfallLine):
    currency: str
    row: str
    billed_period: str | None
    billed_period_start: str | None


class WaterfallTotal(WaterfallLine):
    currency: str


class WaterfallSummary(TypedDict):
    currency: str
    period: str
    period_start: str
    billed: str
    recognized: str
    billed_to_date: str
    recognized_to_date: str
    deferred: str


class WaterfallMeta(TypedDict):
    start_period: str
    end_period: str
    periods: int


class WaterfallReport(TypedDict):
    periods: list[PeriodOut]
    data: list[WaterfallRow]
    totals: list[WaterfallTotal]
    summary: list[WaterfallSummary]
    meta: WaterfallMeta


# --- periods --------------------------------------------------------------------------


def parse_period_param(name: str, value: str | None) -> date | None:
    """`Jan'2026` (month any case) or `2026-01` -> the period's first day; 422 naming
    the parameter otherwise. Empty means absent."""
    if value is None or value.strip() == "":
        return None
    return period_param(name, value)


def today(principal: Principal) -> date:
    return utcnow().astimezone(get_zone(principal.timezone)).date()


@dataclass(frozen=True)
class Range:
    first: date
    last: date

    @property
    def periods(self) -> list[date]:
        return months_between(self.first, self.last)


def period_range(
    session: Session, principal: Principal, start_s: str | None, end_s: str | None
) -> Range:
    """The inclusive range of periods a report covers.

    Defaults: the workspace's first and last accounting periods (the current month in the
    workspace's timezone when it has none yet). A default end is never before an explicit
    start and a default start never after an explicit end; a default side is clamped so
    the range holds at most 250 periods. Explicit ranges longer than that are a 422.
    """
    first = parse_period_param("start_period", start_s)
    last = parse_period_param("end_period", end_s)
    if first is not None and last is not None:
        if first > last:
            raise field_error("start_period", "must not be after end_period")
    elif first is None or last is None:
        low, high = repo.period_bounds(session, principal.workspace_id)
        if low is None or high is None:
            low = high = today(principal).replace(day=1)
        if first is None and last is None:
            last = high
            first = max(low, from_index(month_index(high) - MAX_PERIODS + 1))
        elif first is None:
            assert last is not None
            first = min(max(low, from_index(month_index(last) - MAX_PERIODS + 1)), last)
        else:
            last = max(min(high, from_index(month_index(first) + MAX_PERIODS - 1)), first)
    assert first is not None and last is not None
    count = month_index(last) - month_index(first) + 1
    if count > MAX_PERIODS:
        raise field_error(
            "end_period",
            f"the range holds {count} periods; a report covers at most {MAX_PERIODS}",
        )
    return Range(first, last)


def periods_out(session: Session, workspace_id: str, rng: Range) -> list[PeriodOut]:
    statuses = repo.period_statuses(session, workspace_id, rng.first, rng.last)
    return [
        {
            "name": period_name(p),
            "start_date": p.isoformat(),
            "end_date": month_end(p).isoformat(),
            "status": statuses.get(p),
        }
        for p in rng.periods
    ]


def money(units: int, currency: str) -> str:
    return format_ledger(units, minor_unit(currency))


# --- recognized revenue ---------------------------------------------------------------


def recognized_revenue(
    session: Session,
    principal: Principal,
    start_s: str | None,
    end_s: str | None,
    group_by: str | None,
) -> RecognizedReport:
    group = (group_by or "currency").strip().lower()
    if group not in GROUPS:
        raise field_error("group_by", f"must be one of {', '.join(GROUPS)}")
    ws = principal.workspace_id
    rng = period_range(session, principal, start_s, end_s)
    names = [period_name(p) for p in rng.periods]
    rows = repo.recognized_by_group(session, ws, group, rng.first, rng.last)
    cells: dict[tuple[str, GroupKey], dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for currency, group_key, period, amount in rows:
        cells[(currency, group_key)][period] += amount
    sources = (
        repo.source_names(session, ws, sorted({g[0] for _, g in cells if g[0] is not None}))
        if group in ("source", "plan", "customer")
        else {}
    )
    data: list[RecognizedRow] = []
    totals: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for key in sorted(cells, key=lambda k: tuple((v is None, v or "") for v in (k[0], *k[1]))):
        currency, values = key
        amounts = cells[key]
        data.append(
            {
                "currency": currency,
                **_group_fields(group, values, sources),
                "recognized": {
                    n: money(amounts.get(p, 0), currency)
                    for n, p in zip(names, rng.periods, strict=True)
                },
                "total": money(sum(amounts.values()), currency),
            }
        )
        for p, v in amounts.items():
            totals[currency][p] += v
    return {
        "periods": periods_out(session, ws, rng),
        "data": data,
        "totals": [
            {
                "currency": c,
                "recognized": {
                    n: money(totals[c].get(p, 0), c)
                    for n, p in zip(names, rng.periods, strict=True)
                },
                "total": money(sum(totals[c].values()), c),
            }
            for c in sorted(totals)
        ],
        "meta": {
            "group_by": group,
            "start_period": names[0],
            "end_period": names[-1],
            "periods": len(names),
        },
    }


def _group_fields(group: str, values: GroupKey, sources: dict[str, str]) -> GroupFields:
    """The group's columns of a row: its key values (GROUP_COLUMNS order), with the
    source's name when the group has a source."""
    if group == "product":
        return {"product_id": values[0]}
    if group not in ("source", "plan", "customer"):
        return {}
    source_id = values[0]
    named: GroupFields = {
        "source_id": source_id,
        "source_name": sources.get(source_id) if source_id is not None else None,
    }
    if group == "plan":
        named["plan_id"] = values[1]
    elif group == "customer":
        named["customer_id"] = values[1]
    return named


GROUP_CSV_COLUMNS: dict[str, list[GroupField]] = {
    "currency": [],
    "source": ["source_id", "source_name"],
    "plan": ["source_id", "source_name", "plan_id"],
    "customer": ["source_id", "source_name", "customer_id"],
    "product": ["product_id"],
}


def recognized_csv(report: RecognizedReport) -> Iterator[list[str]]:
    """Header, one line per group and currency, then a `total` line per currency."""
    group = report["meta"]["group_by"]
    names = [p["name"] for p in report["periods"]]
    keys = GROUP_CSV_COLUMNS[group]
    yield ["row", "currency", *keys, *names, "total"]
    for row in report["data"]:
        yield [
            "group",
            row["currency"],
            *[_text(row[k]) for k in keys],
            *[row["recognized"][n] for n in names],
            row["total"],
        ]
    for total in report["totals"]:
        yield [
            "total",
            total["currency"],
            *["" for _ in keys],
            *[total["recognized"][n] for n in names],
            total["total"],
        ]


def _text(value: str | None) -> str:
    return "" if value is None else str(value)


# --- deferred revenue -----------------------------------------------------------------


def as_of_period(principal: Principal, as_of: str | None) -> tuple[date, date]:
    """(as_of, the first day of the accounting period - calendar month - containing it)."""
    if as_of is None or as_of.strip() == "":
        day = today(principal)
    else:
        try:
            day = parse_date(as_of.strip())
        except ValueError as exc:
            raise field_error("as_of", str(exc)) from None
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise field_error("as_of", f"must be a date between {MIN_YEAR} and {MAX_YEAR}")
    return day, day.replace(day=1)


def balance_out(row: BalanceRow) -> Balance:
    currency = row["currency"]
    billed, recognized = int(row["billed"]), int(row["recognized"])
    return {
        "schedule_number": schedule_number(row["number"]),
        "origin": row["origin"],
        "external_id": row["external_id"],
        "kind": row["kind"],
        "source_id": row["source_id"],
        "customer_id": row["customer_id"],
        "currency": currency,
        "billed": money(billed, currency),
        "recognized": money(recognized, currency),
        "deferred": money(billed - recognized, currency),
    }


def _totals_out(rows: list[tuple[str, int, int]]) -> list[BalanceTotal]:
    return [
        {
            "currency": c,
            "billed": money(billed, c),
            "recognized": money(recognized, c),
            "deferred": money(billed - recognized, c),
        }
        for c, billed, recognized in rows
    ]


def _period_out(session: Session, workspace_id: str, start: date) -> PeriodOut:
    return periods_out(session, workspace_id, Range(start, start))[0]


def deferred_revenue(
    session: Session, principal: Principal, as_of: str | None, params: PageParams
) -> DeferredReport:
    ws = principal.workspace_id
    day, period = as_of_period(principal, as_of)
    rows, total = repo.balance_page(session, ws, period, params.offset, params.per_page)
    return {
        "data": [balance_out(r) for r in rows],
        "totals": _totals_out(repo.balance_totals(session, ws, period)),
        "meta": {
            "as_of": day.isoformat(),
            "period": _period_out(session, ws, period),
            **page_meta(params, total),
        },
    }


BalanceField = Literal[
    "schedule_number",
    "origin",
    "external_id",
    "kind",
    "source_id",
    "customer_id",
    "currency",
    "billed",
    "recognized",
    "deferred",
]
DEFERRED_CSV_COLUMNS: tuple[BalanceField, ...] = get_args(BalanceField)


def deferred_csv(
    session: Session, db: Database, principal: Principal, as_of: str | None
) -> Iterator[list[str]]:
    """Validates and totals before the first line (errors stay 4xx), then streams every
    schedule on a connection of its own; `Total` lines per currency close the file."""
    ws = principal.workspace_id
    _day, period = as_of_period(principal, as_of)
    totals = _totals_out(repo.balance_totals(session, ws, period))

    def lines() -> Iterator[list[str]]:
        yield list(DEFERRED_CSV_COLUMNS)
        with db.engine.connect() as conn:
            for row in repo.stream_balances(conn, ws, period):
                out = balance_out(row)
                yield [_text(out[c]) for c in DEFERRED_CSV_COLUMNS]
        for t in totals:
            yield [
                "Total",
                "",
                "",
                "",
                "",
                "",
                t["currency"],
                t["billed"],
                t["recognized"],
                t["deferred"],
            ]

    return lines()


# --- waterfall ------------------------------------------------------------------------


@dataclass
class Line:
    """One waterfall row: what was billed in a period (or before / after the range)."""

    billed: int = 0
    before: int = 0
    cells: dict[date, int] = field(default_factory=lambda: defaultdict(int))

    def recognized_to_date(self) -> int:
        return self.before + sum(self.cells.values())


EARLIER: Final = "earlier"
LATER: Final = "later"
RowKey = date | Literal["earlier", "later"]
"""A waterfall row: the billed period, or EARLIER / LATER than the range."""


@dataclass(frozen=True)
class Waterfall:
    """The waterfall of one currency, in ledger units: its rows in order (`earlier`,
    the billed periods, `later`), their total, and per period of the range (period,
    billed in it, recognized in it, billed to date, recognized to date)."""

    rows: list[tuple[RowKey, Line]]
    total: Line
    summary: list[tuple[date, int, int, int, int]]


def build_waterfall(
    cells: list[tuple[str, date, date, int]], first: date, last: date
) -> dict[str, Waterfall]:
    """Pure: the waterfall of one range from the aggregate cells (currency, billed period,
    recognized period, amount), amounts still in ledger units.

    Rows: each billed period in the range, plus `earlier` (billed before the range) and
    `later` (billed after it, yet recognized by its end: billed 0 as of the range's end,
    so its deferred is negative - revenue recognized before it was billed). Every row
    satisfies billed = before + Σ cells + deferred; the rows sum to the summary's last
    period. Summary: per period of the range, billed and recognized in and through it.
    """
    periods = months_between(first, last)
    lines: dict[str, dict[RowKey, Line]] = defaultdict(dict)
    billed_in: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    recognized_in: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for currency, billed_period, period_start, amount in cells:
        key: RowKey
        if billed_period < first:
            key = EARLIER
        elif billed_period > last:
            key = LATER
        else:
            key = billed_period
        line = lines[currency].setdefault(key, Line())
        if billed_period <= last:
            line.billed += amount
            billed_in[currency][billed_period] += amount
        if period_start < first:
            line.before += amount
        elif period_start <= last:
            line.cells[period_start] += amount
        if period_start <= last:
            recognized_in[currency][period_start] += amount
    out: dict[str, Waterfall] = {}
    for currency in sorted(lines):
        by_key = lines[currency]
        ordered: list[RowKey] = [EARLIER] if EARLIER in by_key else []
        ordered += sorted(k for k in by_key if isinstance(k, date))
        ordered += [LATER] if LATER in by_key else []
        rows = [(k, by_key[k]) for k in ordered]
        total = Line()
        for _k, line in rows:
            total.billed += line.billed
            total.before += line.before
            for p, v in line.cells.items():
                total.cells[p] += v
        billed_before = sum(v for p, v in billed_in[currency].items() if p < first)
        recognized_before = sum(v for p, v in recognized_in[currency].items() if p < first)
        summary = []
        billed_to_date, recognized_to_date = billed_before, recognized_before
        for p in periods:
            billed, recognized = billed_in[currency].get(p, 0), recognized_in[currency].get(p, 0)
            billed_to_date += billed
            recognized_to_date += recognized
            summary.append((p, billed, recognized, billed_to_date, recognized_to_date))
        out[currency] = Waterfall(rows, total, summary)
    return out


def _line_out(currency: str, periods: list[date], line: Line) -> WaterfallLine:
    recognized = line.recognized_to_date()
    return {
        "billed": money(line.billed, currency),
        "recognized_before": money(line.before, currency),
        "recognized": {period_name(p): money(line.cells.get(p, 0), currency) for p in periods},
        "recognized_to_date": money(recognized, currency),
        "deferred": money(line.billed - recognized, currency),
    }


def waterfall(
    session: Session, principal: Principal, start_s: str | None, end_s: str | None
) -> WaterfallReport:
    ws = principal.workspace_id
    rng = period_range(session, principal, start_s, end_s)
    periods = rng.periods
    built = build_waterfall(repo.waterfall_cells(session, ws, rng.last), rng.first, rng.last)
    data: list[WaterfallRow] = []
    totals: list[WaterfallTotal] = []
    summary: list[WaterfallSummary] = []
    for currency, part in built.items():
        for key, line in part.rows:
            if isinstance(key, date):
                row, billed_period, billed_start = "period", period_name(key), key.isoformat()
            else:
                row, billed_period, billed_start = key, None, None
            data.append(
                {
                    "currency": currency,
                    "row": row,
                    "billed_period": billed_period,
                    "billed_period_start": billed_start,
                    **_line_out(currency, periods, line),
                }
            )
        totals.append({"currency": currency, **_line_out(currency, periods, part.total)})
        for p, billed, recognized, billed_to_date, recognized_to_date in part.summary:
            summary.append(
                {
                    "currency": currency,
                    "period": period_name(p),
                    "period_start": p.isoformat(),
                    "billed": money(billed, currency),
                    "recognized": money(recognized, currency),
                    "billed_to_date": money(billed_to_date, currency),
                    "recognized_to_date": money(recognized_to_date, currency),
                    "deferred": money(billed_to_date - recognized_to_date, currency),
                }
            )
    return {
        "periods": periods_out(session, ws, rng),
        "data": data,
        "totals": totals,
        "summary": summary,
        "meta": {
            "start_period": period_name(rng.first),
            "end_period": period_name(rng.last),
            "periods": len(periods),
        },
    }


SummaryField = Literal["billed", "recognized", "billed_to_date", "recognized_to_date", "deferred"]
SUMMARY_LINES: tuple[SummaryField, ...] = (
    "billed",
    "recognized",
    "billed_to_date",
    "recognized_to_date",
    "deferred",
)


def waterfall_csv(report: WaterfallReport) -> Iterator[list[str]]:
    """The matrix as a spreadsheet shows it: a line per billed period (`row` = period,
    earlier or later), a `total` line per currency, then per currency one line per
    summary figure (`billed_in_period`, …, `deferred_at_end`) with a value per period."""
    names = [p["name"] for p in report["periods"]]
    yield [
        "row",
        "currency",
        "billed_period",
        "billed",
        "recognized_before",
        *names,
        "recognized_to_date",
        "deferred",
    ]
    for row in report["data"]:
        yield [
            row["row"],
            row["currency"],
            _text(row["billed_period"]),
            row["billed"],
            row["recognized_before"],
            *[row["recognized"][n] for n in names],
            row["recognized_to_date"],
            row["deferred"],
        ]
    for total in report["totals"]:
        yield [
            "total",
            total["currency"],
            "",
            total["billed"],
            total["recognized_before"],
            *[total["recognized"][n] for n in names],
            total["recognized_to_date"],
            total["deferred"],
        ]
    by_currency: dict[str, dict[str, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    for s in report["summary"]:
        for figure in SUMMARY_LINES:
            by_currency[s["currency"]][figure][s["period"]] = s[figure]
    for currency, figures in by_currency.items():
        for figure in SUMMARY_LINES:
            yield [
                f"summary_{figure}",
                currency,
                "",
                "",
                "",
                *[figures[figure][n] for n in names],
                "",
                "",
            ]
