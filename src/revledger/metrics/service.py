"""Metric reports: the MRR series, the summary, movements, status; exchange rates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import NotRequired, TypedDict

from sqlalchemy import Row
from sqlalchemy.orm import Session

from revledger.auth.service import Principal
from revledger.errors import ErrorCode, FieldError, ValidationFailed, field_error
from revledger.kit.calendar import bucket_end, minus_month
from revledger.kit.items import Checker, ImportStatus, Item
from revledger.kit.pagination import cut, decode_cursor
from revledger.kit.rounding import divide_half_up, round_half_up
from revledger.kit.timeutil import format_utc, get_zone, parse_date, utcnow
from revledger.metrics import repository as repo
from revledger.metrics.jobs import Calculator
from revledger.metrics.rules import MRR_SCALE, units_to_minor
from revledger.sources.service import require

INTERVALS = ("day", "week", "month", "quarter", "year")
MAX_POINTS = 5000
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
SUMMARY_OFFSETS = (30, 60, 180, 365)


# --- what the API sends: the wire shapes that schemas.py declares ---------------------
# Amounts are integers in minor units of the reporting currency, days YYYY-MM-DD.


class MissingRateOut(TypedDict):
    currency: str
    date: str
    customers: int


class MrrInterval(TypedDict):
    date: str
    mrr: int
    new: int
    expansion: int
    contraction: int
    churn: int
    reactivation: int
    customers: int


class MrrMeta(TypedDict):
    currency: str
    interval: str
    start_date: str
    end_date: str
    missing_exchange_rates: list[MissingRateOut]
    source: NotRequired[str]
    plan_id: NotRequired[str]


class MrrSeries(TypedDict):
    data: list[MrrInterval]
    meta: MrrMeta


class SummaryFigures(TypedDict):
    date: str
    period_start: str
    mrr: int
    arr: int
    arpa: int
    customers: int
    customer_churn_rate: str | None
    mrr_churn_rate: str | None
    net_mrr_retention: str | None


class EarlierSummary(SummaryFigures):
    days_ago: int


class SummaryMeta(TypedDict):
    currency: str
    date: str
    missing_exchange_rates: list[MissingRateOut]


class Summary(TypedDict):
    data: SummaryFigures
    earlier: list[EarlierSummary]
    meta: SummaryMeta


class MovementOut(TypedDict):
    date: str
    source_id: str
    customer_id: str
    type: str
    before: int
    after: int
    amount: int


class MovementMeta(TypedDict):
    currency: str
    start_date: str
    end_date: str
    next_cursor: NotRequired[str]


class MovementList(TypedDict):
    data: list[MovementOut]
    meta: MovementMeta


class FailedCustomer(TypedDict):
    source_id: str
    customer_id: str
    error: str
    failed_at: str


class MetricsStatus(TypedDict):
    pending_customers: int
    last_recalculated_at: str | None
    missing_exchange_rates: list[MissingRateOut]
    failed_customers: list[FailedCustomer]


class MetricsStatusEnvelope(TypedDict):
    data: MetricsStatus


class MrrPoint(TypedDict):
    """One change of a customer's MRR (`customers.schemas.MrrPoint`)."""

    date: str
    mrr: int
    type: str
    amount: int


class SubscriptionOut(TypedDict):
    id: str
    plan_id: str | None
    status: str
    mrr: int
    start_date: str
    end_date: str


class CustomerMetrics(TypedDict):
    """What `customers.schemas.CustomerDetail` adds to a customer."""

    mrr: int
    currency: str
    metrics_pending: bool
    subscriptions: list[SubscriptionOut]


class RateImportOut(TypedDict):
    date: object
    """The item's `date`, as sent."""
    currency: object
    """The item's `currency`, as sent."""
    import_status: str
    import_error: NotRequired[str]


class RateOut(TypedDict):
    date: str
    currency: str
    rate: str
    base: str


class RateListBody(TypedDict):
    count: int
    list: list[RateOut]


class RateList(TypedDict):
    result: RateListBody


# --- reports ------------------------------------------------------------------------


def parse_day(name: str, value: str | None, required: bool = True) -> date | None:
    if value is None or value == "":
        if required:
            raise field_error(name, "is required (a date YYYY-MM-DD)")
        return None
    try:
        day = parse_date(value)
    except ValueError as exc:
        raise field_error(name, str(exc)) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise field_error(name, f"must be between {FIRST_DAY} and {LAST_DAY}")
    return day


def today(principal: Principal) -> date:
    return utcnow().astimezone(get_zone(principal.timezone)).date()


def _sources(session: Session, principal: Principal, source: str | None) -> list[str] | None:
    if source is None or source == "":
        return None
    return [require(session, principal.workspace_id, source)]


def currency(session: Session, workspace_id: str) -> str:
    return repo.workspace_settings(session, workspace_id)[1]


