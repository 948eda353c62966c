"""Importing and listing plans. A change of a plan's interval re-marks its customers."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from revledger.events import bus
from revledger.kit import sql
from revledger.kit.calendar import INTERVAL_UNITS, RECOGNITION_RULES
from revledger.kit.items import Checked, Checker, Item, ItemResult, results, split_valid
from revledger.kit.timeutil import utcnow
from revledger.plans import repository
from revledger.plans.repository import T
from revledger.sources import repository as sources
from revledger.sources.service import checked_ref, source_list

FIELDS = (
    "id",
    "data_source",
    "name",
    "interval_count",
    "interval_unit",
    "currency",
    "amount_cents",
    "recognition_rule",
)
COMPARED = (
    "name",
    "interval_count",
    "interval_unit",
    "currency",
    "amount_cents",
    "recognition_rule",
)


def _interval(row: dict[str, Any]) -> tuple[str, int]:
    """What of a plan changes MRR: its interval (count 1 when not given)."""
    return row["interval_unit"], row.get("interval_count") or 1


def _validate(item: Item, known: dict[str, str], workspace_id: str) -> Checked:
    check = Checker(item)
    check.unknown_fields(FIELDS)
    external_id = check.ident("id", "Missing plan ID")
    source_id = checked_ref(check, known)
    name = check.text("name")
    count = check.integer("interval_count", 1, what="an integer from 1 to 1000", maximum=1000)
    unit = check.choice("interval_unit", INTERVAL_UNITS)
    currency = check.currency(required=False)
    amount = check.integer("amount_cents", 0, what="a non-negative integer")
    rule = check.choice("recognition_rule", RECOGNITION_RULES, required=False)
    if check.errors:
        return None, tuple(check.errors)
    return {
        "workspace_id": workspace_id,
        "source_id": source_id,
        "external_id": external_id,
        "name": name,
        "interval_count": count,
        "interval_unit": unit,
        "currency": currency,
        "amount_cents": amount,
        "recognition_rule": rule,
    }, ()


def import_plans(session: Session, workspace_id: str, items: list[Item]) -> list[ItemResult]:
    known = sources.resolve(session, workspace_id, [i.get("data_source") for i in items])
    errors, rows = split_valid(items, lambda item: _validate(item, known, workspace_id))
    now = utcnow()
    planned = sql.apply_upsert(session, T, workspace_id, rows, COMPARED, now)
    changed = [new["pk"] for old, new in planned.replaced if _interval(old) != _interval(new)]
    if changed:
        bus.publish(session, bus.PlansChanged(workspace_id, frozenset(changed), now))
    return results(items, errors, planned.statuses)


def plan_out(row: Any) -> dict[str, Any]:
    m = row._mapping
    out: dict[str, Any] = {"source_id": m["source_id"], "id": m["external_id"]}
    for name in COMPARED:
        if m[name] is not None:
            out[name] = m[name]
    return out


def page(
    session: Session, workspace_id: str, source: str, limit: int, cursor: str | None
) -> dict[str, Any]:
    return source_list(session, workspace_id, source, limit, cursor, repository.page, plan_out)
