"""The demo workspace of `revledger serve --demo`: created once, realistic rows."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from revledger.auth import repository as auth_repository
from revledger.auth.scopes import ADMIN
from revledger.auth.service import create_key, create_workspace
from revledger.kit.rounding import round_half_up
from revledger.kit.timeutil import utcnow
from revledger.revenues.service import post_records
from revledger.sources.schemas import RevenueSourceCreate
from revledger.sources.service import create as create_source

DEMO_NAME = "Demo workspace"
PRODUCTS = {
    "sku_monthly_basic": Decimal("19.000"),
    "sku_monthly_pro": Decimal("49.000"),
    "sku_annual_pro": Decimal("249.000"),
    "sku_team_seat": Decimal("12.500"),
}


def demo_records(
    source_ids: dict[str, str], count: int = 360, seed: int = 7
) -> list[dict[str, Any]]:
    """Sales over the last year, with refunds of some of them and a few adjustments."""
    rng = random.Random(seed)
    now = utcnow().replace(microsecond=0)
    records: list[dict[str, Any]] = []
    for n in range(count):
        source, currency = rng.choice([("stripe", "USD"), ("app-store", "EUR")])
        product, price = rng.choice(list(PRODUCTS.items()))
        when = now - timedelta(days=rng.randint(0, 364), seconds=rng.randint(0, 86399))
        sale = {
            "revenue_source_id": source_ids[source],
            "type": "sale",
            "amount": str(price),
            "currency": currency,
            "occurred_at": when.isoformat(),
            "external_id": f"{source}_txn_{n:05d}",
            "external_product_identifier": product,
            "description": f"{product} purchase",
        }
        records.append(sale)
        roll = rng.random()
        if roll < 0.08:
            records.append(
                {
                    **sale,
                    "type": "refund",
                    "amount": str(-price),
                    "occurred_at": (when + timedelta(days=rng.randint(1, 14))).isoformat(),
                    "external_id": f"{source}_refund_{n:05d}",
                    "description": "Customer refund",
                }
            )
        elif roll < 0.12:
            records.append(
                {
                    **sale,
                    "type": "adjustment",
                    "amount": str(-round_half_up(price * Decimal("0.15"), 3)),
                    "occurred_at": (when + timedelta(days=rng.randint(1, 30))).isoformat(),
                    "external_id": f"{source}_adj_{n:05d}",
                    "description": "Store fee correction",
                }
            )
    return [r for r in records if r["occurred_at"] <= now.isoformat()]


def ensure_demo(session: Session) -> tuple[str, str | None]:
    """(workspace id, new API key) — the key is None when the demo already existed,
    in which case a fresh admin key is issued so the person can use it."""
    existing = auth_repository.find_demo_workspace(session)
    if existing is not None:
        _key, secret = create_key(session, existing.id, "demo (reissued)", [ADMIN])
        return existing.id, secret
    workspace, secret = create_workspace(session, DEMO_NAME, demo=True)
    ids = {}
    for name, kind, currency in (("stripe", "stripe", "USD"), ("app-store", "app_store", "EUR")):
        source = create_source(
            session,
            workspace.id,
            RevenueSourceCreate(name=name, kind=kind, default_currency=currency),
        )
        ids[name] = source.id
    records = demo_records(ids)
    for start in range(0, len(records), 100):
        post_records(session, workspace.id, records[start : start + 100])
    return workspace.id, secret