def series(
    session: Session,
    principal: Principal,
    start_s: str | None,
    end_s: str | None,
    interval: str,
    source: str | None,
    plan_id: str | None,
) -> MrrSeries:
    if interval not in INTERVALS:
        raise field_error("interval", f"must be one of {', '.join(INTERVALS)}")
    start = parse_day("start_date", start_s)
    end = parse_day("end_date", end_s)
    assert start is not None and end is not None
    if end < start:
        raise field_error("end_date", "must not be before start_date")
    buckets: list[tuple[date, date]] = []
    cur = start
    while cur <= end:
        last = min(bucket_end(cur, interval), end)
        buckets.append((cur, last))
        if len(buckets) > MAX_POINTS:
            raise field_error(
                "interval", f"more than {MAX_POINTS} points; choose a longer interval"
            )
        cur = last + timedelta(days=1)
    ws = principal.workspace_id
    source_ids = _sources(session, principal, source)
    if plan_id and "\x00" in plan_id:
        raise field_error("plan_id", "must not contain NUL characters")
    if plan_id:
        plans = repo.plan_pks_by_external(session, ws, plan_id, source_ids)
        base, days = (
            repo.plan_totals(session, ws, plans, source_ids, start, end)
            if plans
            else (
                [0, 0],
                [],
            )
        )
    else:
        base, days = repo.daily_totals(session, ws, source_ids, start, end)
    mrr, customers = base
    data: list[MrrInterval] = []
    i, n = 0, len(days)
    for _first, last in buckets:
        new = expansion = contraction = churn = reactivation = 0
        while i < n and days[i][0] <= last:
            d_mrr, d_new, d_exp, d_con, d_churn, d_react, d_customers = days[i][1]
            mrr += d_mrr
            new += d_new
            expansion += d_exp
            contraction += d_con
            churn += d_churn
            reactivation += d_react
            customers += d_customers
            i += 1
        data.append(
            {
                "date": last.isoformat(),
                "mrr": units_to_minor(mrr),
                "new": units_to_minor(new),
                "expansion": units_to_minor(expansion),
                "contraction": units_to_minor(contraction),
                "churn": units_to_minor(churn),
                "reactivation": units_to_minor(reactivation),
                "customers": customers,
            }
        )
    meta: MrrMeta = {
        "currency": currency(session, ws),
        "interval": interval,
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "missing_exchange_rates": missing_rates(session, ws),
    }
    if source_ids is not None:
        meta["source"] = source_ids[0]
    if plan_id:
        meta["plan_id"] = plan_id
    return {"data": data, "meta": meta}


def _ratio(numerator: int, denominator: int) -> str | None:
    if denominator == 0:
        return None
    value = Decimal(numerator) / Decimal(denominator)
    return str(round_half_up(value, 4))


def summary_at(
    session: Session, ws: str, day: date, source_ids: list[str] | None
) -> SummaryFigures:
    start = minus_month(day)
    mrr, customers = repo.mrr_and_customers_on(session, ws, day, source_ids)
    mrr_start, customers_start = repo.mrr_and_customers_on(session, ws, start, source_ids)
    sums = repo.period_sums(session, ws, start, day, source_ids)
    churned = repo.churned_customers(session, ws, start, day, source_ids)
    retained = repo.retained_movements(session, ws, start, day, source_ids)
    lost = -(sums[3] + sums[4])
    return {
        "date": day.isoformat(),
        "period_start": start.isoformat(),
        "mrr": units_to_minor(mrr),
        "arr": units_to_minor(12 * mrr),
        "arpa": divide_half_up(mrr, MRR_SCALE * customers) if customers else 0,
        "customers": customers,
        "customer_churn_rate": _ratio(churned, customers_start),
        "mrr_churn_rate": _ratio(lost, mrr_start),
        "net_mrr_retention": _ratio(mrr_start + retained, mrr_start),
    }


def summary(
    session: Session, principal: Principal, date_s: str | None, source: str | None
) -> Summary:
    day = parse_day("date", date_s, required=False) or today(principal)
    ws = principal.workspace_id
    source_ids = _sources(session, principal, source)
    data = summary_at(session, ws, day, source_ids)
    earlier: list[EarlierSummary] = []
    for offset in SUMMARY_OFFSETS:
        entry = summary_at(session, ws, day - timedelta(days=offset), source_ids)
        earlier.append({"days_ago": offset, **entry})
    return {
        "data": data,
        "earlier": earlier,
        "meta": {
            "currency": currency(session, ws),
            "date": day.isoformat(),
            "missing_exchange_rates": missing_rates(session, ws),
        },
    }


def movement_out(row: Row[date, str, str, str, int, int, str]) -> MovementOut:
    day, _customer_pk, source_id, kind, before, after, customer_id = row
    return {
        "date": day.isoformat(),
        "source_id": source_id,
        "customer_id": customer_id,
        "type": kind,
        "before": units_to_minor(before),
        "after": units_to_minor(after),
        "amount": units_to_minor(after - before),
    }


