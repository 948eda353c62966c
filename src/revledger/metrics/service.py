"""Metric reports: the MRR series, the summary, movements, status; exchange rates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

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
) -> dict[str, Any]:
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
    data = []
    i, n = 0, len(days)
    for _first, last in buckets:
        new = expansion = contraction = churn = reactivation = 0
        while i < n and days[i][0] <= last:
            _day, d_mrr, d_new, d_exp, d_con, d_churn, d_react, d_customers = days[i]
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
    meta: dict[str, Any] = {
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
) -> dict[str, Any]:
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
) -> dict[str, Any]:
    day = parse_day("date", date_s, required=False) or today(principal)
    ws = principal.workspace_id
    source_ids = _sources(session, principal, source)
    data = summary_at(session, ws, day, source_ids)
    earlier = []
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


def movement_out(row: Any) -> dict[str, Any]:
    return {
        "date": row.day.isoformat(),
        "source_id": row.source_id,
        "customer_id": row.external_id,
        "type": row.type,
        "before": units_to_minor(row.before_units),
        "after": units_to_minor(row.after_units),
        "amount": units_to_minor(row.after_units - row.before_units),
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
) -> dict[str, Any]:
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
    shown, next_cursor = cut(rows, limit, lambda r: [r.day.isoformat(), r.customer_pk])
    body: dict[str, Any] = {
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


def missing_rates(session: Session, workspace_id: str) -> list[dict[str, Any]]:
    """Currencies some customers' MRR could not be converted from (counted as 0)."""
    missing = repo.missing_rates(session, workspace_id)
    return [{"currency": r[0], "date": r[1].isoformat(), "customers": r[2]} for r in missing]


def status(session: Session, principal: Principal) -> dict[str, Any]:
    pending, last, missing = repo.status(session, principal.workspace_id)
    return {
        "data": {
            "pending_customers": pending,
            "last_recalculated_at": format_utc(last) if last else None,
            "missing_exchange_rates": [
                {"currency": r[0], "date": r[1].isoformat(), "customers": r[2]} for r in missing
            ],
            "failed_customers": [
                {
                    "source_id": r.source_id,
                    "customer_id": r.external_id,
                    "error": r.error,
                    "failed_at": format_utc(r.failed_at),
                }
                for r in repo.failures(session, principal.workspace_id)
            ],
        }
    }


# --- one customer -------------------------------------------------------------------


def customer_history(session: Session, customer_pk: str) -> list[dict[str, Any]]:
    return [
        {
            "date": r.day.isoformat(),
            "mrr": units_to_minor(r.after_units),
            "type": r.type,
            "amount": units_to_minor(r.after_units - r.before_units),
        }
        for r in repo.customer_movements(session, customer_pk)
    ]


def customer_now(session: Session, principal: Principal, customer_pk: str) -> dict[str, Any]:
    """Current MRR (from the recalculated movements) and subscriptions (from invoices)."""
    day = today(principal)
    current = 0
    for r in repo.customer_movements(session, customer_pk):
        if r.day > day:
            break
        current = r.after_units
    calc = Calculator(session, principal.workspace_id)
    segs, _facts = calc.segments([customer_pk])[customer_pk]
    subs: dict[str, dict[str, Any]] = {}
    for s in sorted(segs, key=lambda s: s.start):
        sub = subs.setdefault(
            s.subscription,
            {"id": s.subscription, "plan_pk": s.plan, "start": s.start, "end": s.end, "units": 0},
        )
        sub["end"] = s.end
        if s.start <= day < s.end:
            sub["units"] = s.units
            sub["plan_pk"] = s.plan
        elif s.start <= day:
            sub["plan_pk"] = s.plan
    plan_ids = repo.plan_external_ids(
        session, {s["plan_pk"] for s in subs.values() if s["plan_pk"]}
    )
    out = []
    for sub in subs.values():
        status = (
            "active"
            if sub["units"] or (sub["start"] <= day < sub["end"])
            else ("future" if sub["start"] > day else "churned")
        )
        out.append(
            {
                "id": sub["id"],
                "plan_id": plan_ids.get(sub["plan_pk"]),
                "status": status,
                "mrr": units_to_minor(sub["units"]),
                "start_date": sub["start"].isoformat(),
                "end_date": sub["end"].isoformat(),
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


def import_rates(session: Session, principal: Principal, items: list[Item]) -> list[dict[str, Any]]:
    ws = principal.workspace_id
    base = currency(session, ws)
    parsed: list[tuple[int, str, date, str]] = []
    errors: dict[int, str] = {}
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
            errors[index] = "; ".join(e.message for e in check.errors)
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
    repo.upsert_rates(
        session,
        [
            {
                "workspace_id": ws,
                "base": base,
                "currency": c,
                "day": d,
                "rate": r,
                "updated_at": now,
            }
            for (c, d), r in sorted(changed.items())
        ],
    )
    for cur in sorted({c for c, _ in changed}):
        repo.mark_currency(session, ws, cur, now)
    out = []
    for index, item in enumerate(items):
        entry: dict[str, Any] = {"date": item.get("date"), "currency": item.get("currency")}
        if index in errors:
            entry["import_status"] = ImportStatus.ERROR.value
            entry["import_error"] = errors[index]
        else:
            entry["import_status"] = statuses[index].value
        out.append(entry)
    return out


def list_rates(
    session: Session, principal: Principal, currency_filter: str | None
) -> dict[str, Any]:
    base = currency(session, principal.workspace_id)
    if currency_filter:
        try:
            from revledger.kit.currencies import parse_currency

            currency_filter = parse_currency(currency_filter)
        except ValueError as exc:
            raise ValidationFailed([FieldError("currency", ErrorCode.INVALID, str(exc))]) from None
    rows = repo.list_rates(session, principal.workspace_id, base, currency_filter)
    items = [
        {"date": r.day.isoformat(), "currency": r.currency, "rate": r.rate, "base": base}
        for r in rows
    ]
    return {"result": {"count": len(items), "list": items}}
