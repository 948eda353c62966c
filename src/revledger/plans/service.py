"""Importing and listing plans. A change of a plan's interval re-marks its customers."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict, cast

from sqlalchemy import Row
from sqlalchemy.orm import Session

from revledger.events import bus
from revledger.kit.calendar import INTERVAL_UNITS, RECOGNITION_RULES
from revledger.kit.items import Checked, Checker, Item, ItemResult, RowDict, results, split_valid
from revledger.kit.timeutil import utcnow
from revledger.plans import repository
from revledger.plans.repository import PlanRow
from revledger.sources import repository as sources
from revledger.sources.service import CursorList, checked_ref, source_list

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


def _interval(row: RowDict) -> tuple[str, int]:
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
    assert source_id is not None and external_id is not None and unit is not None
    row: PlanRow = {
        "workspace_id": workspace_id,
        "source_id": source_id,
        "external_id": external_id,
        "name": name,
        "interval_count": count,
        "interval_unit": unit,
        "currency": currency,
        "amount_cents": amount,
        "recognition_rule": rule,
    }
    return cast(RowDict, row), ()  # kit's upsert plans plain rows


def import_plans(session: Session, workspace_id: str, items: list[Item]) -> list[ItemResult]:
    known = sources.resolve(session, workspace_id, [i.get("data_source") for i in items])
    errors, rows = split_valid(items, lambda item: _validate(item, known, workspace_id))
    now = utcnow()
    planned = repository.upsert(session, workspace_id, rows, COMPARED, now)
    changed = [new["pk"] for old, new in planned.replaced if _interval(old) != _interval(new)]
    if changed:
        bus.publish(session, bus.PlansChanged(workspace_id, frozenset(changed), now))
    return results(items, errors, planned.statuses)


class PlanOut(TypedDict):
    """A plan as the API shows it (the wire shape of `schemas.PlanOut`): a field without
    a value is left out."""

    source_id: str
    id: str
    name: NotRequired[str]
    interval_count: NotRequired[int]
    interval_unit: str
    currency: NotRequired[str]
    amount_cents: NotRequired[int]
    recognition_rule: NotRequired[str]


def plan_out(row: Row[Any]) -> PlanOut:
    m = row._mapping
    out: PlanOut = {
        "source_id": m["source_id"],
        "id": m["external_id"],
        "name": m["name"],
        "interval_count": m["interval_count"],
        "interval_unit": m["interval_unit"],  # NOT NULL
        "currency": m["currency"],
        "amount_cents": m["amount_cents"],
        "recognition_rule": m["recognition_rule"],
    }
    # what has no value is dropped (deleting a key keeps the order of the others)
    if out["name"] is None:
        del out["name"]
    if out["interval_count"] is None:
        del out["interval_count"]
    if out["currency"] is None:
        del out["currency"]
    if out["amount_cents"] is None:
        del out["amount_cents"]
    if out["recognition_rule"] is None:
        del out["recognition_rule"]
    return out


def page(
    session: Session, workspace_id: str, source: str, limit: int, cursor: str | None
) -> CursorList[PlanOut]:
    return source_list(session, workspace_id, source, limit, cursor, repository.page, plan_out)