def movement_list(
    session: Session,
    principal: Principal,
    start_s: str | None,
    end_s: str | None,
    kind: str | None,
    source: str | None,
    limit: int,
    cursor: str | None,
) -> MovementList:
    start = parse_day("start_date", start_s)
    end = parse_day("end_date", end_s)
    assert start is not None and end is not None
    if end < start:
        raise field_error("end_date", "must not be before start_date")
    if kind is not None and kind not in (
        "new",
        "expansion",
        "contraction",
        "churn",
        "reactivation",
    ):
        raise field_error("type", "must be one of new, expansion, contraction, churn, reactivation")
    after = None
    if cursor:
        values = decode_cursor(cursor, 2)
        try:
            date.fromisoformat(values[0])
        except ValueError:
            raise field_error("cursor", "is not a cursor this list returned") from None
        after = (values[0], values[1])
    ws = principal.workspace_id
    rows = repo.movements_page(
        session, ws, start, end, kind, _sources(session, principal, source), after, limit + 1
    )
    shown, next_cursor = cut(rows, limit, lambda r: [r[0].isoformat(), r[1]])  # day, pk
    body: MovementList = {
        "data": [movement_out(r) for r in shown],
        "meta": {
            "currency": currency(session, ws),
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
        },
    }
    if next_cursor is not None:
        body["meta"]["next_cursor"] = next_cursor
    return body


def _missing_out(missing: list[repo.MissingRates]) -> list[MissingRateOut]:
    return [{"currency": c, "date": day.isoformat(), "customers": n} for c, day, n in missing]


def missing_rates(session: Session, workspace_id: str) -> list[MissingRateOut]:
    """Currencies some customers' MRR could not be converted from (counted as 0)."""
    return _missing_out(repo.missing_rates(session, workspace_id))


def status(session: Session, principal: Principal) -> MetricsStatusEnvelope:
    pending, last, missing = repo.status(session, principal.workspace_id)
    return {
        "data": {
            "pending_customers": pending,
            "last_recalculated_at": format_utc(last) if last else None,
            "missing_exchange_rates": _missing_out(missing),
            "failed_customers": [
                {
                    "source_id": source_id,
                    "customer_id": customer_id,
                    "error": error,
                    "failed_at": format_utc(failed_at),
                }
                for source_id, customer_id, error, failed_at in repo.failures(
                    session, principal.workspace_id
                )
            ],
        }
    }


# --- one customer -------------------------------------------------------------------


def customer_history(session: Session, customer_pk: str) -> list[MrrPoint]:
    return [
        {
            "date": day.isoformat(),
            "mrr": units_to_minor(after),
            "type": kind,
            "amount": units_to_minor(after - before),
        }
        for day, kind, before, after in repo.customer_movements(session, customer_pk)
    ]


@dataclass
class _Subscription:
    """A subscription of one customer as its segments are read, in order of start."""

    id: str
    plan_pk: str | None
    start: date
    end: date
    units: int = 0


def customer_now(session: Session, principal: Principal, customer_pk: str) -> CustomerMetrics:
    """Current MRR (from the recalculated movements) and subscriptions (from invoices)."""
    day = today(principal)
    current = 0
    for moved, _kind, _before, after in repo.customer_movements(session, customer_pk):
        if moved > day:
            break
        current = after
    calc = Calculator(session, principal.workspace_id)
    segs, _facts = calc.segments([customer_pk])[customer_pk]
    subs: dict[str, _Subscription] = {}
    for s in sorted(segs, key=lambda s: s.start):
        sub = subs.setdefault(s.subscription, _Subscription(s.subscription, s.plan, s.start, s.end))
        sub.end = s.end
        if s.start <= day < s.end:
            sub.units = s.units
            sub.plan_pk = s.plan
        elif s.start <= day:
            sub.plan_pk = s.plan
    plan_ids = repo.plan_external_ids(session, {s.plan_pk for s in subs.values() if s.plan_pk})
    out: list[SubscriptionOut] = []
    for sub in subs.values():
        status = (
            "active"
            if sub.units or (sub.start <= day < sub.end)
            else ("future" if sub.start > day else "churned")
        )
        out.append(
            {
                "id": sub.id,
                "plan_id": plan_ids.get(sub.plan_pk) if sub.plan_pk is not None else None,
                "status": status,
                "mrr": units_to_minor(sub.units),
                "start_date": sub.start.isoformat(),
                "end_date": sub.end.isoformat(),
            }
        )
    return {
        "mrr": units_to_minor(current),
        "currency": calc.reporting,
        "metrics_pending": repo.customer_is_pending(session, customer_pk),
        "subscriptions": out,
    }


