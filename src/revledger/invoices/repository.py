"""Every query on invoices and their versions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TypedDict, cast

from sqlalchemy import Row, RowMapping, Table, and_, or_, select
from sqlalchemy.orm import Session

from revledger.invoices.models import Invoice, InvoiceVersion
from revledger.kit import sql
from revledger.kit.items import RowDict
from revledger.kit.sql import in_list
from revledger.kit.upsert import Planned

T = cast(Table, Invoice.__table__)
V = cast(Table, InvoiceVersion.__table__)


class InvoiceRow(TypedDict):
    """A valid imported invoice, as it is upserted (`pk`, `version` and the timestamps
    are added by the upsert)."""

    workspace_id: str
    source_id: str
    external_id: str
    customer_pk: str
    customer_id: str
    plan_pk: str | None
    plan_id: str | None
    subscription_id: str | None
    type: str
    date: datetime
    amount_cents: int
    currency: str
    start_date: datetime
    end_date: datetime
    quantity: int | None
    discount: int | None


class StoredInvoice(InvoiceRow):
    """An invoice row as stored: with its key, version and timestamps."""

    pk: str
    version: int
    created_at: datetime
    updated_at: datetime


class InvoiceVersionRow(TypedDict):
    """The state an invoice had before an update."""

    invoice_pk: str
    version: int
    workspace_id: str
    fields: str
    """The invoice's JSON as it was listed."""
    valid_from: datetime
    replaced_at: datetime


def upsert(
    session: Session,
    workspace_id: str,
    rows: list[tuple[int, RowDict]],
    compared: tuple[str, ...],
    now: datetime,
    defaults: Mapping[str, object],
) -> Planned:
    """Insert or update the valid items (index, `InvoiceRow`) of one import request;
    an update bumps `version`."""
    return sql.apply_upsert(
        session, T, workspace_id, rows, compared, now, versioned=True, defaults=defaults
    )


def add_versions(session: Session, rows: list[InvoiceVersionRow]) -> None:
    if rows:
        session.execute(V.insert(), rows)


def page(
    session: Session,
    workspace_id: str,
    source_id: str,
    customer_id: str | None,
    date_from: datetime | None,
    date_before: datetime | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[RowMapping]:
    """Newest `date` first, `pk` breaking ties."""
    where = [T.c.workspace_id == workspace_id, T.c.source_id == source_id]
    if customer_id is not None:
        where.append(T.c.customer_id == customer_id)
    if date_from is not None:
        where.append(T.c.date >= date_from)
    if date_before is not None:
        where.append(T.c.date < date_before)
    if after is not None:
        where.append(or_(T.c.date < after[0], and_(T.c.date == after[0], T.c.pk < after[1])))
    stmt = select(T).where(*where).order_by(T.c.date.desc(), T.c.pk.desc()).limit(limit)
    return list(session.execute(stmt).mappings())


def get(session: Session, workspace_id: str, source_id: str, external_id: str) -> RowMapping | None:
    return (
        session.execute(
            select(T).where(
                T.c.workspace_id == workspace_id,
                T.c.source_id == source_id,
                T.c.external_id == external_id,
            )
        )
        .mappings()
        .first()
    )


def versions(session: Session, invoice_pk: str) -> list[Row[int, datetime, datetime, str]]:
    """(version, valid from, replaced at, the invoice's JSON then), oldest first."""
    return list(
        session.execute(
            select(V.c.version, V.c.valid_from, V.c.replaced_at, V.c.fields)
            .where(V.c.invoice_pk == invoice_pk)
            .order_by(V.c.version)
        )
    )


def cancellations_of(
    session: Session, workspace_id: str, customer_pks: set[str]
) -> list[StoredInvoice]:
    """Stored cancellation invoices, and refunds naming a subscription, of these
    customers (by the invoices' customer index)."""
    if not customer_pks:
        return []
    rows = session.execute(
        select(T).where(
            in_list(session, T.c.customer_pk, sorted(customer_pks)),
            T.c.type.in_(("cancellation", "refund")),
            T.c.workspace_id == workspace_id,
            T.c.subscription_id.is_not(None),
        )
    )
    return [cast(StoredInvoice, dict(r._mapping)) for r in rows]
