"""Every query on invoices and their versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Table, and_, or_, select
from sqlalchemy.orm import Session

from revledger.invoices.models import Invoice, InvoiceVersion
from revledger.kit.sql import in_list

T = cast(Table, Invoice.__table__)
V = cast(Table, InvoiceVersion.__table__)


def add_versions(session: Session, rows: list[dict[str, Any]]) -> None:
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
) -> list[Row[Any]]:
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
    return list(session.execute(stmt))


def get(session: Session, workspace_id: str, source_id: str, external_id: str) -> Row[Any] | None:
    return session.execute(
        select(T).where(
            T.c.workspace_id == workspace_id,
            T.c.source_id == source_id,
            T.c.external_id == external_id,
        )
    ).first()


def versions(session: Session, invoice_pk: str) -> list[Row[Any]]:
    return list(
        session.execute(select(V).where(V.c.invoice_pk == invoice_pk).order_by(V.c.version))
    )


def cancellations_of(
    session: Session, workspace_id: str, customer_pks: set[str]
) -> list[dict[str, Any]]:
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
    return [dict(r._mapping) for r in rows]