# --- exchange rates -----------------------------------------------------------------

RATE_FIELDS = ("date", "currency", "rate")


def _rate(check: Checker) -> str | None:
    value = check.item.get("rate")
    if value is None:
        check.fail("rate", ErrorCode.REQUIRED, "Missing rate")
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            raise InvalidOperation
        rate = Decimal(value) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        rate = None
    if (
        rate is None
        or not rate.is_finite()
        or rate <= 0
        or rate >= Decimal(10) ** 9
        or (
            rate.as_tuple().exponent < -12  # type: ignore[operator]
        )
    ):
        check.fail(
            "rate",
            ErrorCode.INVALID,
            f"Invalid rate '{value}': must be a positive decimal with at most 12 decimals",
        )
        return None
    text = format(rate.normalize(), "f")
    return text


@dataclass(frozen=True, slots=True)
class RateResult:
    """What became of one posted rate (like `kit.items.ItemResult`, but a rate has no id:
    it is shown by its `date` and `currency`, as sent)."""

    date: object
    currency: object
    status: ImportStatus
    errors: tuple[FieldError, ...] = ()

    @property
    def message(self) -> str:
        """The `import_error`: every message, joined by '; '."""
        return "; ".join(e.message for e in self.errors)


def rate_json(result: RateResult) -> RateImportOut:
    """The result entry: `{"date", "currency", "import_status", "import_error"?}`."""
    out: RateImportOut = {
        "date": result.date,
        "currency": result.currency,
        "import_status": result.status.value,
    }
    if result.status is ImportStatus.ERROR:
        out["import_error"] = result.message
    return out


def import_rates(session: Session, principal: Principal, items: list[Item]) -> list[RateResult]:
    ws = principal.workspace_id
    base = currency(session, ws)
    parsed: list[tuple[int, str, date, str]] = []
    errors: dict[int, tuple[FieldError, ...]] = {}
    for index, item in enumerate(items):
        check = Checker(item)
        check.unknown_fields(RATE_FIELDS)
        raw_day = item.get("date")
        day = None
        if raw_day is None:
            check.fail("date", ErrorCode.REQUIRED, "Missing date")
        else:
            try:
                day = parse_date(raw_day) if isinstance(raw_day, str) else None
                if day is None:
                    raise ValueError("must be a date (YYYY-MM-DD)")
            except ValueError as exc:
                check.fail("date", ErrorCode.INVALID, f"Invalid date '{raw_day}': {exc}")
        cur = check.currency()
        if cur is not None and cur == base:
            check.fail(
                "currency",
                ErrorCode.INVALID,
                f"Invalid currency '{cur}': it is the reporting currency",
            )
        rate = _rate(check)
        if check.errors:
            errors[index] = tuple(check.errors)
        else:
            assert day is not None and cur is not None and rate is not None
            parsed.append((index, cur, day, rate))
    stored = repo.existing_rates(session, ws, base, [(c, d) for _, c, d, _ in parsed])
    statuses: dict[int, ImportStatus] = {}
    final: dict[tuple[str, date], str] = {}
    for index, cur, day, rate in parsed:
        key = (cur, day)
        before = final.get(key, stored.get(key))
        if before is None:
            statuses[index] = ImportStatus.INSERTED
        elif before == rate:
            statuses[index] = ImportStatus.UNCHANGED
        else:
            statuses[index] = ImportStatus.UPDATED
        final[key] = rate
    now = utcnow()
    changed = {k: v for k, v in final.items() if stored.get(k) != v}
    rows: list[repo.RateRow] = [
        {
            "workspace_id": ws,
            "base": base,
            "currency": c,
            "day": d,
            "rate": r,
            "updated_at": now,
        }
        for (c, d), r in sorted(changed.items())
    ]
    repo.upsert_rates(session, rows)
    for cur in sorted({c for c, _ in changed}):
        repo.mark_currency(session, ws, cur, now)
    return [
        RateResult(item.get("date"), item.get("currency"), ImportStatus.ERROR, errors[index])
        if index in errors
        else RateResult(item.get("date"), item.get("currency"), statuses[index])
        for index, item in enumerate(items)
    ]


def list_rates(session: Session, principal: Principal, currency_filter: str | None) -> RateList:
    base = currency(session, principal.workspace_id)
    if currency_filter:
        try:
            from revledger.kit.currencies import parse_currency

            currency_filter = parse_currency(currency_filter)
        except ValueError as exc:
            raise ValidationFailed([FieldError("currency", ErrorCode.INVALID, str(exc))]) from None
    items: list[RateOut] = [
        {"date": day.isoformat(), "currency": cur, "rate": rate, "base": base}
        for cur, day, rate in repo.list_rates(
            session, principal.workspace_id, base, currency_filter
        )
    ]
    return {"result": {"count": len(items), "list": items}}
