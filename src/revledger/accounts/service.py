"""The GL accounts of revenue schedules: four names per set, chosen per source and plan.

A schedule keeps the account set in force when it was created, so journal entries
already made never change. The most specific rule wins: source and plan, plan, source,
workspace, built-in defaults.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TypedDict

from sqlalchemy.orm import Session

from revledger.accounts import repository
from revledger.accounts.repository import AccountSetRow, RuleRow
from revledger.accounts.rules import ACCOUNT_FIELDS, AccountNames
from revledger.accounts.schemas import GlAccountsIn
from revledger.errors import field_error
from revledger.sources import repository as sources


class AccountTypes(TypedDict):
    """The wire shape of `schemas.AccountTypes`."""

    accounts_receivable: str
    deferred_revenue: str
    revenue: str
    refunds: str


class GlRuleOut(TypedDict):
    """A rule as the API shows it (the wire shape of `schemas.GlRuleOut`)."""

    source_id: str | None
    plan_id: str | None
    accounts: AccountNames
    updated_at: datetime


class GlAccountsOut(TypedDict):
    """The chart of accounts (the wire shape of `schemas.GlAccountsOut`)."""

    defaults: AccountNames
    built_in_defaults: AccountNames
    account_types: AccountTypes
    rules: list[GlRuleOut]


DEFAULT_ACCOUNTS = AccountNames(
    accounts_receivable="Accounts Receivable",
    deferred_revenue="Deferred Revenue",
    revenue="Revenue",
    refunds="Refunds",
)


ACCOUNT_TYPES = AccountTypes(
    accounts_receivable="asset",
    deferred_revenue="liability",
    revenue="revenue",
    refunds="contra-revenue",
)


_NAMESPACE = uuid.UUID("6f1f7a52-4b8e-4c1e-9f55-0a6f3c2f8d11")


def set_id(workspace_id: str, accounts: AccountNames) -> str:
    """The id of an account set: a hash of the workspace and the four names."""
    key = "\x1f".join([workspace_id, *(accounts[f] for f in ACCOUNT_FIELDS)])
    return str(uuid.uuid5(_NAMESPACE, key))


def _set_row(workspace_id: str, accounts: AccountNames, now: datetime) -> AccountSetRow:
    return {
        "id": set_id(workspace_id, accounts),
        "workspace_id": workspace_id,
        "created_at": now,
        **accounts,
    }


def account_set_ids(
    session: Session,
    workspace_id: str,
    keys: Iterable[tuple[str, str | None]],
    now: datetime,
) -> dict[tuple[str, str | None], str]:
    """(source id, plan pk or None) -> the account set new schedules of that source and
    plan use. Most specific rule first: source+plan, plan, source, workspace, default."""
    rules = repository.rules(session, workspace_id)
    default = set_id(workspace_id, DEFAULT_ACCOUNTS)
    out: dict[tuple[str, str | None], str] = {}
    for source_id, plan_pk in keys:
        plan = plan_pk or ""
        out[(source_id, plan_pk)] = (
            rules.get((source_id, plan))
            or (rules.get(("", plan)) if plan else None)
            or rules.get((source_id, ""))
            or rules.get(("", ""))
            or default
        )
    if default in out.values():
        repository.ensure_sets(session, [_set_row(workspace_id, DEFAULT_ACCOUNTS, now)])
    return out


def _accounts_out(row: AccountNames) -> AccountNames:
    return AccountNames(
        accounts_receivable=row["accounts_receivable"],
        deferred_revenue=row["deferred_revenue"],
        revenue=row["revenue"],
        refunds=row["refunds"],
    )


def _rule_out(row: RuleRow) -> GlRuleOut:
    return {
        "source_id": row["source_id"] or None,
        "plan_id": row["plan_id"] if row["plan_pk"] else None,
        "accounts": _accounts_out(row),
        "updated_at": row["updated_at"],
    }


def gl_accounts(session: Session, workspace_id: str) -> GlAccountsOut:
    """The accounts new schedules use by default (the workspace rule, else the built-in
    defaults), the built-in defaults, and every rule."""
    rows = repository.rule_listing(session, workspace_id)
    workspace_rule = next((r for r in rows if not r["source_id"] and not r["plan_pk"]), None)
    return {
        "defaults": (
            _accounts_out(workspace_rule) if workspace_rule is not None else DEFAULT_ACCOUNTS.copy()
        ),
        "built_in_defaults": DEFAULT_ACCOUNTS.copy(),
        "account_types": ACCOUNT_TYPES.copy(),
        "rules": [_rule_out(r) for r in rows],
    }


def put_gl_accounts(
    session: Session, workspace_id: str, body: GlAccountsIn, now: datetime
) -> GlRuleOut:
    """Set the accounts of the workspace, a source, a plan or a plan within a source.
    Applies to schedules created from now on; existing schedules keep theirs."""
    source_id = ""
    if body.source_id is not None:
        found = sources.resolve(session, workspace_id, [body.source_id]).get(body.source_id)
        if found is None:
            raise field_error(
                "source_id", f"No revenue source '{body.source_id}' in this workspace"
            )
        source_id = found
    plan_pk = ""
    if body.plan_id is not None:
        plans = repository.plans_named(session, workspace_id, source_id or None, body.plan_id)
        if not plans:
            where = "in this source" if source_id else "in this workspace"
            raise field_error("plan_id", f"No plan with id '{body.plan_id}' {where}")
        if len(plans) > 1:
            raise field_error(
                "plan_id",
                f"Plans with id '{body.plan_id}' exist in several sources: give source_id",
            )
        plan_pk = plans[0]
    names = body.accounts
    accounts = AccountNames(
        accounts_receivable=names.accounts_receivable,
        deferred_revenue=names.deferred_revenue,
        revenue=names.revenue,
        refunds=names.refunds,
    )
    new_set = _set_row(workspace_id, accounts, now)
    repository.ensure_sets(session, [new_set])
    repository.upsert_rule(session, workspace_id, source_id, plan_pk, new_set["id"], now)
    return {
        "source_id": source_id or None,
        "plan_id": body.plan_id,
        "accounts": accounts,
        "updated_at": now,
    }
