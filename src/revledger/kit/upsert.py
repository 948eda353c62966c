"""An upsert planned in Python: which items insert, update or change nothing (no SQL).

Rows are keyed by (source id, external id); `kit.sql.apply_upsert` loads the stored
rows, asks `plan_upsert` and writes the plan set-wise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from revledger.kit.items import ImportStatus, RowDict

Key = tuple[str, str]
"""(source id, external id)"""


@dataclass
class Planned:
    """What one import request will write, and the status of each item."""

    statuses: dict[int, ImportStatus] = field(default_factory=dict)
    inserts: dict[Key, RowDict] = field(default_factory=dict)
    updates: dict[Key, RowDict] = field(default_factory=dict)
    replaced: list[tuple[RowDict, RowDict]] = field(default_factory=list)
    """(stored row, row replacing it) for every `updated` item, in order."""


def plan_upsert(
    rows: list[tuple[int, RowDict]],
    current: dict[Key, RowDict],
    compared: tuple[str, ...],
    new_pk: Callable[[], str],
    now: datetime,
    versioned: bool = False,
    defaults: Mapping[str, object] | None = None,
) -> Planned:
    """Statuses for valid rows (index, row) given what is stored (`current`, by key).

    Items are applied in order: a second item with the same id in one request is
    compared with the first. `inserted` rows get a new `pk`; an `updated` row keeps the
    stored row's `pk` and `created_at`, and bumps `version` when `versioned`. A field
    left out compares equal to its value in `defaults` (invoices: an omitted quantity is
    1): what was sent is stored, but sending the default is no change.
    """
    out = Planned()
    fill = dict(defaults or {})

    def same(a: object, b: object, name: str) -> bool:
        if name in fill:
            a = fill[name] if a is None else a
            b = fill[name] if b is None else b
        return bool(a == b)

    for index, row in rows:
        key = (row["source_id"], row["external_id"])
        stored = current.get(key)
        if stored is None:
            new = {**row, "pk": new_pk(), "created_at": now, "updated_at": now}
            if versioned:
                new["version"] = 1
            out.inserts[key] = new
            out.statuses[index] = ImportStatus.INSERTED
            current[key] = new
            continue
        if all(same(stored.get(name), row.get(name), name) for name in compared):
            out.statuses[index] = ImportStatus.UNCHANGED
            continue
        new = {**stored, **row, "updated_at": now}
        out.statuses[index] = ImportStatus.UPDATED
        current[key] = new
        if key in out.inserts:  # inserted earlier in this request: never stored before
            out.inserts[key] = new
            continue
        if versioned:
            new["version"] = stored["version"] + 1
        out.updates[key] = new
        out.replaced.append((stored, new))
    return out
