"""Every query on GL account sets and account rules."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import cast

from sqlalchemy import Table, case, select
from sqlalchemy.orm import Session

from revledger.accounts.models import GlAccountRule, GlAccountSet
from revledger.accounts.rules import AccountNames
from revledger.kit import sql
from revledger.plans.models import Plan

PLANS = cast(Table, Plan.__table__)


SETS = cast(Table, GlAccountSet.__table__)


RULES = cast(Table, GlAccountRule.__table__)


class AccountSetRow(AccountNames):
    """A row of gl_account_sets: the four names, the set's id (their hash) and more."""

    id: str
    workspace_id: str
    created_at: datetime


class RuleRow(AccountNames):
    """A rule as `rule_listing` reads it: its keys ('' = any), its set's four names and
    the plan's seed-003 id and source (None when the rule names no plan)."""

    source_id: str
    plan_pk: str
    updated_at: datetime
    plan_id: str | None
    plan_source_id: str | None


def ensure_sets(session: Session, rows: Iterable[AccountSetRow]) -> None:
    """Store account sets that are not stored yet (their id is their content's hash)."""
    values = list(rows)
    if values:
        session.execute(sql.insert(session, SETS).values(values).on_conflict_do_nothing())


def rules(session: Session, workspace_id: str) -> dict[tuple[str, str], str]:
    """(source id or '', plan pk or '') -> account set id, for every rule of the workspace."""
    rows = session.execute(
        select(RULES.c.source_id, RULES.c.plan_pk, RULES.c.set_id).where(
            RULES.c.workspace_id == workspace_id
        )
    )
    return {(r.source_id, r.plan_pk): r.set_id for r in rows}


def upsert_rule(
    session: Session, workspace_id: str, source_id: str, plan_pk: str, set_id: str, now: datetime
) -> None:
    stmt = sql.insert(session, RULES).values(
        workspace_id=workspace_id,
        source_id=source_id,
        plan_pk=plan_pk,
        set_id=set_id,
        updated_at=now,
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["workspace_id", "source_id", "plan_pk"],
            set_={"set_id": stmt.excluded.set_id, "updated_at": stmt.excluded.updated_at},
        )
    )


def rule_listing(session: Session, workspace_id: str) -> list[RuleRow]:
    """Every rule with its four account names and the plan's seed-003 id: the workspace
    rule, plan-only rules, then by source (the source's own rule before its plans')."""
    stmt = (
        select(
            RULES.c.source_id,
            RULES.c.plan_pk,
            RULES.c.updated_at,
            PLANS.c.external_id.label("plan_id"),
            PLANS.c.source_id.label("plan_source_id"),
            SETS.c.accounts_receivable,
            SETS.c.deferred_revenue,
            SETS.c.revenue,
            SETS.c.refunds,
        )
        .join(SETS, SETS.c.id == RULES.c.set_id)
        .outerjoin(PLANS, PLANS.c.pk == RULES.c.plan_pk)
        .where(RULES.c.workspace_id == workspace_id)
        .order_by(
            RULES.c.source_id,
            case((RULES.c.plan_pk == "", 0), else_=1),
            PLANS.c.external_id,
            RULES.c.plan_pk,
        )
    )
    return [cast(RuleRow, dict(r)) for r in session.execute(stmt).mappings()]


def account_sets(
    session: Session, workspace_id: str, ids: Iterable[str]
) -> dict[str, AccountSetRow]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(SETS).where(SETS.c.workspace_id == workspace_id, SETS.c.id.in_(wanted))
    ).mappings()
    return {r["id"]: cast(AccountSetRow, dict(r)) for r in rows}


def plans_named(
    session: Session, workspace_id: str, source_id: str | None, external_id: str
) -> list[str]:
    """The pks of the plans with this seed-003 id (in one source, or in any source of the
    workspace); two at most, which is enough to tell that the id is ambiguous."""
    where = [PLANS.c.workspace_id == workspace_id, PLANS.c.external_id == external_id]
    if source_id is not None:
        where.append(PLANS.c.source_id == source_id)
    return list(session.scalars(select(PLANS.c.pk).where(*where).limit(2)))
