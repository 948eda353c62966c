"""The GL accounts of revenue schedules: four names per set, chosen per source and plan.

A schedule keeps the account set in force when it was created, so journal entries
already made never change. The most specific rule wins: source and plan, plan, source,
workspace, built-in defaults.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from revledger.accounts import repository
from revledger.accounts.rules import ACCOUNT_FIELDS
from revledger.accounts.schemas import GlAccountsIn
from revledger.errors import field_error
from revledger.sources import repository as sources

DEFAULT_ACCOUNTS = {
    "accounts_receivable": "Accounts Receivable",
    "deferred_revenue": "Deferred Revenue",
    "revenue": "Revenue",
    "refunds": "Refunds",
}


ACCOUNT_TYPES = {
    "accounts_receivable": "asset",
    "deferred_revenue": "liability",
    "revenue": "revenue",
    "refunds": "contra-revenue",
}


_NAMESPACE = uuid.UUID("6f1f7a52-4b8e-4c1e-9f55-0a6f3c2f8d11")


def set_id(workspace_id: str, accounts: dict[str, str]) -> str:
    """The id of an account set: a hash of the workspace and the four names."""
    key = "\x1f".join([workspace_id, *(accounts[f] for f in ACCOUNT_FIELDS)])
    return str(uuid.uuid5(_NAMESPACE, key))


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
        repository.ensure_sets(
            session,
            [{"id": default, "workspace_id": workspace_id, "created_at": now, **DEFAULT_ACCOUNTS}],
        )
    return out


def _accounts_out(row: Any) -> dict[str, str]:
    return {f: getattr(row, f) for f in ACCOUNT_FIELDS}


def _rule_out(row: Any) -> dict[str, Any]:
    return {
        "source_id": row.source_id or None,
        "plan_id": row.plan_id if row.plan_pk else None,
        "accounts": _accounts_out(row),
        "updated_at": row.updated_at,
    }


def gl_accounts(session: Session, workspace_id: str) -> dict[str, Any]:
    """The accounts new schedules use by default (the workspace rule, else the built-in
    defaults), the built-in defaults, and every rule."""
    rows = repository.rule_listing(session, workspace_id)
    workspace_rule = next((r for r in rows if not r.source_id and not r.plan_pk), None)
    return {
        "defaults": _accounts_out(workspace_rule) if workspace_rule else dict(DEFAULT_ACCOUNTS),
        "built_in_defaults": dict(DEFAULT_ACCOUNTS),
        "account_types": dict(ACCOUNT_TYPES),
        "rules": [_rule_out(r) for r in rows],
    }


def put_gl_accounts(
    session: Session, workspace_id: str, body: GlAccountsIn, now: datetime
) -> dict[str, Any]:
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
        plan_pk = plans[0].pk
    accounts = body.accounts.model_dump()
    new_set = set_id(workspace_id, accounts)
    repository.ensure_sets(
        session, [{"id": new_set, "workspace_id": workspace_id, "created_at": now, **accounts}]
    )
    repository.upsert_rule(session, workspace_id, source_id, plan_pk, new_set, now)
    return {
        "source_id": source_id or None,
        "plan_id": body.plan_id,
        "accounts": accounts,
        "updated_at": now,
    }
