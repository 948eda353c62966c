"""The scopes an API key can hold. `admin` implies every other scope.

Each domain registers its scopes here so the list stays in one place.
"""

from __future__ import annotations

ADMIN = "admin"

SCOPES: dict[str, str] = {
    "read:revenues": "List, read and export revenue records",
    "write:revenues": "Post revenue records",
    "read:sources": "List and read revenue sources",
    "write:sources": "Create revenue sources",
    "read:customers": "List and read customers and their MRR",
    "write:customers": "Import (upsert) customers",
    "read:plans": "List and read plans",
    "write:plans": "Import (upsert) plans",
    "read:invoices": "List invoices and exchange rates",
    "write:invoices": "Import (upsert) invoices and exchange rates",
    "read:metrics": "Read MRR, ARR, churn, movements and recalculation status",
    "read:recognition": "Read accounting periods, revenue schedules, events and reports",
    "write:recognition": "Close and reopen accounting periods, distribute manual schedules",
    "read:journal": "Read GL accounts, journal entries, journal batches, trial balance",
    "write:journal": "Change GL accounts, mark journal batches transferred",
    "read:uploads": "List uploads, their errors, stage errors and upload templates",
    "write:uploads": "Upload files, create templates, repost or discard staged errors",
    ADMIN: "Everything, including API keys and workspace settings",
}


def grants(held: frozenset[str], needed: str) -> bool:
    return ADMIN in held or needed in held
