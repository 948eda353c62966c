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
    ADMIN: "Everything, including API keys",
}


def grants(held: frozenset[str], needed: str) -> bool:
    return ADMIN in held or needed in held
